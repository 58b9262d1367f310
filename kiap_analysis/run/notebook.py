"""What the template notebook calls: one object per order, one method per cell.

    run = OrderRun(order_id, orders_file, output_dir)
    run.show_title(); run.show_program(); run.show_data(); run.export()

Outputs go to ``<output_dir>/<order_id>/``; the batch runner points ``output_dir`` at a
private staging folder and publishes to reports/ only when the whole order succeeded.
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import HTML, display

from kiap_analysis import __version__
from kiap_analysis.core.config import SUMMARY_MIMETYPE, Paths
from kiap_analysis.core.errors import InputError
from kiap_analysis.core.fileio import write_bytes, write_csv, write_text
from kiap_analysis.ingest.places import PLACES, published_input_error, write_places_log
from kiap_analysis.present import report
from kiap_analysis.present.content import Content, build_content
from kiap_analysis.present.deck import write_deck
from kiap_analysis.privacy.pseudonyms import load_key
from kiap_analysis.privacy.suppression import safe_table, suppress_small_base, suppress_small_change
from kiap_analysis.run.letters import practice_letters
from kiap_analysis.stats import change, metrics
from kiap_analysis.stats.analysis import OrderAnalysis, analyse_order, processed_tables
from kiap_analysis.stats.disclosure import whole_numbers
from kiap_analysis.stats.reidentification import measure

RATE_TABLE_COLUMNS = ["practice", "offer", "referrals", "rate_per_1000", "ci_low", "ci_high", "expected", "funnel",
                      "funnel_adjusted"]


class OrderRun:
    """An order analysed and ready to show and export."""

    def __init__(self, order_id: str, orders_file: str | Path, output_dir: str | Path):
        self.paths = Paths.current()
        self.out = Path(output_dir) / order_id
        try:
            self.analysis: OrderAnalysis = analyse_order(orders_file, order_id, self.paths)
        except InputError as exc:  # its message is published (manifest, run.log, index)
            raise published_input_error(exc, Path(orders_file), order_id, self.paths.private) from exc
        write_places_log(self.paths.private, order_id, self.analysis.places)
        self.content: Content = build_content(self.analysis)
        self._tables = self.tables()  # written by export(); the attack measures them first
        self.risk = measured_risk(self.analysis, self._tables)

    def show_title(self) -> None:
        display(HTML(report.title_html(self.content)))

    def show_program(self) -> None:
        for step in self.content.steps:
            display(HTML(report.step_html(step)))
        display(HTML(report.agreements_html(self.content)))

    def show_data(self) -> None:
        display(HTML(report.data_section_html(self.analysis, self.risk)))

    def tables(self) -> dict[str, pd.DataFrame]:
        """tables/<name>.csv: the numbers behind every chart (DESIGN.md columns)."""
        tables: dict[str, pd.DataFrame] = {}
        current, follow_up = self.analysis.current, self.analysis.change
        if current.survey is not None:
            tables.update({qid: suppress_small_base(t) for qid, t in current.survey.tables.items()})
            if follow_up is not None:
                for qid, table in follow_up.survey.items():
                    tables[f"{qid}_change"] = suppress_small_change(change.published(table))
        if current.referrals is not None:
            rates = current.referrals.rates.assign(referrals=current.referrals.rates["referrals_shown"])
            strict = current.referrals.is_strict
            tables["referrals_per_1000"] = rates[RATE_TABLE_COLUMNS + (["size_band"] if strict else [])]  # rounded
            if follow_up is not None and follow_up.referrals is not None:
                tables["referrals_change"] = follow_up.referrals.round({"rate_ratio": 2, "rr_ci_low": 2,
                                                                        "rr_ci_high": 2})
            if strict:  # the practices' rates written as the whole numbers they are
                rates = tables["referrals_per_1000"]
                tables["referrals_per_1000"] = whole_numbers(rates, ["rate_per_1000"],
                                                             rates["practice"] != metrics.CLUSTER)
                if "referrals_change" in tables:
                    moves = tables["referrals_change"]
                    tables["referrals_change"] = whole_numbers(
                        moves, ["rate_per_1000_baseline", "rate_per_1000_follow_up"],
                        ~moves["practice"].isin([metrics.CLUSTER, change.BOTH_ROUNDS]))
        return tables

    def export(self) -> dict:
        """Write the deck, the tables and the processed data; display the run summary."""
        self.out.mkdir(parents=True, exist_ok=True)
        template = self.analysis.order.template
        write_deck(self.content, self.out / "deck.pptx", template)
        written = {"deck.pptx"}
        tables_dir = self.out / "tables"
        for name, table in self._tables.items():
            write_csv(safe_table(table), tables_dir / f"{name}.csv")
            written.add(f"tables/{name}.csv")
        if tables_dir.exists():
            for stale in tables_dir.glob("*.csv"):
                if f"tables/{stale.name}" not in written:
                    stale.unlink()
        self._save_processed()
        self._write_letters()
        self._write_identifiers()
        summary = {
            "order_id": self.analysis.order.id,
            "package": {"name": self.analysis.spec.name, "version": self.analysis.spec.version},
            "code_version": __version__,
            "warnings": [str(w) for w in self.analysis.warnings],
            "slides": _slide_count(self.out / "deck.pptx"),
            "outputs": sorted(written),
            "disclosure": {"mode": self.analysis.order.disclosure, **(self.risk.summary() if self.risk else {})},
            "reconciliation": [_texts_mapped(r.reconciliation.to_dict(), self.analysis.published)
                               for r in (self.analysis.current, self.analysis.baseline)
                               if r is not None and r.reconciliation is not None],
        }
        display({SUMMARY_MIMETYPE: summary, "text/plain": f"{len(written)} filer skrevet"}, raw=True)
        return summary

    def identifiers_path(self) -> Path:
        """Private: what the leak check must not find in this order's outputs. A batch run's
        output folder is its own staging folder under <private>/runs/: the file goes beside it,
        else into <private>/runs/."""
        runs = self.paths.private / "runs"
        staging_root = self.out.parent
        folder = staging_root if staging_root.resolve().is_relative_to(runs.resolve()) else runs
        return folder / f"{self.analysis.order.id}.identifiers.json"

    def _write_identifiers(self) -> None:
        found: dict = {kind: sorted(values) for kind, values in self.analysis.identifiers.items()}
        found[PLACES] = self.analysis.places.pairs()  # the batch names the inputs in the manifest the same way
        write_text(self.identifiers_path(), json.dumps(found, ensure_ascii=False))

    def _write_letters(self) -> None:
        """One private letter per practice telling it its pseudonym (never under reports/)."""
        folder = self.paths.private / "letters" / self.analysis.order.id
        letters = practice_letters(self.analysis)
        for name, text in letters.items():
            write_text(folder / name, text)
        if folder.exists():
            for stale in folder.glob("*.txt"):
                if stale.name not in letters:
                    stale.unlink()

    def _save_processed(self) -> None:
        key = load_key(self.paths.private)  # respondent ids and practices become keyed digests
        folder = self.paths.processed / self.analysis.order.id
        for name, table in processed_tables(self.analysis, key).items():
            write_bytes(folder / f"{name}.parquet", _parquet(table))


@dataclass(frozen=True)
class Risk:
    """The re-identification attack on the order's own published figures, measured at run time."""

    named: int  # letters a reader with the public listed-patient counts names
    letters: int
    seconds: float

    def summary(self) -> dict:
        return {"letters_named": self.named, "letters": self.letters, "measure_s": self.seconds}


def measured_risk(analysis: OrderAnalysis, tables: dict[str, pd.DataFrame]) -> Risk | None:
    """How many letters the order's published tables and funnel positions let a reader with the
    listed-patient lists name (``reidentification.measure``); None without referral data."""
    current = analysis.current.referrals
    if current is None:
        return None
    began = time.perf_counter()

    def sizes(result) -> dict[str, int]:
        listed = result.listed.listed.dropna(subset=["listed_patients"])
        return {y: int(n) for y, n in zip(listed["ydernummer"], listed["listed_patients"], strict=True) if n > 0}

    baseline = analysis.baseline.referrals if analysis.baseline is not None else None
    found = measure(tables, current.rates, sizes(current), sizes(baseline) if baseline is not None else None)
    return Risk(len(found.named), len(found.candidates), round(time.perf_counter() - began, 4))


def _texts_mapped(value, publish):
    """Parsed JSON with every string as it may be published."""
    if isinstance(value, dict):
        return {k: _texts_mapped(v, publish) for k, v in value.items()}
    if isinstance(value, list):
        return [_texts_mapped(v, publish) for v in value]
    return publish(value) if isinstance(value, str) else value


def _parquet(table: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    return buffer.getvalue()


def _slide_count(path: Path) -> int:
    from kiap_analysis.present.deck import slide_count

    return slide_count(path)
