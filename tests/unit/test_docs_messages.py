"""docs/input-formats.md quotes what `kiap validate` really prints for each reconciliation
rule and each input that must stop an order: the inputs below make every quoted line."""

import contextlib
import io
import re
from pathlib import Path

import pytest
from openpyxl import Workbook

from kiap_analysis.cli.main import main
from kiap_analysis.core.rules import RULES

import sx_export
from conftest import ROOT, TINY_SPEC, write, write_bomb

DOC = ROOT / "docs" / "input-formats.md"
SECTION = "## Reconciliation and data loss"


def order(order_id: str, body: str, invited: int | None = 9) -> str:
    text = f"  - id: {order_id}\n    cluster: Fjordklyngen\n    municipality: Fjordby Kommune\n" + body
    return text + (f"    invited: {invited}\n" if invited else "")


AKUT = "    package: akutfunktioner\n    questions: {remove: [q4, q5, q6, q8, q9, q11]}\n"
TINY = "    package: tiny.yaml\n"
FOREBYG = "    package: forebyggelse-rehabilitering\n    survey: forebyg.csv\n    listed_patients: tilmeldte.csv\n"


def xlsx(path: Path, rows: list[list]) -> Path:
    book = Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def write_inputs(folder: Path) -> str:
    """Every input the quoted messages come from, and their orders file."""
    write(folder / "tiny.yaml", TINY_SPEC)
    sx_export.write_csv_folder(folder / "sx_kontakt", "cp1252", ",", respondentid=False, contacts=True)
    sx_export.write_csv_folder(folder / "sx_de", "utf-16", "\t", status_labels=[
        "Neu", "Versendet", "Teilweise beantwortet", "Abgeschlossen", "Abgebrochen"])
    for suffix, prefix in (("_de", "Auf Deutsch: "), ("_en", "In English: ")):
        sx_export.write_csv_folder(folder / "sx_to_sprog", "utf-16", "\t", suffix=suffix, text_prefix=prefix)
    (folder / "sx_to_sprog" / "dataset_de.csv").rename(folder / "sx_to_sprog" / "dataset.csv")
    (folder / "sx_to_sprog" / "dataset_en.csv").unlink()
    write(folder / "dubletter.csv", "Respondent;Status;q1\n1;Gennemført;Enig\n1;Delvis;Enig\n1;Gennemført;Uenig\n"
                                     "2;Gennemført;Enig\n")
    write(folder / "koder.csv", "Respondent;q1;q3\n1;Enig;\n2;Måske;\n3;Måske;\n4;Enig;Fint\n")
    write(folder / "mange.csv", "Respondent;q1\n" + "".join(f"{i};Enig\n" for i in range(1, 29)))
    write(folder / "forebyg.csv", "Respondent;q1\n" + "".join(f"{i};I høj grad\n" for i in range(1, 10)))
    write(folder / "tilmeldte.csv", "Ydernummer;Tilmeldte\n012345;1.600\n234567;2.100\n")
    write(folder / "tom.csv", "Ydernummer;Diabetes;KOL\n")
    write(folder / "gentaget.csv", "Ydernr.;Diabetes;KOL\n012345;21;3\n234567;4;5\n012345;21;3\n")
    write(folder / "tekst.csv", "Ydernr.;Diabetes;KOL\n012345;5;1\n234567;ca. 20;2\n")
    xlsx(folder / "formel.xlsx", [["Ydernummer", "Tilbud", "Antal"], ["012345", "KOL", 29],
                                   ["234567", "KOL", "=B2+29"]])
    xlsx(folder / "uden_tilbud.xlsx", [["Henvisningsdato", "Ydernummer", "Forløb"], ["01-02-2025", "012345", "KOL"],
                                        ["02-02-2025", "012345", None], ["03-02-2024", "234567", "KOL"]])
    write_bomb(folder / "stor.xlsx")
    write(folder / "indlagt.csv", "Respondent;q1\n" + "".join(f"{i};I høj grad\n" for i in range(1, 10)))
    write(folder / "uden_tid.csv", "Indlæggelsestidspunkt;Udskrivningstidspunkt;Alder;Ydernummer;Henvist fra\n"
                                   "03-03-2025 08:00;03-03-2025 10:00;80;012345;Eget hjem\n;;82;012345;Eget hjem\n")
    return "orders:\n" + "".join([
        order("sx-kontakt", AKUT + "    survey: sx_kontakt\n"),
        order("sx-status", AKUT + "    survey: sx_de\n"),
        order("sx-sprog", AKUT + "    survey: sx_to_sprog\n"),
        order("dubletter", TINY + "    survey: dubletter.csv\n", 4),
        order("accepteret", TINY + "    survey: dubletter.csv\n    accept_loss: {duplicate_respondent: prøvesvar}\n",
              4),
        order("koder", TINY + "    survey: koder.csv\n", 4),
        order("inviterede", TINY + "    survey: mange.csv\n", 10),
        order("uden-inviterede", TINY + "    survey: mange.csv\n", None),
        order("tom", FOREBYG + "    referrals: tom.csv\n"),
        order("gentaget", FOREBYG + "    referrals: gentaget.csv\n"),
        order("tekst", FOREBYG + "    referrals: tekst.csv\n"),
        order("formel", FOREBYG + "    referrals: formel.xlsx\n"),
        order("uden-tilbud", FOREBYG + "    referrals: uden_tilbud.xlsx\n"
                                       "    period: {start: 2025-01-01, end: 2025-12-31}\n"),
        order("stor", AKUT + "    survey: stor.xlsx\n"),
        order("uden-tid", "    package: indlaeggelser\n    survey: indlagt.csv\n    listed_patients: tilmeldte.csv\n"
                          "    admissions: uden_tid.csv\n    period: {start: 2025-03-01, end: 2025-03-31}\n"),
    ])


def quoted_lines() -> list[str]:
    """The lines of the section's code blocks that kiap validate prints."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    section = section[:section.find("\n## ", 1)] if "\n## " in section[1:] else section
    blocks = re.findall(r"```\n(.*?)```", section, flags=re.S)
    return [line for block in blocks for line in block.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> list[str]:
    folder = tmp_path_factory.mktemp("docs")
    write(folder / "orders.yaml", write_inputs(folder))
    mp = pytest.MonkeyPatch()
    mp.chdir(folder)
    mp.setenv("KIAP_PRIVATE_DIR", str(folder / "private"))
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            assert main(["validate", "orders.yaml"]) == 1
    finally:
        mp.undo()
    return out.getvalue().splitlines()


def test_every_quoted_line_is_printed(printed):
    quoted = quoted_lines()
    assert len(quoted) > 30
    missing = [line for line in quoted if line not in printed]
    assert not missing, "\n".join(missing)


def test_every_rule_is_documented_with_a_message():
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(SECTION):]
    for key, rule in RULES.items():
        assert f"`{key}`" in section, key
        if rule.limit:
            assert any(f"rule {key} (" in line for line in quoted_lines()), f"no example message for {key}"
