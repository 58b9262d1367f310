"""What the meeting shows, step by step: the single source of both the deck and the report.

``build_content`` turns an ``OrderAnalysis`` into the package's program with its blocks
(charts with their tables, free-text answers, notes), so deck and report cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from kiap_analysis.core import formatting as fmt
from kiap_analysis.core.config import settings
from kiap_analysis.core.spec import ProgramStep, Question
from kiap_analysis.present import charts
from kiap_analysis.present.admission_content import admission_block
from kiap_analysis.present.charts import Chart
from kiap_analysis.privacy.suppression import HIDDEN, suppress_small_change
from kiap_analysis.stats import change, claims, metrics
from kiap_analysis.stats.funnel import FunnelFit
from kiap_analysis.stats.results import (
    FollowUpChange,
    OrderAnalysis,
    ReferralResult,
    RoundResult,
)

ROUND_NAMES = {"baseline": "Basismåling", "follow-up": "Opfølgning"}


@dataclass
class Block:
    """One slide's worth of content (a chart, free-text answers, or a note)."""

    kind: str  # "chart" | "free_text" | "note"
    key: str
    title: str
    question_text: str = ""
    base: str = ""
    charts: list[Chart] = field(default_factory=list)  # side by side; the report draws them as one picture
    table: pd.DataFrame | None = None
    answers: list[str] = field(default_factory=list)
    note: str = ""
    caption: str = ""
    changes: list[change.Statement] = field(default_factory=list)  # follow-ups: what changed since the baseline
    change_table: pd.DataFrame | None = None  # follow-ups: both rounds' figures (suppressed)
    strict: bool = False  # disclosure: strict: the practices' rates are whole numbers

    @property
    def chart(self) -> Chart | None:
        """The block's (first) chart."""
        return self.charts[0] if self.charts else None

    @property
    def funnel(self) -> FunnelFit | None:
        """The offer's funnel fit, when the block shows a funnel."""
        return next((c.funnel for c in self.charts if c.funnel is not None), None)


@dataclass
class StepContent:
    step: ProgramStep
    blocks: list[Block]


@dataclass
class Content:
    order_id: str
    title: str
    cluster: str
    municipality: str
    round_label: str
    period_label: str
    source: str
    steps: list[StepContent]
    is_follow_up: bool
    baseline_label: str | None = None
    key_changes: list[str] = field(default_factory=list)  # follow-ups: 'Hvad har ændret sig?'
    agreed: list[str] = field(default_factory=list)  # follow-ups: 'Det aftalte vi sidst' (what – who, by when)

    @property
    def footer(self) -> str:
        parts = [f"Kilde: {self.source}"]
        if self.period_label:
            parts.append(f"Periode: {self.period_label}")
        return " · ".join(parts)


def _base_text(table: pd.DataFrame, summary: metrics.ResponseSummary) -> str:
    """'n = 20 · 23 af 31 inviterede svarede, heraf 21 fuldt ud': the chart's base, then who answered."""
    return f"n = {metrics.question_base(table)} · {response_text(summary)}"


def response_text(summary: metrics.ResponseSummary) -> str:
    """'23 af 31 inviterede svarede, heraf 21 fuldt ud' (partial respondents said apart)."""
    who = f"{summary.responded} af {summary.invited} inviterede" if summary.invited else f"{summary.responded}"
    return f"{who} svarede, heraf {summary.completed} fuldt ud"


def _with_round(table: pd.DataFrame, label: str) -> pd.DataFrame:
    return table.assign(round=label)


def _chart_block(key: str, title: str, question_text: str, base: str, shown: list[Chart], **fields) -> Block:
    """A chart block: its charts side by side, their captions one after the other."""
    caption = " ".join(text for text in (charts.get(c.kind).caption(c) for c in shown) if text)
    return Block("chart", key, title, question_text, base=base, charts=shown, caption=caption, **fields)


def question_block(question: Question, current: RoundResult, baseline: RoundResult | None,
                   follow_up: FollowUpChange | None = None, chart: str | None = None) -> Block:
    """``chart``: the kind the spec names for the question (None: by its type)."""
    block = _question_block(question, current, baseline, chart)
    if follow_up is not None and question.id in follow_up.survey and baseline is not None:
        table = follow_up.survey[question.id]
        block.changes = change.survey_statements(question, table, follow_up.matches[question.id], baseline.label,
                                                 settings().min_change_base)
        block.change_table = suppress_small_change(change.published(table))
    return block


def _question_block(question: Question, current: RoundResult, baseline: RoundResult | None,
                    chart: str | None) -> Block:
    survey = current.survey
    assert survey is not None
    summary = survey.summary
    if not question.has_chart:
        answers = survey.free_text.get(question.id, [])
        return Block("free_text", question.id, question.title, question.text,
                     base=f"{len(answers)} svar", answers=answers,
                     note="" if answers else "Ingen har skrevet et svar.")
    table = survey.tables[question.id]
    base = metrics.question_base(table)
    if base < settings().min_survey_base:
        return Block("note", question.id, question.title, question.text,
                     base=_base_text(table, summary), table=table,
                     note=f"For få svar til at vise fordelingen (n = {base}, mindst "
                          f"{settings().min_survey_base} svar kræves).")
    chart_table = table
    base_label = _base_text(table, summary)
    before = baseline.survey.tables.get(question.id) if baseline and baseline.survey else None
    if before is not None and metrics.question_base(before) >= settings().min_survey_base:
        chart_table = pd.concat([_with_round(before, baseline.label), _with_round(table, current.label)],
                                ignore_index=True)
        base_label = (f"{baseline.label}: {_base_text(before, baseline.survey.summary)}; "
                      f"{current.label}: {base_label}")
    same_scale = "round" not in chart_table or set(before["category"]) == set(table["category"])
    if not same_scale and question.type == "likert_grid":  # a grid cannot show two scales: this round only
        chart_table, base_label, same_scale = table, _base_text(table, summary), True
    kind = charts.get(chart or charts.default_kind(question, same_scale))
    return _chart_block(question.id, question.title, question.text, base_label,
                        [kind.prepare(question, chart_table)], table=table)


def referral_blocks(current: RoundResult, baseline: RoundResult | None,
                    follow_up: FollowUpChange | None = None) -> list[Block]:
    blocks = _referral_blocks(current, baseline)
    for block in blocks:
        block.strict = current.referrals.is_strict
    moves = follow_up.referrals if follow_up is not None else None
    if moves is None:
        return blocks
    blocks[0].changes = [line for line in change.referral_statements(moves, metrics.CLUSTER)
                         if line.kind != change.FUNNEL]
    label = baseline.label if baseline is not None else "baseline"
    members = (change.counted_membership_statement(*follow_up.membership, label) if follow_up.membership is not None
               else change.membership_statement(moves, label))
    if members is not None:
        blocks[0].changes.insert(0, members)
    if follow_up.periods_differ:
        before_days, after_days = follow_up.period_days
        blocks[0].changes.insert(0, change.Statement(
            f"Perioderne er ikke lige lange ({before_days} og {after_days} dage): raterne er pr. periode, "
            "ratioerne er justeret til samme længde.", change.INFO))
    blocks[0].change_table = moves[moves["practice"].isin([metrics.CLUSTER, change.BOTH_ROUNDS])]
    for block, offer in zip(blocks[1:], current.referrals.offers, strict=True):
        block.changes = change.referral_statements(moves, metrics.CLUSTER, offer)
        block.change_table = moves[moves["offer"] == offer]
    return blocks


def _in_rate(rates: pd.DataFrame) -> pd.Series:
    """Practices counted in the cluster's rate: those with listed patients."""
    return (rates["practice"] != metrics.CLUSTER) & (rates["listed_patients"].fillna(0).astype(float) > 0)


def _left_out(rates: pd.DataFrame) -> str:
    """'; 1 praksis uden tilmeldte patienter er ikke med i klyngens rate' (or '')."""
    practices = rates[rates["practice"] != metrics.CLUSTER]
    missing = practices.loc[~_in_rate(practices), "practice"].unique()
    if not len(missing):
        return ""
    count = f"{len(missing)} praksis uden tilmeldte patienter ({', '.join(missing)})"
    return f"; {count} er ikke med i klyngens rate"


def _referral_blocks(current: RoundResult, baseline: RoundResult | None) -> list[Block]:
    result = current.referrals
    assert result is not None
    cluster = result.rates[result.rates["practice"] == metrics.CLUSTER]
    overview = cluster.assign(round=current.label)
    if baseline is not None and baseline.referrals is not None:
        before = baseline.referrals.rates
        overview = pd.concat([before[before["practice"] == metrics.CLUSTER].assign(round=baseline.label),
                              overview], ignore_index=True)
    if "round" in overview and overview["round"].nunique() == 1:
        overview = overview.drop(columns="round")
    patients = int(cluster["listed_patients"].dropna().iloc[0]) if cluster["listed_patients"].notna().any() else 0
    counted = result.rates.loc[_in_rate(result.rates), "practice"].nunique()
    key = "referrals_overview"
    blocks = [_chart_block(
        key, "Henvisninger pr. 1.000 tilmeldte patienter, klyngen samlet",
        "Hvor mange henviser vi, og hvad henviser vi til?",
        f"{counted} praksis med {fmt.number(patients)} tilmeldte patienter{_left_out(result.rates)}",
        [charts.get("offer_rates").prepare(overview, key=key)], table=cluster)]
    funnels = result.funnels
    for offer in result.offers:
        blocks.append(_offer_block(result, offer, funnels.get(offer)))
    return blocks


def practice_note(row) -> str:
    """Why a practice has no rate on the charts: '<5', 'skjult' or 'ikke beregnet'."""
    if getattr(row, "is_suppressed", False):
        return str(row.referrals_shown)
    return "" if row.is_rate_computed else "ikke beregnet"


def _total_text(rows: pd.DataFrame) -> str:
    """The offer's total as the sum of the practices in the cluster's rate, saying what it leaves out."""
    total = rows[rows["practice"] == metrics.CLUSTER].iloc[0]
    practices = rows[rows["practice"] != metrics.CLUSTER]
    counted = int(_in_rate(practices).sum())
    hidden = bool(practices.loc[_in_rate(practices), "is_suppressed"].astype(bool).any())
    if total["referrals_shown"] == HIDDEN:
        text = f"Antal henvisninger fra de {counted} praksis med tilmeldte patienter: skjult (små tal)"
    else:
        text = f"{total['referrals_shown']} henvisninger fra de {counted} praksis med tilmeldte patienter"
        if hidden:
            text += " (skjulte små tal er talt med)"
    return text + _left_out(rows)


def _offer_block(result: ReferralResult, offer: str, fit: FunnelFit | None) -> Block:
    rows = result.rates[result.rates["offer"] == offer]
    practices = rows[rows["practice"] != metrics.CLUSTER].copy()
    practices["note"] = [practice_note(r) for r in practices.itertuples()]
    strict = result.is_strict
    key = f"referrals_{offer}"
    shown = [charts.get("practice_rates").prepare(practices, offer=offer, strict=strict, key=key,
                                                  cluster_rate=fit.cluster_rate if fit is not None else None),
             charts.get("funnel").prepare(practices, fit, strict=strict,
                                          key=f"funnel_{offer}" if fit is not None else None)]
    return _chart_block(key, f"{offer}: henvisninger pr. 1.000 tilmeldte patienter",
                        "Antal henvisninger pr. 1.000 tilmeldte patienter for klyngens praksis, pseudonymiseret",
                        _total_text(rows), shown, table=rows)


REFLECTION_LEAD = "Refleksionsspørgsmål:"


def speaker_notes(block: Block, reflection: Sequence[str] = ()) -> list[str]:
    """What the facilitator reads under a chart slide: sentences generated from the chart's
    numbers (its kinds' ``notes``), a follow-up's changes with the verdicts ``claims.adjust``
    gave them (``block.changes``), then the block's reflection questions."""
    lines = [*charts.notes(block.charts)] if block.charts else ([block.note] if block.note else [])
    lines.extend(line.text for line in block.changes)
    if reflection:
        lines.extend([REFLECTION_LEAD, *reflection])
    return lines


def build_content(analysis: OrderAnalysis) -> Content:
    order, spec = analysis.order, analysis.spec
    charts.check_spec(spec)
    current, baseline = analysis.current, analysis.baseline
    steps = []
    for step in spec.program:
        blocks: list[Block] = []
        for ref in step.content:
            if ref.kind == "question" and current.survey is not None:
                blocks.append(question_block(spec.question(ref.ref), current, baseline, analysis.change, ref.chart))
            elif ref.kind == "referrals" and current.referrals is not None:
                blocks.extend(referral_blocks(current, baseline, analysis.change))
            elif ref.kind == "admissions" and current.admissions is not None:
                config = spec.admissions
                blocks.append(admission_block(ref.ref, current.admissions, config.short_stay_hours,
                                              config.readmission_days))
        steps.append(StepContent(step, blocks))
    return Content(
        order_id=order.id,
        title=spec.title,
        cluster=order.cluster,
        municipality=order.municipality,
        round_label=ROUND_NAMES[order.round],
        period_label=order.period.label() if order.period else "",
        source=spec.source or "Spørgeskema blandt klyngens medlemmer",
        steps=steps,
        is_follow_up=order.is_follow_up,
        baseline_label=baseline.label if baseline else None,
        key_changes=key_changes(steps, analysis.change.claims) if analysis.change is not None else [],
        agreed=[a.text() for a in analysis.agreements],
    )


KEY_CHANGES_SHOWN = 8
CHANGES_TITLE = "Hvad har ændret sig?"
CHANGES_METHOD = ("En ændring nævnes kun, når begge runder har nok svar og forskellen består en statistisk "
                  "test efter justering for, at præsentationen tester mange ting på én gang; ellers står der, "
                  "at der er for få svar til at vurdere en ændring. Placeringer i tragten er ikke tests af ændring.")
AGREEMENTS_TITLE = "Aftaler og næste skridt"
AGREED_TITLE = "Det aftalte vi sidst"


def agreement_points(content: Content) -> list[str]:
    """What the meeting agrees on before it ends (follow-ups look back at the last agreements first)."""
    points = ["Hvad gør vi konkret efter mødet – i kommunen og i praksis?",
              "Hvem gør hvad, og hvornår?",
              "Hvornår gentager vi spørgeskemaet og datatrækket for at se udviklingen?"]
    if content.is_follow_up:
        points.insert(0, "Hvad aftalte vi sidst – og hvad er der sket siden?")
    return points


def key_changes(steps: list[StepContent], claims_made: int = 0) -> list[str]:
    """'Hvad har ændret sig?': what to know first (membership, period lengths), the changes that
    pass their (adjusted) test, what could not be judged, and how the tests were adjusted.
    Funnel positions are no test of change and stay on their own slides."""
    context, found, unclear = [], [], 0
    for step in steps:
        for block in step.blocks:
            is_offer = block.key.startswith("referrals_") and block.key != "referrals_overview"
            for line in block.changes:
                if line.kind == change.CHANGE and not is_offer:
                    found.append(line.text if block.key.startswith("referrals") else f"{block.title} – {line.text}")
                elif line.kind == change.UNCLEAR and not block.key.startswith("referrals"):
                    unclear += 1
                elif line.kind == change.INFO and block.key == "referrals_overview":
                    context.append(line.text)  # membership, periods of different lengths
    if not found:
        found = ["Ingen sikre ændringer siden basismålingen i spørgeskemaet eller henvisningerne."]
    shown = KEY_CHANGES_SHOWN - len(context)
    if len(found) > shown:
        rest = len(found) - (shown - 1)
        found = [*found[: shown - 1], f"… og {rest} ændringer mere (se de enkelte figurer)."]
    lines = [*context, *found]
    if unclear:
        lines.append(f"{unclear} spørgsmål kan ikke vurderes (for få svar eller ændret spørgsmål).")
    lines.append(claims.method_sentence(claims_made, settings().change_alpha))
    return lines
