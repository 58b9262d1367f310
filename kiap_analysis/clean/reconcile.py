"""The reconciliation of an order: every row read is counted, kept or dropped by a named rule.

Per round and input, a chain of stages whose numbers add up (rows read -> rows with answers
-> respondents counted, or rows read -> rows counted), each step's drops with their rule and
rows, then what was counted: the base of every question, or practices, offers and referrals. Built by pure
functions from what the readers and the cleaning return; shown in the report's data
section, written to manifest.json and printed by ``kiap validate``.

Data loss: the rules marked ``loss`` fail the order above the limits in ``config.Settings``
unless the order accepts them (``accept_loss:``); see docs/data-rules.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from kiap_analysis.core.config import Settings
from kiap_analysis.core.errors import KiapError, Problem
from kiap_analysis.core.rules import LIMIT_ADMISSION_ROWS, LIMIT_REFERRAL_ROWS, LIMIT_RESPONDENTS, RULES
from kiap_analysis.core.shown import render

if TYPE_CHECKING:  # the readers' and the cleaning's results (no import at run time: they import this module)
    from kiap_analysis.clean.survey import CleanSurvey
    from kiap_analysis.core.spec import PackageSpec
    from kiap_analysis.ingest.admissions import AdmissionIngest
    from kiap_analysis.ingest.referrals import ListedIngest, ReferralIngest
    from kiap_analysis.ingest.survey import SurveyIngest

REFERRAL_REASONS = {"total row": "total_row", "outside the period": "outside_period", "no offer": "no_offer"}

STAGES = {  # key -> (English, Danish)
    "rows_read": ("rows read", "rækker læst"),
    "respondents": ("rows with answers", "rækker med svar"),  # before duplicates are dropped
    "counted": ("respondents counted", "besvarelser, der indgår"),
    "rows_counted": ("rows counted", "rækker, der indgår"),
    "practices": ("practices", "praksis"),
    "offers": ("offers", "tilbud"),
    "referrals": ("referrals counted", "henvisninger talt"),
    "admissions": ("admissions counted", "indlæggelser talt"),
}
PARTS = {  # key -> (English, Danish)
    "completed": ("completed", "gennemførte"), "partial": ("partial", "delvise"),
    "new": ("new", "nye"), "distributed": ("distributed", "distribueret"),
    "dropped_out": ("dropped out", "frafaldet"), "no_status": ("no status", "uden status"),
    "without_rate": ("without a rate (no listed patients)", "uden rate (ingen tilmeldte patienter)"),
    "without_count": ("without a listed-patients count", "uden antal tilmeldte"),
    "without_practice": ("without a practice", "uden praksis"),
}
SOURCES = {"survey": ("survey", "Spørgeskema"), "referrals": ("referrals", "Henvisninger"),
           "listed_patients": ("listed patients", "Tilmeldte patienter"),
           "admissions": ("admissions", "Indlæggelser")}
ROWS_SHOWN = 10


@dataclass(frozen=True)
class Drop:
    """Rows (or answers) one rule left out."""

    rule: str  # a key of RULES
    file: str
    rows: tuple[int, ...]  # spreadsheet rows (1 is the file's first line)
    answers: int | None = None  # answer cells, where a rule drops answers rather than rows
    value: str = ""  # the answer left out, when a message may quote it (``shown.safe``); never in the manifest
    kind: str = ""  # what kind of value the answers left out are (``shown.KINDS``), where a drop has values
    columns: tuple[str, ...] = ()  # the export's headers it is in
    column: str | None = None  # the spreadsheet column, for a message's place
    sheet: str | None = None

    @property
    def count(self) -> int:
        return len(self.rows) if self.answers is None else self.answers

    @property
    def detail(self) -> str:
        """"'Enig' in column 'q1'", "text in column 'q1'", or "answers in 'spm1', 'b_1_1'"."""
        return _detail(self, "{} in column '{}'", "answers in ")

    @property
    def detail_da(self) -> str:
        return _detail(self, "{} i kolonne '{}'", "svar i ", danish=True)

    def rows_text(self) -> str:
        """'row 5', 'rows 5, 9', 'rows 1, 2, ... and 3 more'."""
        shown = ", ".join(map(str, self.rows[:ROWS_SHOWN]))
        more = f" and {len(self.rows) - ROWS_SHOWN} more" if len(self.rows) > ROWS_SHOWN else ""
        return ("row " if len(self.rows) == 1 else "rows ") + shown + more


@dataclass(frozen=True)
class Stage:
    """One count of the chain; ``drops`` lead from the previous stage to this one."""

    key: str  # a key of STAGES
    count: int
    drops: tuple[Drop, ...] = ()
    parts: tuple[tuple[str, int], ...] = ()  # (PARTS key, count), e.g. completed / partial
    chained: bool = True  # the previous stage's count minus the drops; False where the unit changes


@dataclass(frozen=True)
class QuestionLine:
    question_id: str
    title: str
    answers_read: int  # non-blank cells read for it
    base: int  # what 'n =' on its chart says (free text: answers shown)
    left_out: tuple[Drop, ...] = ()

    @property
    def left_out_count(self) -> int:
        return sum(d.count for d in self.left_out)


@dataclass(frozen=True)
class Account:
    """One input's ledger."""

    source: str  # "survey" | "referrals" | "listed_patients"
    file: str
    form: str
    inputs: tuple[tuple[str, int], ...]  # (file, data rows) of every file read
    stages: tuple[Stage, ...]
    questions: tuple[QuestionLine, ...] = ()
    errors: int = 0  # rows with errors (the order stops; they are listed with the problems)

    def check(self) -> None:
        """The numbers add up: each chained stage is the one before minus its drops."""
        for i, (before, stage) in enumerate(zip(self.stages, self.stages[1:], strict=False)):
            errors = self.errors if i == 0 else 0  # rows with errors leave after the first stage
            if stage.chained and before.count - sum(d.count for d in stage.drops) - errors != stage.count:
                raise KiapError(f"{self.file}: the reconciliation does not add up at '{stage.key}' "
                                f"({before.count} - drops != {stage.count}): a reader bug")

    def drops(self) -> list[Drop]:
        return [d for stage in self.stages for d in stage.drops] + [d for q in self.questions for d in q.left_out]


@dataclass(frozen=True)
class Reconciliation:
    """One round of an order: its accounts, and the losses its order accepts."""

    order_id: str
    round_label: str
    accounts: tuple[Account, ...]
    accepted: Mapping[str, str] = field(default_factory=dict)  # rule -> reason (accept_loss:)

    def to_dict(self) -> dict:
        """For manifest.json (row numbers in full; no values from the inputs)."""
        def drop(d: Drop) -> dict:
            return {"rule": d.rule, "count": d.count, "rows": list(d.rows), "file": d.file,
                    **({"answers": d.answers} if d.answers is not None else {}),
                    "accepted": d.rule in self.accepted}

        return {
            "order_id": self.order_id,
            "round": self.round_label,
            "accept_loss": dict(self.accepted),
            "accounts": [{
                "source": a.source, "file": a.file, "form": a.form,
                "inputs": [{"file": f, "rows": n} for f, n in a.inputs],
                "stages": [{"stage": s.key, "count": s.count, **({"parts": dict(s.parts)} if s.parts else {}),
                            "drops": [drop(d) for d in s.drops]} for s in a.stages],
                **({"questions": [{"question_id": q.question_id, "answers_read": q.answers_read, "base": q.base,
                                   "left_out": [drop(d) for d in q.left_out]} for q in a.questions]}
                   if a.source == "survey" else {}),
                **({"rows_with_errors": a.errors} if a.errors else {}),
            } for a in self.accounts],
        }

    def lines(self) -> list[str]:
        """What ``kiap validate`` prints (English)."""
        out = []
        for account in self.accounts:
            name, _ = SOURCES[account.source]
            files = "; ".join(f"{f}: {n} rows" for f, n in account.inputs)
            out.append(f"{name} {account.file} ({account.form}; {files})")
            for i, stage in enumerate(account.stages):
                for d in stage.drops:
                    accepted = " [accepted by accept_loss]" if d.rule in self.accepted else ""
                    detail = f"; {d.detail}" if d.detail else ""
                    out.append(f"    - {d.count} {d.rule}: {RULES[d.rule].text} ({d.rows_text()}{detail}){accepted}")
                if i == 1 and account.errors:
                    out.append(f"    - {account.errors} row(s) with errors (below)")
                sign = "  " if i == 0 else ("  = " if stage.chained else "  : ")
                parts = ", ".join(f"{n} {PARTS[k][0]}" for k, n in stage.parts)
                out.append(f"  {sign}{stage.count} {STAGES[stage.key][0]}" + (f" ({parts})" if parts else ""))
            if account.questions:
                questions = "; ".join(_question_text(q, self.accepted) for q in account.questions)
                out.append(f"    per question: {questions}")
        return out


def _detail(drop: Drop, value: str, columns: str, danish: bool = False) -> str:
    if drop.value or drop.kind:
        return value.format(render(drop.value, drop.kind, danish), drop.columns[0] if drop.columns else "")
    if drop.columns:
        shown = ", ".join(f"'{c}'" for c in drop.columns[:8])
        return columns + shown + (" ..." if len(drop.columns) > 8 else "")
    return ""


def _question_text(q: QuestionLine, accepted: Mapping[str, str]) -> str:
    text = f"{q.question_id} base {q.base}, {q.answers_read} answers read"
    for d in q.left_out:
        flag = " [accepted]" if d.rule in accepted else ""
        text += f", {d.count} left out ({d.rule}: {d.detail}, {d.rows_text()}){flag}"
    return text


# ------------------------------------------------------------------ building the accounts


def _parts(frame: pd.DataFrame, detailed: bool = False) -> tuple[tuple[str, int], ...]:
    """Completed and partial rows; ``detailed``: the rows that did not respond by their status."""
    complete = frame["is_complete"].astype(bool)
    counts = {"completed": int(complete.sum())}
    if detailed:
        counts["partial"] = int((~complete & frame["status"].isin(["partial", ""])).sum())
        for key in ("distributed", "new", "dropped_out"):
            counts[key] = int((~complete & (frame["status"] == key)).sum())
    else:
        counts["partial"] = int((~complete).sum())
    return tuple((k, n) for k, n in counts.items() if n)


def survey_account(ingest: SurveyIngest, clean: CleanSurvey, tables: Mapping[str, pd.DataFrame],
                   free_text: Mapping[str, list], spec: PackageSpec) -> Account:
    """The survey's ledger from the reader's ingest, the cleaning and the chart tables."""
    read = ingest.responses
    dropped = clean.dropped

    def drops(rule: str) -> tuple[Drop, ...]:
        rows = tuple(int(r) for r in dropped.loc[dropped["rule"] == rule, "source_row"])
        if not rows:
            return ()
        columns = ()
        if rule == "uncounted_answers":
            columns = tuple(sorted({c for r in rows for c in ingest.answered_elsewhere.get(r, ())}))
        return (Drop(rule, ingest.data_file or ingest.file, rows, columns=columns, sheet=ingest.data_sheet),)

    respondents = read[~read["source_row"].isin(dropped.loc[dropped["rule"] == "non_respondent", "source_row"])]
    counted = clean.responses
    stages = (
        Stage("rows_read", len(read), parts=_parts(read, detailed=True)),
        Stage("respondents", len(respondents), drops("non_respondent"), _parts(respondents)),
        Stage("counted", len(counted), drops("uncounted_answers") + drops("duplicate_respondent"),
              _parts(counted)),
    )
    questions = []
    for question in spec.questions:
        left = tuple(Drop("unknown_answer", ingest.data_file or ingest.file, item.rows, answers=len(item.rows),
                          value=item.value, kind=item.kind, columns=(item.column,), column=item.letter,
                          sheet=ingest.data_sheet)
                     for item in ingest.left_out if item.question_id == question.id)
        table = tables.get(question.id)
        base = int(table["base"].min()) if table is not None and len(table) else len(free_text.get(question.id, []))
        questions.append(QuestionLine(question.id, question.title, ingest.answer_cells.get(question.id, 0),
                                      base, left))
    account = Account("survey", ingest.file, ingest.form, tuple(ingest.inputs), stages, tuple(questions))
    account.check()
    return account


def _row_drops(dropped: Sequence[tuple[int, str]], file: str) -> tuple[Drop, ...]:
    by_rule: dict[str, list[int]] = {}
    for row, reason in dropped:
        by_rule.setdefault(REFERRAL_REASONS[reason], []).append(row)
    return tuple(Drop(rule, file, tuple(rows)) for rule, rows in by_rule.items())


def referral_accounts(ingest: ReferralIngest, listed: ListedIngest) -> tuple[Account, Account]:
    """The referral file's and the listed-patients file's ledgers."""
    counts = ingest.counts
    usable = listed.listed.dropna(subset=["listed_patients"])
    listed_ids = set(usable.loc[usable["listed_patients"] > 0, "ydernummer"])
    no_rate = int(counts.loc[~counts["ydernummer"].isin(listed_ids), "referrals"].sum())
    error_rows = ingest.error_rows
    rows_counted = ingest.rows_read - len(ingest.dropped) - error_rows
    referral_stages = (
        Stage("rows_read", ingest.rows_read),
        Stage("rows_counted", rows_counted, _row_drops(ingest.dropped, ingest.file)),
        Stage("practices", int(counts["ydernummer"].nunique()), chained=False),
        Stage("offers", int(counts["offer"].nunique()), chained=False),
        Stage("referrals", int(counts["referrals"].sum()), chained=False,
              parts=(("without_rate", no_rate),) if no_rate else ()),
    )
    account = Account("referrals", ingest.file, ingest.shape, ((ingest.file, ingest.rows_read),),
                      referral_stages, errors=error_rows)
    account.check()
    return account, listed_account(listed)


def listed_account(listed: ListedIngest) -> Account:
    """The listed-patients file's ledger: rows read -> practices, those without a count among them."""
    usable = listed.listed.dropna(subset=["listed_patients"])
    listed_ids = set(usable.loc[usable["listed_patients"] > 0, "ydernummer"])
    listed_errors = listed.error_rows
    practices = int(listed.listed["ydernummer"].nunique())
    without = practices - len(listed_ids & set(listed.listed["ydernummer"]))
    listed_stages = (
        Stage("rows_read", listed.rows_read),
        Stage("practices", listed.rows_read - len(listed.dropped) - listed_errors,
              _row_drops(listed.dropped, listed.file), parts=(("without_count", without),) if without else ()),
    )
    account = Account("listed_patients", listed.file, "tilmeldte patienter", ((listed.file, listed.rows_read),),
                      listed_stages, errors=listed_errors)
    account.check()
    return account


def admission_account(ingest: AdmissionIngest) -> Account:
    """The admissions file's ledger: rows read -> rows counted (each drop by its rule), then the
    admissions counted, those without a practice (no rate) among them."""
    by_rule: dict[str, list[int]] = {}
    for row, rule in ingest.dropped:
        by_rule.setdefault(rule, []).append(row)
    drops = tuple(Drop(rule, ingest.file, tuple(rows)) for rule, rows in by_rule.items())
    frame = ingest.admissions
    without = int((frame["ydernummer"] == "").sum())
    stages = (
        Stage("rows_read", ingest.rows_read),
        Stage("rows_counted", ingest.rows_read - len(ingest.dropped) - ingest.error_rows, drops),
        Stage("practices", int(frame.loc[frame["ydernummer"] != "", "ydernummer"].nunique()), chained=False),
        Stage("admissions", len(frame), chained=False, parts=(("without_practice", without),) if without else ()),
    )
    account = Account("admissions", ingest.file, "én række pr. indlæggelse", ((ingest.file, ingest.rows_read),),
                      stages, errors=ingest.error_rows)
    account.check()
    return account


# ------------------------------------------------------------------ the data-loss limits


def _over(count: int, of: int, share: float, settings: Settings) -> bool:
    return count >= settings.min_loss_rows and count > share * of


def loss_problems(reconciliation: Reconciliation, settings: Settings, orders_file: str,
                  line: int | None = None) -> list[Problem]:
    """Every drop by a data-loss rule: an error above its limit unless the order accepts the
    rule, else a warning (so nothing is dropped silently)."""
    problems = []
    accepted = reconciliation.accepted
    for account in reconciliation.accounts:
        respondents = next((s.count for s in account.stages if s.key == "respondents"), 0)
        candidates: list[tuple[Drop, bool, str]] = []
        for drop in [d for s in account.stages for d in s.drops]:
            rule = RULES[drop.rule]
            if rule.limit == LIMIT_RESPONDENTS:
                share = f"{drop.count} of {respondents} rows with answers" + (
                    f" ({drop.detail})" if drop.detail else "")
                candidates.append((drop, _over(drop.count, respondents, settings.max_respondent_loss_share,
                                               settings), share))
            elif rule.limit == LIMIT_REFERRAL_ROWS:
                candidates.append((drop, drop.count > settings.max_referral_loss_rows, f"{drop.count} row(s)"))
            elif rule.limit == LIMIT_ADMISSION_ROWS:
                candidates.append((drop, drop.count > settings.max_admission_loss_rows, f"{drop.count} row(s)"))
        for question in account.questions:
            left = question.left_out_count
            for drop in question.left_out:
                over = _over(left, question.answers_read, settings.max_answer_loss_share, settings)
                candidates.append((drop, over, f"{drop.count} of {question.answers_read} answers to "
                                   f"{question.question_id} ({drop.detail})"))
        for drop, over, share in candidates:
            problems.append(_loss_problem(drop, over, share, accepted, settings, orders_file, line))
    return problems


LOSS_FIXES = {
    "uncounted_answers": "map the columns to the package's questions with survey_map, correct the answers that "
                         "match no answer, or check that the export is this package's survey",
    "duplicate_respondent": "if the column does not identify one respondent, set respondent_id: to the column that "
                            "does (or respondent_id: none); if the rows are true duplicates, accept them",
    "unknown_answer": "correct the answers, add them to the question's options or scale in the spec, or map the "
                      "codes in the Labels sheet",
    "no_offer": "fill in the offer of every row",
    "no_admission_time": "ask the region for the admission date and time of every row",
}


def _loss_problem(drop: Drop, over: bool, share: str, accepted: Mapping[str, str], settings: Settings,
                  orders_file: str, line: int | None) -> Problem:
    rule = RULES[drop.rule]
    what = f"rule {drop.rule} ({rule.text}) dropped {share}, {drop.rows_text()}"
    if drop.rule in accepted:
        return Problem(drop.file, f"{what}; accepted by the order (accept_loss: {drop.rule}: "
                       f"{accepted[drop.rule]})", "", sheet=drop.sheet, column=drop.column, severity="warning")
    accept = f"or accept it in the order with accept_loss: {{{drop.rule}: <reason>}} ({orders_file}"
    accept += f", line {line})" if line else ")"
    if over:
        return Problem(drop.file, f"{what}: more than the limit ({_limit_text(rule.limit, settings)}), so the "
                       "order stops", f"{LOSS_FIXES[drop.rule]}; {accept}", sheet=drop.sheet, column=drop.column)
    return Problem(drop.file, f"{what} (within the limit: {_limit_text(rule.limit, settings)})",
                   f"{LOSS_FIXES[drop.rule]}; {accept}", sheet=drop.sheet, column=drop.column, severity="warning")


def _limit_text(limit: str, settings: Settings) -> str:
    if limit == LIMIT_REFERRAL_ROWS:
        return f"{settings.max_referral_loss_rows} referral rows"
    if limit == LIMIT_ADMISSION_ROWS:
        return f"{settings.max_admission_loss_rows} admission rows"
    share = settings.max_respondent_loss_share if limit == LIMIT_RESPONDENTS else settings.max_answer_loss_share
    return f"{share * 100:g} % of the {limit}, from {settings.min_loss_rows}"
