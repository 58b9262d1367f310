"""The municipality's data request (``kiap prepare``): an .xlsx with one row per practice of
the cluster (ydernummer as text) and one column per offer of the package, the period and
Danish instructions on the first sheet, whole-number validation on the count cells and a
hidden marker sheet (``ingest.data_request``) by which the returned request is recognised;
and a short Danish cover letter. Private: it names the practices. Its sheet 'Aftaler' is where
the consultant may record the meeting's agreements (``ingest.agreements`` reads it); a package
without referral data gets that sheet alone in aftaler.xlsx."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from kiap_analysis.core.fileio import write_bytes, write_text
from kiap_analysis.core.orders import Order, Period
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest.agreements import AGREEMENTS_SHEET, SHEET_HEADERS
from kiap_analysis.ingest.data_request import DATA_SHEET, MARKER, MARKER_SHEET, YDERNUMMER, RequestLayout

INSTRUCTIONS_SHEET = "Vejledning"
AGREEMENT_ROWS = 50  # rows with date validation under the header


def _period_text(period: Period | None) -> str:
    return period.label() if period is not None else "det seneste hele år (aftal perioden med KiAP)"


def instructions(order: Order, spec: PackageSpec) -> list[str]:
    """The first sheet's lines (Danish)."""
    return [
        f"Dataforespørgsel fra KiAP: {spec.title}",
        f"Klynge: {order.cluster} · Kommune: {order.municipality}",
        f"Periode: {_period_text(order.period)}",
        "",
        f"Skriv på arket '{DATA_SHEET}' antallet af henvisninger fra hver praksis til hvert tilbud i perioden.",
        "Skriv kun hele tal (0 hvis praksis ikke har henvist). Tomme felter læses som 0.",
        "Flyt, slet eller tilføj ikke rækker og kolonner: arket læses automatisk, og ændringer i dets "
        "opbygning bliver meldt som fejl.",
        "Ydernumre er tekst: bevar foranstillede nuller.",
        "Send ikke cpr-numre eller patientnavne: kun antal.",
        "Send arket retur til KiAP i samme fil (.xlsx).",
        f"Arket '{AGREEMENTS_SHEET}' udfylder KiAP efter mødet (hvad der er aftalt, hvem der gør det, og "
        "senest hvornår); lad det stå tomt.",
    ]


def add_agreements_sheet(book: openpyxl.Workbook) -> None:
    """The sheet 'Aftaler': the header row Hvad | Hvem | Senest, dates validated as dates."""
    sheet = book.create_sheet(AGREEMENTS_SHEET)
    sheet.append(list(SHEET_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABC", (70, 24, 22), strict=True):
        sheet.column_dimensions[column].width = width
    last = AGREEMENT_ROWS + 1
    for row in range(2, last + 1):
        sheet.cell(row, 3).number_format = "yyyy-mm-dd"
    check = DataValidation(type="date", operator="greaterThan", formula1="36526", allow_blank=True,
                           showErrorMessage=True, errorTitle="Kun datoer",
                           error="Skriv datoen som ÅÅÅÅ-MM-DD, fx 2026-06-01.",
                           showInputMessage=True, promptTitle="Senest",
                           prompt="Hvornår skal det være gjort? ÅÅÅÅ-MM-DD (kan stå tomt).")
    check.add(f"C2:C{last}")
    sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"


def agreements_workbook() -> bytes:
    """aftaler.xlsx: the sheet 'Aftaler' alone (for a package without a data request)."""
    book = openpyxl.Workbook()
    book.remove(book.active)
    add_agreements_sheet(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def request_workbook(order: Order, spec: PackageSpec, ydernumre: list[str]) -> bytes:
    """The request as .xlsx bytes."""
    book = openpyxl.Workbook()
    guide = book.active
    guide.title = INSTRUCTIONS_SHEET
    for line in instructions(order, spec):
        guide.append([line])
    guide["A1"].font = Font(bold=True, size=14)
    guide.column_dimensions["A"].width = 110

    sheet = book.create_sheet(DATA_SHEET)
    headers = [YDERNUMMER, *(offer.label for offer in spec.offers)]
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for ydernummer in ydernumre:
        sheet.append([ydernummer, *([None] * len(spec.offers))])
    for row in range(2, len(ydernumre) + 2):
        sheet.cell(row, 1).number_format = "@"  # text: leading zeros stay
    if spec.offers and ydernumre:
        last = openpyxl.utils.get_column_letter(len(headers))
        check = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
                               showErrorMessage=True, errorTitle="Kun hele tal",
                               error="Skriv antallet af henvisninger som et helt tal (0 eller flere).")
        check.add(f"B2:{last}{len(ydernumre) + 1}")
        sheet.add_data_validation(check)
    sheet.column_dimensions["A"].width = 14
    for pos in range(2, len(headers) + 1):
        sheet.column_dimensions[openpyxl.utils.get_column_letter(pos)].width = max(12, len(headers[pos - 1]) + 2)
    sheet.freeze_panes = "B2"

    add_agreements_sheet(book)
    marker = book.create_sheet(MARKER_SHEET)
    marker.append([MARKER])
    marker.append([RequestLayout(order.id, DATA_SHEET, tuple(headers), tuple(ydernumre)).to_json()])
    marker.sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def cover_letter(order: Order, spec: PackageSpec, practices: int) -> str:
    """The short Danish letter that goes with the request."""
    offers = ", ".join(offer.label for offer in spec.offers)
    return (f"Til {order.municipality}\n\n"
            f"{order.cluster} har bestilt klyngepakken \"{spec.title}\" fra KiAP til et klyngemøde med "
            "kommunen. Til mødet viser vi antallet af henvisninger fra klyngens praksis til kommunens tilbud.\n\n"
            f"Vi beder jer udfylde det vedlagte regneark med antallet af henvisninger i perioden "
            f"{_period_text(order.period)} for hver af klyngens {practices} praksis til: {offers}.\n\n"
            "Skriv kun hele tal, og ændr ikke arkets rækker og kolonner; vejledningen står på det første ark. "
            "Send kun antal, ingen cpr-numre eller navne på patienter. Tallene vises pseudonymiseret på mødet.\n\n"
            "Send det udfyldte regneark retur til KiAP.\n\n"
            "På forhånd tak.\n\nMed venlig hilsen\nKiAP\n")


def write_agreements_workbook(folder: Path) -> Path:
    """aftaler.xlsx in ``folder`` (atomically)."""
    return write_bytes(folder / "aftaler.xlsx", agreements_workbook())


def write_data_request(order: Order, spec: PackageSpec, ydernumre: list[str], folder: Path) -> list[Path]:
    """dataforespoergsel.xlsx and brev_til_kommunen.txt in ``folder`` (atomically)."""
    request = write_bytes(folder / "dataforespoergsel.xlsx", request_workbook(order, spec, ydernumre))
    letter = write_text(folder / "brev_til_kommunen.txt", cover_letter(order, spec, len(ydernumre)))
    return [request, letter]
