"""The canonical survey table every survey reader produces.

One row per respondent; columns ``respondent_id``, ``is_complete``, ``status`` (the export's
response status: ``completed``, ``partial``, ``new``, ``distributed``, ``dropped_out``, or ''
when the export gives none; see ``ingest.status``), ``source_row`` and one column per answer
slot: ``q1`` (a scale label), ``q2.akut`` (a grid item's label),
``q7.telefon`` (a multi-choice option: True/False), ``q3`` (free text). Missing answers
are NA. Readers differ in what they read; from here on every survey looks the same.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from kiap_analysis.core.spec import Choice, PackageSpec, Question

ID_COLUMNS = ("respondent_id", "is_complete", "status", "source_row")
STATUSES = ("completed", "partial", "new", "distributed", "dropped_out", "")


@dataclass(frozen=True)
class Slot:
    """One answer column of the canonical table."""

    column: str
    question: Question
    item: Choice | None = None  # grid item
    option: Choice | None = None  # multi-choice option

    @property
    def is_flag(self) -> bool:
        return self.option is not None


def question_slots(question: Question) -> list[Slot]:
    if question.type == "likert_grid":
        return [Slot(f"{question.id}.{item.id}", question, item=item) for item in question.items]
    if question.type == "multi_choice":
        return [Slot(f"{question.id}.{opt.id}", question, option=opt) for opt in question.options]
    return [Slot(question.id, question)]


def survey_slots(spec: PackageSpec) -> list[Slot]:
    return [slot for question in spec.questions for slot in question_slots(question)]


def normalise(text: str) -> str:
    """Comparable form of a label or question text: NFC, case-folded, single spaces, no
    punctuation at the ends ('Ved ikke ' == 'ved  ikke' == 'Ved ikke.')."""
    text = unicodedata.normalize("NFC", str(text)).replace("\u00a0", " ")
    text = re.sub(r"\s+", " ", text).strip().casefold()
    return text.strip(" .:;,!?")


def normalise_question(text: str) -> str:
    """Question text for matching: also without punctuation and parenthesised hints."""
    text = normalise(text)
    text = re.sub(r"\([^)]*\)", " ", text)
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def empty_responses(spec: PackageSpec) -> pd.DataFrame:
    columns = {"respondent_id": pd.Series(dtype="str"), "is_complete": pd.Series(dtype="bool"),
               "status": pd.Series(dtype="str"), "source_row": pd.Series(dtype="int64")}
    for slot in survey_slots(spec):
        columns[slot.column] = pd.Series(dtype="boolean" if slot.is_flag else "object")
    return pd.DataFrame(columns)


def schema(spec: PackageSpec) -> pa.DataFrameSchema:
    """Pandera schema of the canonical table for this spec (validated with lazy=True)."""
    columns: dict[str, pa.Column] = {
        "respondent_id": pa.Column(str, nullable=False, unique=True),
        "is_complete": pa.Column(bool, nullable=False),
        "status": pa.Column(str, pa.Check.isin(list(STATUSES)), nullable=False),
        "source_row": pa.Column(int, pa.Check.ge(1), nullable=False),
    }
    for slot in survey_slots(spec):
        question = slot.question
        if slot.is_flag:
            columns[slot.column] = pa.Column("boolean", nullable=True)
        elif question.type == "free_text":
            columns[slot.column] = pa.Column(object, nullable=True)
        else:
            allowed = list(question.categories)
            columns[slot.column] = pa.Column(object, pa.Check.isin(allowed), nullable=True)
    return pa.DataFrameSchema(columns, strict=True, ordered=False, coerce=False)


def build_responses(records: list[dict], spec: PackageSpec) -> pd.DataFrame:
    """The canonical table from one dict per respondent (missing slots become NA)."""
    frame = empty_responses(spec)
    if not records:
        return frame
    data = pd.DataFrame.from_records(records)
    out = {}
    for column in frame.columns:
        values = data[column] if column in data else pd.Series([None] * len(data))
        dtype = frame[column].dtype
        if str(dtype) == "boolean":
            out[column] = pd.array(values.tolist(), dtype="boolean")
        elif column == "is_complete":
            out[column] = values.astype(bool).to_numpy()
        elif column == "source_row":
            out[column] = values.astype("int64").to_numpy()
        else:
            out[column] = pd.Series(values.tolist(), dtype=object).where(values.notna().to_numpy(), None)
    result = pd.DataFrame(out)
    result["respondent_id"] = result["respondent_id"].astype(str)
    result["status"] = result["status"].fillna("").astype(str)
    return result[list(frame.columns)]
