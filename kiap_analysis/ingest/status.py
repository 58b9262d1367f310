"""A survey row's response status, from SurveyXact's 'Samlet status' or a plain table's column.

SurveyXact's ``statoverall`` question has five fixed statuses (choiceValue 1-5: new,
distributed, partially completed, completed, dropped out) whose labels follow the language
the survey was exported in. Labels are compared after ``normalise`` (case, spaces, trailing
punctuation). A label no list knows is an error naming its place (see ``unknown_status_problem``),
never a silent "not completed".
"""

from __future__ import annotations

from kiap_analysis.core.errors import Problem
from kiap_analysis.core.responses import normalise
from kiap_analysis.core.shown import render

NEW, DISTRIBUTED, PARTIAL, COMPLETED, DROPPED_OUT = "new", "distributed", "partial", "completed", "dropped_out"
NO_STATUS = ""  # no status column, or a blank cell
RESPONDED = (PARTIAL, COMPLETED)
NOT_RESPONDED = (NEW, DISTRIBUTED, DROPPED_OUT)

# SurveyXact's labels per export language. Danish: the demo and KiAP's exports; Norwegian:
# readSX's sample export (inst/extdata); German: a German export (issue 13). The English and
# Swedish labels and the German "dropped out" follow SurveyXact's interface texts as far as
# known: a label missing here stops the order with its name (add it to this table).
SURVEYXACT_LABELS: dict[str, dict[str, tuple[str, ...]]] = {
    "da": {NEW: ("Ny",), DISTRIBUTED: ("Distribueret",), PARTIAL: ("Nogen svar", "Delvist besvaret"),
           COMPLETED: ("Gennemført", "Fuldført"), DROPPED_OUT: ("Frafaldet",)},
    "no": {NEW: ("Ny",), DISTRIBUTED: ("Distribuert",), PARTIAL: ("Noen svar",), COMPLETED: ("Gjennomført",),
           DROPPED_OUT: ("Frafalt",)},
    "sv": {NEW: ("Ny",), DISTRIBUTED: ("Distribuerad",), PARTIAL: ("Några svar", "Delvis besvarad"),
           COMPLETED: ("Genomförd", "Fullständig"), DROPPED_OUT: ("Bortfall", "Avbruten")},
    "en": {NEW: ("New",), DISTRIBUTED: ("Distributed",), PARTIAL: ("Some answers", "Partially completed"),
           COMPLETED: ("Completed",), DROPPED_OUT: ("Dropped out",)},
    "de": {NEW: ("Neu",), DISTRIBUTED: ("Versendet",), PARTIAL: ("Teilweise abgeschlossen",),
           COMPLETED: ("Abgeschlossen",), DROPPED_OUT: ("Abgebrochen",)},
}
# What plain tables write in a status column besides those labels (a blank cell is NO_STATUS).
PLAIN_VALUES: dict[str, tuple[str, ...]] = {
    COMPLETED: ("1", "ja", "yes", "true", "complete", "gennemfort", "fuldfort", "færdig", "besvaret"),
    PARTIAL: ("0", "nej", "no", "false", "partial", "delvis", "delvist", "delvist gennemført", "påbegyndt",
              "started", "ikke gennemført"),
}


def _lookup() -> dict[str, str]:
    found: dict[str, str] = {}
    for labels in SURVEYXACT_LABELS.values():
        for status, names in labels.items():
            for name in names:
                found[normalise(name)] = status
    return found


SURVEYXACT_STATUS = _lookup()
PLAIN_STATUS = SURVEYXACT_STATUS | {normalise(v): s for s, values in PLAIN_VALUES.items() for v in values}


def surveyxact_status(label: str) -> str | None:
    """The status a SurveyXact label names, or None when no language's list knows it."""
    return SURVEYXACT_STATUS.get(normalise(label))


def plain_status(value: str) -> str | None:
    """A plain table's status cell: a status, NO_STATUS for a blank cell, None when unknown."""
    key = normalise(value)
    if key == "":
        return NO_STATUS
    if key in ("1.0", "0.0"):
        key = key[0]
    return PLAIN_STATUS.get(key)


def known_labels() -> str:
    """The labels the workbook knows, for an error's fix."""
    return "; ".join(f"{language}: {', '.join(n for names in labels.values() for n in names)}"
                     for language, labels in SURVEYXACT_LABELS.items())


def unknown_status_problem(file: str, label: tuple[str, str], rows: list[int], column: str | None,
                           sheet: str | None = None) -> Problem:
    """The error for a status label no list knows (``label``: ``shown.token`` of it, so a
    label is quoted only when it is a short code; ``rows`` are spreadsheet rows)."""
    return Problem(file, f"a status ({render(*label)}) in {len(rows)} row(s) is not a status the workbook knows, "
                   "so it cannot tell completed from partial responses", "export the survey in Danish, Norwegian, "
                   "Swedish, English or German (known labels: " + known_labels() + "), or add the label to "
                   "kiap_analysis/ingest/status.py", sheet=sheet, row=rows[0], column=column)
