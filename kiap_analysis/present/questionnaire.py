"""The questionnaire as this order will ask it (the package spec with the order's local edits),
for the call with the cluster and for SurveyXact (``kiap prepare``):

- ``spoergeskema.html``: a readable, self-contained Danish document (questions by block, with
  their options, scales and items);
- ``structure.csv`` + ``labels.csv``: the SurveyXact structure/labels pair the survey reader
  accepts (a returned export's dataset beside them reads as the same questions).
"""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

from kiap_analysis.core.fileio import write_text
from kiap_analysis.core.spec import PackageSpec

STATUSES = ("Ny", "Distribueret", "Nogen svar", "Gennemført", "Frafaldet")
QUESTIONNAIRE_PAIR = "spoergeskema"  # the structure/labels pair's folder under prepared/<id>/
STRUCTURE_HEADER = ["questionName", "variableName", "questionType", "subType", "questionText", "choiceValue",
                    "choiceText"]


def structure_and_labels(spec: PackageSpec) -> tuple[list[list[object]], list[list[object]],
                                                     list[tuple[str, str, object]]]:
    """SurveyXact's structure and labels rows for the spec's questions (codes 1.., 'Ved ikke' as
    9, one 0/1 variable per multi-choice option, a statoverall block), and the dataset's columns
    as (variable, answer key, how to code it: code by label, the option's label, or None)."""
    structure: list[list[object]] = [list(STRUCTURE_HEADER)]
    labels: list[list[object]] = []
    columns: list[tuple[str, str, object]] = []
    for n, question in enumerate(spec.questions, start=1):
        if question.type in ("likert", "likert_grid", "single_choice"):
            codes = {label: (9 if question.scale and label == question.scale.dont_know else i + 1)
                     for i, label in enumerate(question.categories)}
            items = question.items or (None,)
            for i, item in enumerate(items, start=1):
                variable = f"s_{n}_{i}" if item else f"s_{n}"
                text = f"{question.text} - {item.label}" if item else question.text
                structure.append([variable, variable, "Closed", "Single", text, "", ""])
                labels += [[variable, code, label] for label, code in codes.items()]
                columns.append((variable, f"{question.id}.{item.id}" if item else question.id, codes))
        elif question.type == "multi_choice":
            for i, option in enumerate(question.options, start=1):
                variable = f"s_{n}_{i}"
                structure.append([f"s_{n}", variable, "Closed", "Multiple", question.text, i, option.label])
                labels += [[variable, 0, "Ikke valgt"], [variable, 1, "Valgt"]]
                columns.append((variable, question.id, option.label))
        else:
            structure.append([f"s_{n}", f"s_{n}", "Open", "String", question.text, "", ""])
            columns.append((f"s_{n}", question.id, None))
    for i, status in enumerate(STATUSES, start=1):
        structure.append(["statoverall", f"stato_{i}", "Closed", "Multiple", "Samlet status", i, status])
        labels += [[f"stato_{i}", 0, "Ikke valgt"], [f"stato_{i}", 1, "Valgt"]]
    return structure, labels, columns


def _csv(rows: list[list[object]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";", lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def questionnaire_html(spec: PackageSpec) -> str:
    """The questionnaire as a self-contained Danish HTML document."""
    esc = html.escape
    parts = [f"<h1>Spørgeskema: {esc(spec.title)}</h1>",
             "<p>Spørgeskemaet som klyngen får det (pakkens spørgsmål med klyngens lokale ændringer). "
             "Gennemgå det ved samtalen med klyngen: skal der tilføjes eller fjernes spørgsmål?</p><ol>"]
    for question in spec.questions:
        parts.append(f"<li><p><strong>{esc(question.text)}</strong> <small>({esc(question.id)})</small></p>")
        if question.items:
            parts.append("<p>Delspørgsmål:</p><ul>" + "".join(f"<li>{esc(i.label)}</li>" for i in question.items)
                         + "</ul>")
        if question.type == "free_text":
            parts.append("<p><em>Fritekst</em></p>")
        else:
            kind = "Sæt gerne flere kryds" if question.type == "multi_choice" else "Ét svar"
            parts.append(f"<p><em>{kind}:</em></p><ul>"
                         + "".join(f"<li>{esc(c)}</li>" for c in question.categories) + "</ul>")
        parts.append("</li>")
    parts.append("</ol>")
    return ("<!DOCTYPE html><html lang='da'><head><meta charset='utf-8'>"
            f"<title>Spørgeskema: {esc(spec.title)}</title><style>body{{font-family:sans-serif;max-width:50em;"
            "margin:2em auto}}li{{margin-bottom:.6em}}</style></head><body>" + "".join(parts) + "</body></html>\n")


def write_questionnaire(spec: PackageSpec, folder: Path) -> list[Path]:
    """spoergeskema.html and the structure/labels pair (spoergeskema/structure.csv, labels.csv)."""
    structure, labels, _ = structure_and_labels(spec)
    pair = folder / QUESTIONNAIRE_PAIR
    written = [write_text(folder / "spoergeskema.html", questionnaire_html(spec)),
               write_text(pair / "structure.csv", _csv(structure)),
               write_text(pair / "labels.csv", _csv(labels))]
    return written
