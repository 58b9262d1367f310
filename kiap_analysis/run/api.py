"""The analyst's entry point: one order's tables, charts and deck in a notebook.

    from kiap_analysis import load_order

    order = load_order("../data/raw/demo/orders.yaml", "fjord-2026-forebyg")
    order.survey_table("q1")            # the numbers of tables/q1.csv
    order.chart("q1");                  # the chart, drawn inline
    order.block("q1").title = "..."     # tweak the content ...
    order.build_deck("deck.pptx")       # ... and rebuild the deck, without the batch

Everything here goes through the same stages as a batch run (``run.pipeline``: read,
pseudonymise, clean, compute, present; the deck and tables written as ``publish`` writes
them), so the numbers and the deck are the batch's. Practices appear only under their
pseudonyms ("Praksis A"); ydernumre and practice names stay inside the analysis and are
never shown or written.
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from kiap_analysis.core.config import Paths
from kiap_analysis.core.errors import KiapError
from kiap_analysis.core.fileio import atomic_path
from kiap_analysis.core.orders import Order
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.present import charts
from kiap_analysis.present.charts import Chart
from kiap_analysis.present.content import (
    Block,
    Content,
    build_content,
)
from kiap_analysis.privacy.leakcheck import order_literals, order_watchlist, scan
from kiap_analysis.run import pipeline
from kiap_analysis.stats.metrics import ResponseSummary

__all__ = ["OrderHandle", "load_order"]

charts.notebook_backend()  # importing the charts selected Agg for the report's PNGs


def load_order(orders_path: str | Path, order_id: str) -> OrderHandle:
    """Read, clean and analyse one order of an orders file, as a batch run would.

    Practices get their letters from the pseudonym register, so they match the published
    decks. For packages with referral data that needs the pseudonym key
    (``$KIAP_PSEUDONYM_KEY`` or ``<private>/pseudonym.key``, see ``pseudonyms.load_key``;
    created on the very first run), and a cluster's new practices are entered in the
    private register as in a batch run. Raises ``InputError`` listing every problem with
    the order's inputs.
    """
    paths = Paths.current()
    return OrderHandle(pipeline.prepare(orders_path, order_id, paths), paths)


class OrderHandle:
    """One analysed order: its tables, charts and meeting content.

    The identifying material the analysis holds (ydernumre, practice and respondent names)
    is deliberately not reachable from here.
    """

    def __init__(self, shown: pipeline.Presentation, paths: Paths):
        self._run = shown
        self._paths = paths

    def __repr__(self) -> str:
        order, spec = self.order, self.spec
        parts = [f"{spec.name} {spec.version}", order.cluster, order.round]
        if self.summary is not None:
            parts.append(f"{self.summary.responded} respondents")
        if self._run.analysis.current.referrals is not None:
            parts.append(f"{len(self.offers)} offers")
        return f"<OrderHandle {order.id}: {', '.join(parts)}>"

    # ------------------------------------------------------------------ the order

    @property
    def order(self) -> Order:
        return self._run.analysis.order

    @property
    def spec(self) -> PackageSpec:
        """The package spec with the order's local edits applied."""
        return self._run.analysis.spec

    @property
    def warnings(self) -> list[str]:
        """The inputs' warnings, redacted as in the report."""
        return [str(w) for w in self._run.analysis.warnings]

    # ------------------------------------------------------------------ survey

    @property
    def summary(self) -> ResponseSummary | None:
        """Invited, responded, completed and the response rate; None without a survey."""
        survey = self._run.analysis.current.survey
        return survey.summary if survey is not None else None

    def _survey(self):
        survey = self._run.analysis.current.survey
        if survey is None:
            raise KiapError(f"package '{self.spec.name}' has no survey")
        return survey

    def survey_responses(self) -> pd.DataFrame:
        """The cleaned survey: one row per respondent, one column per answer slot (``q1``,
        ``q2.akut``, ``q7.telefon``), free text redacted; non-respondents and duplicates dropped."""
        return self._survey().clean.responses.copy()

    def dropped_rows(self) -> pd.DataFrame:
        """The survey rows cleaning left out, with the reason (source_row, respondent_id, reason, rule)."""
        return self._survey().clean.dropped.copy()

    def survey_table(self, question_id: str) -> pd.DataFrame:
        """The numbers behind a survey chart as read back from tables/<question_id>.csv:
        question_id, item, category, n, base, pct (0-100); n and pct are NA where the base is
        too small to show."""
        question = self.spec.question(question_id)
        if not question.has_chart:
            raise KiapError(f"{question_id} is a free-text question: see free_text('{question_id}')")
        table = self.tables()[question_id]
        return table.assign(n=pd.to_numeric(table["n"], errors="coerce").astype("Int64"),
                            pct=pd.to_numeric(table["pct"], errors="coerce"))

    def free_text(self, question_id: str) -> list[str]:
        """The non-empty answers to a free-text question, redacted as on the slides."""
        answers = self._survey().free_text
        if question_id not in answers:
            raise KiapError(f"{question_id} is not a free-text question of this order: "
                            f"{', '.join(answers) or 'it has none'}")
        return list(answers[question_id])

    # ------------------------------------------------------------------ referrals

    @property
    def offers(self) -> list[str]:
        """The referral offers, in the package's order (unknown offers last)."""
        referrals = self._run.analysis.current.referrals
        return list(referrals.offers) if referrals is not None else []

    def referral_rates(self, detail: bool = False) -> pd.DataFrame:
        """Referrals per 1,000 listed patients per practice (pseudonym) and offer, with 95 %
        intervals and a 'Klyngen samlet' row per offer: tables/referrals_per_1000.csv.

        ``detail=True`` gives the working table instead: listed patients, the unsuppressed
        counts, ``is_suppressed``/``referrals_shown`` and the funnel position (``funnel``).
        """
        referrals = self._run.analysis.current.referrals
        if referrals is None:
            raise KiapError(f"package '{self.spec.name}' has no referral data")
        return referrals.rates.copy() if detail else self.tables()["referrals_per_1000"]

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of tables/*.csv by name (follow-ups add <qid>_change and referrals_change)."""
        return {name: table.copy() for name, table in self._run.tables.items()}

    # ------------------------------------------------------------------ content and charts

    @property
    def content(self) -> Content:
        """What the deck and report show, step by step. Edit it (titles, notes, a block's
        ``chart.data``, removing blocks) and ``build_deck`` uses the edited version."""
        return self._run.content

    def rebuild_content(self) -> Content:
        """Discard edits: the content built afresh from the analysis."""
        self._run.content = build_content(self._run.analysis)
        return self._run.content

    def _blocks(self) -> list[tuple[str, Block]]:
        return [(step.step.id, block) for step in self.content.steps for block in step.blocks]

    def blocks(self) -> pd.DataFrame:
        """One row per block (slide content): step, key, kind, title, base."""
        rows = [(step, b.key, b.kind, b.title, b.base) for step, b in self._blocks()]
        return pd.DataFrame(rows, columns=["step", "key", "kind", "title", "base"])

    def block(self, key: str) -> Block:
        """The block with this key (a question id, 'referrals_overview', 'referrals_<offer>')."""
        found = [b for _, b in self._blocks() if b.key == key]
        if not found:
            raise KeyError(f"no block '{key}'; blocks: {', '.join(b.key for _, b in self._blocks())}")
        return found[0]

    def _charts(self) -> dict[str, tuple[Block, Chart]]:
        """Chart key -> (its block, the chart)."""
        return {chart.key: (block, chart) for _, block in self._blocks() for chart in block.charts
                if chart.key is not None}

    def charts(self) -> dict[str, str]:
        """Chart key -> title, for every chart of the content (the keys ``chart`` draws).

        Survey charts are keyed by question id; referral charts are 'referrals_overview',
        'referrals_<offer>' (rate per practice) and 'funnel_<offer>'.
        """
        return {key: block.title + (f" ({chart.label})" if chart.label else "")
                for key, (block, chart) in self._charts().items()}

    def chart(self, key: str, ax: charts.Axes | None = None) -> charts.Axes:
        """Draw one chart of the content as the report draws it (its kind's drawing); returns the
        matplotlib Axes. Without ``ax`` the chart gets a figure of its own, shown inline in a notebook.
        """
        found = self._charts()
        if key not in found:
            raise KeyError(f"no chart '{key}'; charts: {', '.join(found)}")
        return charts.draw(found[key][1], ax)

    # ------------------------------------------------------------------ files

    def build_deck(self, path: str | Path) -> Path:
        """Write the meeting deck from the (possibly edited) content to ``path``."""
        with self._staging() as staging:
            pipeline.write_outputs(self.content, {}, staging, self.order.template)
            self._check(staging)
            return _copy(staging / "deck.pptx", Path(path))

    def export(self, output_dir: str | Path, tables: bool = True) -> list[Path]:
        """Write deck.pptx (and tables/*.csv) to ``<output_dir>/<order id>/``; returns the files.

        Like a batch run, the files are checked for identifying data before they are written.
        """
        target = Path(output_dir) / self.order.id
        with self._staging() as staging:
            pipeline.write_outputs(self.content, self.tables() if tables else {}, staging, self.order.template)
            self._check(staging)
            files = sorted(p for p in staging.rglob("*") if p.is_file())
            return [_copy(f, target / f.relative_to(staging)) for f in files]

    @contextlib.contextmanager
    def _staging(self):
        """A private scratch folder: nothing reaches its destination before the leak check."""
        private = self._paths.private
        private.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix="export-", dir=private) as folder:
            yield Path(folder)

    def _check(self, folder: Path) -> None:
        """The batch's leak check: names the file and the kind of data, never the value."""
        identifiers, private = self._run.analysis.identifiers, self._paths.private
        hits = scan(folder, order_literals(identifiers, private), watchlist=order_watchlist(identifiers, private))
        if hits:
            raise KiapError("nothing written: the output would hold identifying data ("
                            + "; ".join(map(str, hits)) + "); remove it from the content")


def _copy(source: Path, target: Path) -> Path:
    with atomic_path(target) as tmp:
        shutil.copyfile(source, tmp)
    return target
