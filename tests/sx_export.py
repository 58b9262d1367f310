"""Hand-built SurveyXact exports for tests, with the quirks of the real thing (after readSX's
sample exports): a trailing empty column in structure.csv, labels with trailing spaces, no
header in the labels file, multi-choice choiceValues out of column order, non-respondents
with 0 in every multi-choice column, a statoverall status block, 'Ved ikke' as code 9 inside
the scale and a grid whose scale labels only its end points.

Optional shapes of real exports (``tables``' keywords): no respondentid but contact columns
whose ``id`` is shared by many respondents (readSX's comma-separated sample: id = the
organisation, orgnr, forn, ettern, email; listed in the structure as 'Kontaktoplysninger -
<field>'), the status labels of another language, codes written as '2.0', and structure
texts in another language (two structure files in one folder)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook

Q1 = "Hvad er dit kendskab til indholdet i kommunens akutfunktioner?"
Q2 = "Hvor godt oplever du, at akutfunktionerne opfylder behovet for de henviste patienter?"
Q3 = "Er der patientgrupper med akut plejebehov, der ikke er tilstrækkeligt hjulpet i dag?"
Q7 = "Hvordan henviser du til kommunens akutfunktioner? (sæt gerne flere kryds)"
Q10 = ("Oplever du, at der mangler tilbagemelding fra kommunen om patienter, der er henvist til en "
       "kommunal akutfunktion?")
ITEMS = ["Akut sygdom", "Kronisk sygdom", "Psykisk sygdom", "Komplekse tilstande"]
# (variable, choiceValue, choiceText): the value order does not follow the column order
Q7_OPTIONS = [("v_7_1", 2, "Telefonisk til akutfunktionen "), ("v_7_2", 1, "Elektronisk henvisning"),
              ("v_7_3", 3, "Korrespondancemeddelelse  "), ("v_7_4", 5, "Via hjemmesygeplejen"),
              ("v_7_5", 4, "Via lægevagten"), ("v_7_6", 7, "Har ikke henvist"), ("v_7_7", 6, "Andet")]
STATUS = [("stato_1", 1, "Ny"), ("stato_2", 2, "Distribueret"), ("stato_3", 3, "Nogen svar"),
          ("stato_4", 4, "Gennemført"), ("stato_5", 5, "Frafaldet")]
KENDSKAB = ["Intet kendskab", "Ringe kendskab", "Noget kendskab", "Godt kendskab", "Meget godt kendskab"]
HYPPIGHED = ["Aldrig", "Sjældent", "Nogle gange", "Ofte", "Altid"]

# Respondents: status, q1 code, q2 codes per item, q3 text, q7 ticked variables, q10 code.
# 'Ved ikke' is code 9 in q2 and code 6 in q10.
RESPONDENTS = [
    ("Gennemført", 4, [5, 4, 9, 1], "Ældre med KOL om natten", ["v_7_1", "v_7_3"], 2),
    ("Gennemført", 2, [3, 3, 2, 2], "", ["v_7_2"], 6),
    ("Gennemført", 5, [4, 9, 9, 3], "Demente med infektion", [], 4),
    ("Gennemført", 4, [5, 5, 1, 1], "", ["v_7_1", "v_7_2", "v_7_7"], 3),
    ("Nogen svar", 3, [2, None, None, None], "", ["v_7_1"], None),
    ("Nogen svar", 1, [None, None, None, None], "", [], None),
    ("Distribueret", None, [None, None, None, None], "", [], None),  # non-respondent: 0 in v_7_*
    ("Distribueret", None, [None, None, None, None], "", [], None),
    ("Frafaldet", None, [None, None, None, None], "", [], None),
]


# SurveyXact's status labels as a German export writes them (issue 13) and as readSX's
# Norwegian sample does; the Danish ones are STATUS's.
STATUS_LABELS = {
    "da": ["Ny", "Distribueret", "Nogen svar", "Gennemført", "Frafaldet"],
    "de": ["Neu", "Versendet", "Teilweise abgeschlossen", "Abgeschlossen", "Abgebrochen"],
    "no": ["Ny", "Distribuert", "Noen svar", "Gjennomført", "Frafalt"],
}
# Contact columns: the first five respondents work in one practice, the rest in another.
PRACTICES = ["Lægehuset Fjordgade", "Lægerne Bakkehuset"]
CONTACTS = ["id", "orgnr", "forn", "ettern", "email"]


def _contacts(number: int) -> list[object]:
    practice = 0 if number < 106 else 1
    return [PRACTICES[practice], 30112233 + practice, f"Fornavn{number}", f"Efternavn{number}",
            f"kontakt{number}@example.invalid"]


def tables(status_labels: list[str] | None = None, respondentid: bool = True, contacts: bool = False,
           code: str = "{}", text_prefix: str = "") -> tuple[list[list], list[list], list[list]]:
    """(dataset, structure, labels) as rows; structure rows carry the empty trailing column.

    ``status_labels``: the five status labels in order (STATUS_LABELS); ``respondentid``: the
    dataset's key column; ``contacts``: add the contact columns CONTACTS; ``code``: how the
    dataset writes an answer code ('{}.0' for '2.0'); ``text_prefix``: put before every
    question text (another language's structure).
    """
    structure = [["questionName", "variableName", "questionType", "subType", "questionText", "choiceValue",
                  "choiceText"]]
    labels: list[list] = []
    structure.append(["s_1", "s_1", "Closed", "Single", text_prefix + Q1, "", "", ""])
    labels += [["s_1", i + 1, f"{text} "] for i, text in enumerate(KENDSKAB)]
    for i, item in enumerate(ITEMS, start=1):
        structure.append([f"s_2_{i}", f"s_2_{i}", "Closed", "Single", f"{text_prefix}{Q2} - {item} ", "", "", ""])
        labels += [[f"s_2_{i}", 1, "Meget dårligt"], [f"s_2_{i}", 2, "2"], [f"s_2_{i}", 3, "3"],
                   [f"s_2_{i}", 4, "4"], [f"s_2_{i}", 5, "Meget godt"], [f"s_2_{i}", 9, "Ved ikke"]]
    structure.append(["s_3", "s_3", "Open", "String", text_prefix + Q3, "", "", ""])
    for var, value, text in Q7_OPTIONS:
        structure.append(["v_7", var, "Closed", "Multiple", text_prefix + Q7, value, text, ""])
        labels += [[var, 0, "Ikke valgt"], [var, 1, "Valgt"]]
    structure.append(["s_10", "s_10", "Closed", "Single", text_prefix + Q10, "", "", ""])
    labels += [["s_10", i + 1, text] for i, text in enumerate(HYPPIGHED)] + [["s_10", 6, "Ved ikke "]]
    structure.append(["s_99", "s_99", "Open", "String", "E-mail til opfølgning", "", "", ""])
    if contacts:
        for name in CONTACTS:
            structure.append([name, name, "Open", "String", f"Kontaktoplysninger - {name}", "", "", ""])
    names = status_labels or [text for _, _, text in STATUS]
    for (var, value, _), text in zip(STATUS, names, strict=True):
        structure.append(["statoverall", var, "Closed", "Multiple", "Samlet status", value, text, ""])
        labels += [[var, 0, "Ikke valgt"], [var, 1, "Valgt"]]

    header = (["respondentid"] * respondentid + ["s_1", *(f"s_2_{i}" for i in range(1, 5)), "s_3",
              *(v for v, _, _ in Q7_OPTIONS), "s_10", "s_99"] + CONTACTS * contacts + [v for v, _, _ in STATUS])
    dataset = [header]

    def coded(value):
        return "" if value is None else code.format(value)

    for number, (status, q1, q2, q3, q7, q10) in enumerate(RESPONDENTS, start=101):
        responded = status in ("Gennemført", "Nogen svar")
        row = ([number] * respondentid + [coded(q1), *map(coded, q2), q3,
               *[int(v in q7) for v, _, _ in Q7_OPTIONS], coded(q10),
               f"laege{number}@example.invalid" if responded else ""] + _contacts(number) * contacts
               + [int(text == status) for _, _, text in STATUS])
        dataset.append(["" if v is None else v for v in row])
    return dataset, structure, labels


def write_rows(path: Path, rows: list[list], encoding: str = "utf-8", delimiter: str = ";") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_csv_folder(folder: Path, encoding: str, delimiter: str, suffix: str = "", **shape) -> Path:
    """The three CSV files (named e.g. structure_de.csv with ``suffix='_de'``); ``shape``: see tables."""
    folder.mkdir(parents=True, exist_ok=True)
    dataset, structure, labels = tables(**shape)
    for name, rows in (("dataset", dataset), ("structure", structure), ("labels", labels)):
        write_rows(folder / f"{name}{suffix}.csv", rows, encoding, delimiter)
    return folder


def write_xlsx(path: Path, split_dataset: bool = False, structure_sheet: str = "Structure",
               labels_header: bool = False, **shape) -> Path:
    dataset, structure, labels = tables(**shape)
    book = Workbook()
    book.remove(book.active)
    if split_dataset:  # SurveyXact splits wide exports over several Dataset sheets
        first = book.create_sheet("Dataset")
        second = book.create_sheet("Dataset (2)")
        for row in dataset:
            first.append(row[:8])
            second.append([row[0], *row[8:]])  # the id column repeats
    else:
        sheet = book.create_sheet("Dataset")
        for row in dataset:
            sheet.append(row)
    sheet = book.create_sheet(structure_sheet)
    for row in structure:
        sheet.append(row[:7])
    sheet = book.create_sheet("Labels")
    if labels_header:
        sheet.append(["variableName", "value", "valueLabel"])
    for row in labels:
        sheet.append(row)
    book.save(path)
    return path
