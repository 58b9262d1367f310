"""kiap validate: every problem with file, sheet, row/column and a fix; exit 1."""

from openpyxl import Workbook

from kiap_analysis.cli.main import main

import sx_export
from conftest import write

ORDERS = """
orders:
  - id: sx-ok
    cluster: A-klyngen
    municipality: A Kommune
    package: akutfunktioner
    survey: export.xlsx
  - id: refs-bad
    cluster: B-klyngen
    municipality: B Kommune
    package: forebyggelse-rehabilitering
    survey: export.xlsx
    invited: 12
    referrals: henvisninger.xlsx
    listed_patients: tilmeldte.csv
  - id: fields-bad
    cluster: C-klyngen
    package: akutfunktioner
    survey: nowhere.csv
    invited: -3
"""


def test_validate_reports_every_problem_with_its_place(tmp_path, capsys, workbook):
    sx_export.write_xlsx(tmp_path / "export.xlsx")
    book = Workbook()
    sheet = book.active
    sheet.title = "Henvisninger"
    for row in [["Ydernummer", "Tilbud", "Antal"], [12345, "KOL", 3], ["12x45", "KOL", "tre"]]:
        sheet.append(row)
    book.save(tmp_path / "henvisninger.xlsx")
    write(tmp_path / "tilmeldte.csv", "Ydernummer;Tilmeldte\n012345;1.600\n")
    orders = write(tmp_path / "orders.yaml", ORDERS)

    assert main(["validate", str(orders)]) == 1
    out = capsys.readouterr().out
    lines = out.splitlines()
    bad_cell = next(line for line in lines if "expected a whole number, got text" in line)
    assert "tre" not in bad_cell.split(":", 1)[1].replace("three", "")
    assert bad_cell.startswith("[refs-bad] error: henvisninger.xlsx, sheet 'Henvisninger', row 3")
    assert "column 'Antal'" in bad_cell and "Fix: write the number of referrals" in bad_cell
    bad_id = next(line for line in lines if "ydernummer (digits only)" in line)
    assert "row 3, column 'Ydernummer'" in bad_id and "12x45" not in bad_id
    missing = next(line for line in lines if "nowhere.csv" in line)
    assert missing.startswith("[fields-bad] error: ") and "line 18, column 'survey'" in missing and "Fix:" in missing
    assert any("[fields-bad] error:" in line and "'municipality' is missing" in line for line in lines)
    assert any("[fields-bad] error:" in line and "invited must be a positive" in line for line in lines)
    # The good order's notes are warnings only: unmapped questions, invited taken from the export.
    sx_lines = [line for line in lines if line.startswith(("[sx-ok] error", "[sx-ok] warning"))]
    assert sx_lines and all(" warning: " in line for line in sx_lines)
    assert any("export lists 9" in line for line in sx_lines)
    assert "problem(s) must be fixed" in out
