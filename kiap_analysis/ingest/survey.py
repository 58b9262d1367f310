"""Survey exports: pick the reader for the file's form, return the canonical table."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kiap_analysis.core.errors import InputError, Problem
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest.tables import guarded


@dataclass(frozen=True)
class LeftOut:
    """Answers of one question that match none of its answers: not counted."""

    question_id: str
    column: str  # the export's header
    value: str  # the answer when a message may quote it (``shown.safe``), else ''
    rows: tuple[int, ...]  # spreadsheet rows
    letter: str = ""  # the spreadsheet column
    kind: str = "text"  # what kind of value it is (``shown.KINDS``)


@dataclass
class SurveyIngest:
    """A survey export read into the canonical response table (see ``responses``)."""

    responses: pd.DataFrame
    file: str
    form: str  # e.g. "plain table (CSV, utf-8, ';')"
    rows_read: int
    warnings: list[Problem] = field(default_factory=list)
    unmapped_questions: list[str] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)
    invited: int | None = None  # people the export lists (SurveyXact: everyone distributed to)
    personal_values: set[str] = field(default_factory=set)  # private: names/e-mails never read as answers
    # Private: respondent_id -> what links the respondent between rounds (the normalised e-mail,
    # else the export's own respondent id); keyed (HMAC) before use, never published.
    link_keys: dict[str, str] = field(default_factory=dict, repr=False)
    # For the reconciliation: the files read with their data rows, where the row numbers point
    # (file and sheet), the respondent id column used, answers read (non-blank cells) and left
    # out per question, and the rows holding answers that are not counted (in columns that are
    # not read, or left out): row -> those columns.
    inputs: list[tuple[str, int]] = field(default_factory=list)
    data_file: str = ""
    data_sheet: str | None = None
    id_column: str | None = None
    answer_cells: dict[str, int] = field(default_factory=dict)
    left_out: list[LeftOut] = field(default_factory=list)
    answered_elsewhere: dict[int, tuple[str, ...]] = field(default_factory=dict)


EMAIL_HEADERS = {"email", "e-mail", "mail", "email address", "emailaddress", "e-mailadresse", "emailadresse"}


def link_key(email: str, respondent_id: str) -> str:
    """What links a respondent between rounds: 'e:' + the e-mail (trimmed, lower case), else
    'id:' + the export's respondent id; '' when there is neither."""
    email = email.strip().casefold()
    if "@" in email:
        return f"e:{email}"
    return f"id:{respondent_id.strip()}" if respondent_id.strip() else ""


def uncounted_rows(elsewhere: dict[int, tuple[str, ...]], left_out: list[LeftOut]) -> dict[int, tuple[str, ...]]:
    """Rows with answers in columns not read, plus the rows of left-out answers (their columns)."""
    found = {row: list(columns) for row, columns in elsewhere.items()}
    for item in left_out:
        for row in item.rows:
            if item.column not in found.setdefault(row, []):
                found[row].append(item.column)
    return {row: tuple(columns) for row, columns in sorted(found.items())}


@guarded
def read_survey(
    path: Path, spec: PackageSpec, survey_map: Mapping[str, str] | None = None, label: str | None = None,
    respondent_id: str | None = None, language: str | None = None,
) -> SurveyIngest:
    """Read a survey export in any supported form; every failure is an InputError.

    ``respondent_id``: the column that identifies respondents (the order's ``respondent_id:``,
    or 'none'); ``language``: which SurveyXact files to use when a folder holds several
    (the order's ``survey_language:``).
    """
    from kiap_analysis.ingest import survey_table, surveyxact  # the dispatcher stays free of reader details

    label = label or path.name
    survey_map = dict(survey_map or {})
    if not path.exists():
        raise InputError(Problem(label, "the survey file does not exist", "check 'survey:' in the orders file"))
    if surveyxact.is_surveyxact(path):
        return surveyxact.read_surveyxact(path, spec, survey_map, label, respondent_id, language)
    if path.is_dir():
        raise InputError(Problem(label, "the folder holds no SurveyXact dataset.csv",
                                 "point 'survey:' at the export's folder or at one table"))
    return survey_table.read_plain_table(path, spec, survey_map, label, respondent_id)
