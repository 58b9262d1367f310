"""An export checked against the questionnaire ``kiap prepare`` wrote (``kiap validate``).

Both sides are SurveyXact structure/labels pairs: the prepared one under
``prepared/<id>/spoergeskema/`` and the export's own. Questions are matched by their text
(whitespace and case aside; SurveyXact numbers variables by position, so a removed question
renumbers the rest), and every difference is named: a question missing or added, its kind
changed (single, multiple, free text), an option missing, added or recoded. The status block
(statoverall) is not a question.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from kiap_analysis.core.errors import Problem
from kiap_analysis.ingest.survey_columns import code_key
from kiap_analysis.ingest.surveyxact import Variable, labels_by_variable, structure_variables
from kiap_analysis.ingest.tables import RawTable, read_text_table

STATUS_BLOCK = "statoverall"
KINDS = {"single": "single choice", "multiple": "multiple choice", "string": "free text"}


@dataclass(frozen=True)
class AskedQuestion:
    """One question as a structure/labels pair asks it: a multiple-choice question is one
    question with its options; a single-choice variable (a grid's item) one with its codes."""

    name: str  # the questionName (multiple choice) or variableName
    text: str
    kind: str  # single | multiple | string
    options: tuple[tuple[str, str], ...] = ()  # (code, label)

    @property
    def key(self) -> str:
        return _fold(self.text)


def _fold(text: str) -> str:
    return " ".join(str(text).split()).casefold()


def asked_questions(variables: list[Variable], labels: Mapping[str, Mapping[str, str]]) -> list[AskedQuestion]:
    """The questions of a structure (its variables) and labels (variable -> code -> label)."""
    found: list[AskedQuestion] = []
    multiple: dict[str, list[Variable]] = {}
    for variable in variables:
        if variable.question == STATUS_BLOCK:
            continue
        if variable.subtype == "multiple":
            if variable.question not in multiple:
                multiple[variable.question] = []
                found.append(AskedQuestion(variable.question, variable.text, "multiple"))
            multiple[variable.question].append(variable)
        else:
            codes = tuple((code, label.strip()) for code, label in labels.get(variable.name, {}).items())
            found.append(AskedQuestion(variable.name, variable.text, variable.subtype,
                                       codes if variable.subtype == "single" else ()))
    return [AskedQuestion(q.name, q.text, q.kind, tuple((code_key(v.choice_value), v.choice_text.strip())
                                                        for v in multiple[q.name]))
            if q.kind == "multiple" else q for q in found]


def compare_questions(prepared: list[AskedQuestion], exported: list[AskedQuestion], export_label: str,
                      prepared_label: str) -> list[Problem]:
    """Every difference between what was meant to be asked and what the export asked, as
    warnings on the export (questions paired by text, in their order where a text repeats)."""
    problems: list[Problem] = []
    unmatched = list(exported)
    rerun = "or change the order's questions: and run kiap prepare again"
    for question in prepared:
        twin = next((e for e in unmatched if e.key == question.key), None)
        if twin is None:
            problems.append(Problem(export_label, f"question '{question.text}' ({question.name} in {prepared_label}) "
                                    "is not in the export", f"add it to the survey in SurveyXact, {rerun}",
                                    severity="warning"))
            continue
        unmatched.remove(twin)
        problems += _differences(question, twin, export_label, prepared_label)
    for extra in unmatched:
        problems.append(Problem(export_label, f"question '{extra.text}' ({extra.name} in the export) is not in "
                                f"{prepared_label}", f"remove it from the survey in SurveyXact, {rerun}",
                                severity="warning"))
    return problems


def _differences(meant: AskedQuestion, asked: AskedQuestion, export_label: str,
                 prepared_label: str) -> list[Problem]:
    fix = "correct the survey in SurveyXact, or change the order's questions: and run kiap prepare again"
    where = f"question '{meant.text}' ({asked.name} in the export)"
    if meant.kind != asked.kind:
        return [Problem(export_label, f"{where} is asked as {KINDS.get(asked.kind, asked.kind)}, "
                        f"{prepared_label} asks it as {KINDS.get(meant.kind, meant.kind)}", fix, severity="warning")]
    if meant.kind == "string":
        return []
    meant_codes = {_fold(label): code for code, label in meant.options}
    asked_codes = {_fold(label): code for code, label in asked.options}
    labels = {_fold(label): label for _, label in meant.options + asked.options}
    missing = [labels[k] for k in meant_codes if k not in asked_codes]
    added = [labels[k] for k in asked_codes if k not in meant_codes]
    recoded = [f"'{labels[k]}' {meant_codes[k]} -> {asked_codes[k]}" for k in meant_codes
               if k in asked_codes and meant_codes[k] != asked_codes[k]]
    changes = []
    if missing:
        changes.append("options missing: " + ", ".join(f"'{o}'" for o in missing))
    if added:
        changes.append("options added: " + ", ".join(f"'{o}'" for o in added))
    if recoded:
        changes.append("codes changed: " + ", ".join(recoded))
    if not changes:
        return []
    return [Problem(export_label, f"{where}: its options differ from {prepared_label} ({'; '.join(changes)})",
                    fix, severity="warning")]


def read_pair(structure: RawTable, labels: RawTable) -> list[AskedQuestion]:
    """The questions of a structure/labels pair as read."""
    return asked_questions(structure_variables(structure), labels_by_variable(labels))


def check_export(structure: RawTable, labels: RawTable, prepared: Path, export_label: str,
                 prepared_label: str) -> list[Problem]:
    """The export's structure/labels against the prepared pair in ``prepared`` (structure.csv,
    labels.csv; labels.csv may be absent: then no codes are compared)."""
    prepared_structure = read_text_table(prepared / "structure.csv", f"{prepared_label}/structure.csv")
    labels_file = prepared / "labels.csv"
    prepared_labels = (labels_by_variable(read_text_table(labels_file, f"{prepared_label}/labels.csv"))
                       if labels_file.is_file() else None)
    meant = asked_questions(structure_variables(prepared_structure), prepared_labels or {})
    asked = read_pair(structure, labels)
    if prepared_labels is None:  # nothing to compare the single-choice codes with
        asked = [AskedQuestion(q.name, q.text, q.kind, ()) if q.kind == "single" else q for q in asked]
    return compare_questions(meant, asked, export_label, prepared_label)
