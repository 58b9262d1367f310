"""The municipality's data request (``kiap prepare``): an .xlsx with one row per practice of
the cluster (ydernummer as text) and one column per offer of the package, the period and
Danish instructions on the first sheet, whole-number validation on the count cells and a
hidden marker sheet (``ingest.data_request``) by which the returned request is recognised;
and a short Danish cover letter. Private: it names the practices."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from kiap_analysis.core.fileio import write_bytes, write_text
from kiap_analysis.core.orders import Order, Period
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest.data_request import DATA_SHEET, MARKER, MARKER_SHEET, YDERNUMMER, RequestLayout

INSTRUCTIONS_SHEET = "Vejledning"


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
    ]


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


def write_data_request(order: Order, spec: PackageSpec, ydernumre: list[str], folder: Path) -> list[Path]:
    """dataforespoergsel.xlsx and brev_til_kommunen.txt in ``folder`` (atomically)."""
    request = write_bytes(folder / "dataforespoergsel.xlsx", request_workbook(order, spec, ydernumre))
    letter = write_text(folder / "brev_til_kommunen.txt", cover_letter(order, spec, len(ydernumre)))
    return [request, letter]
