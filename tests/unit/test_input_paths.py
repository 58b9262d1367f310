"""Input paths no file system can use fail their own order, never the batch or kiap validate."""

import os

from kiap_analysis.cli.main import main
from kiap_analysis.core import orders as orders_module
from kiap_analysis.core.orders import load_orders
from kiap_analysis.run.fingerprint import code_version, fingerprint
from kiap_analysis.run.validate import validate_orders

from conftest import TINY_ORDER, TINY_SPEC, write

SURVEY = "Respondent;Status;q1;q2_tlf;q2_brev;q2_andet;q3\n1;Gennemført;Enig;1;0;0;Fint\n"


def bad(order_id: str, survey: str, package: str = "tiny.yaml") -> str:
    return (f"  - {{id: {order_id}, cluster: Testklyngen, municipality: Test Kommune, package: {package}, "
            f"survey: {survey}, invited: 9}}\n")


def orders_file(folder):
    write(folder / "tiny.yaml", TINY_SPEC)
    write(folder / "survey.csv", SURVEY)
    write(folder / "locked.csv", SURVEY)
    os.symlink("loop.csv", folder / "loop.csv")  # a link to itself
    long_name = "x" * 300 + ".csv"
    return write(folder / "orders.yaml", "orders:\n" + TINY_ORDER + bad("loop", "loop.csv")
                 + bad("nul", '"survey\\0.csv"') + bad("long", long_name) + bad("locked", "locked.csv")
                 + bad("nul-package", "survey.csv", package='"tiny\\0.yaml"'))


def refuse_locked(monkeypatch):
    """Reading locked.csv is refused as it would be for a file without read permission (the
    tests may run as root, whom chmod does not stop)."""
    real_open = open

    def guarded(file, *args, **kwargs):
        if str(file).endswith("locked.csv"):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(orders_module, "open", guarded, raising=False)


def test_each_unusable_path_is_a_problem_of_its_own_order(tmp_path, monkeypatch, workbook):
    refuse_locked(monkeypatch)
    orders = load_orders(orders_file(tmp_path))
    problems = {e.id: [str(p).replace(f"{tmp_path}/", "") for p in e.problems] for e in orders.entries}
    assert problems["tiny-2026"] == []
    assert problems["loop"] == ["orders.yaml, line 10, column 'survey': 'loop.csv' is a symbolic link that loops "
                                "back to itself Fix: point the order at the real file, or repair the link"]
    assert problems["nul"] == ["orders.yaml, line 11, column 'survey': 'survey\\0.csv' is not a usable path (it "
                               "holds a NUL character) Fix: retype the path in orders.yaml"]
    assert problems["long"] == [f"orders.yaml, line 12, column 'survey': '{'x' * 77}...' is too long a path for "
                                "the file system (a name may have at most 255 characters) Fix: rename the file or "
                                "folder to a shorter name and correct the path"]
    assert problems["locked"] == ["orders.yaml, line 13, column 'survey': 'locked.csv' cannot be read: permission "
                                  "denied (locked.csv) Fix: give your user read access to the file and its folders "
                                  "(e.g. chmod u+r), or copy it"]
    assert problems["nul-package"][0].startswith("orders.yaml, line 14, column 'package': 'tiny\\0.yaml' is not a "
                                                 "usable path")
    code = code_version()
    prints = [fingerprint(orders, e, workbook, code) for e in orders.entries]  # what kiap run does first
    assert len(prints) == 6 and prints[5]["spec"] == "unresolved"


def test_validate_checks_the_good_order_and_reports_the_bad_ones(tmp_path, monkeypatch, capsys):
    refuse_locked(monkeypatch)
    found = validate_orders(orders_file(tmp_path))
    assert found["tiny-2026"].errors == 0
    assert {k: len(v.problems) for k, v in found.items() if k != "tiny-2026"} == {
        "loop": 1, "nul": 1, "long": 1, "locked": 1, "nul-package": 1}
    assert main(["validate", str(tmp_path / "orders.yaml")]) == 1
    out = capsys.readouterr().out.replace(f"{tmp_path}/", "")
    assert "[loop] error: orders.yaml, line 10, column 'survey': 'loop.csv' is a symbolic link" in out
    assert "5 problem(s) must be fixed" in out
