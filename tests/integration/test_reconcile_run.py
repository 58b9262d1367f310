"""A lossy order run by the batch: it fails and writes its reconciliation."""

import json

import pytest

from conftest import TINY_SPEC, write


def order(order_id: str, body: str, invited: int | None = 9) -> str:
    text = f"  - id: {order_id}\n    cluster: Testklyngen\n    municipality: Test Kommune\n" + body
    return text + (f"    invited: {invited}\n" if invited else "")


@pytest.mark.slow
def test_run_fails_the_lossy_order_and_writes_the_reconciliation(tmp_path, workbook):
    from kiap_analysis.run.batch import run_orders

    write(tmp_path / "tiny.yaml", TINY_SPEC)
    write(tmp_path / "good.csv", "Respondent;Status;q1;q2_tlf\n1;Gennemført;Enig;1\n2;Gennemført;Uenig;0\n"
                                 "3;Delvis;Enig;\n4;Gennemført;Enig;1\n5;Gennemført;Enig;0\n6;Delvis;;\n")
    write(tmp_path / "lossy.csv", "Klinik;q1\n" + "".join(f"Lægehuset A;{a}\n" for a in ["Enig", "Uenig", "Enig"]))
    orders = write(tmp_path / "orders.yaml", "orders:\n"
                   + order("good", "    package: tiny.yaml\n    survey: good.csv\n", 8)
                   + order("lossy", "    package: tiny.yaml\n    survey: lossy.csv\n    respondent_id: Klinik\n", 8))
    outcomes = {o.order_id: o for o in run_orders(orders, workbook, log=lambda *_: None).outcomes}
    lossy = outcomes["lossy"]
    assert lossy.status == "failed"
    assert lossy.error.startswith("InputError: lossy.csv: rule duplicate_respondent (duplicate respondent (same "
                                  "respondent id)) dropped 2 of 3 rows with answers, rows 2, 3: more than the limit")
    # (row 4, the last, is kept)
    assert "accept_loss: {duplicate_respondent: <reason>}" in lossy.error
    good = outcomes["good"]
    assert good.status == "ok", good.error
    manifest = json.loads((workbook.reports / "good" / "manifest.json").read_text())
    [rec] = manifest["reconciliation"]
    stages = [(s["stage"], s["count"]) for s in rec["accounts"][0]["stages"]]
    assert stages == [("rows_read", 6), ("respondents", 5), ("counted", 5)]  # row 7 answered nothing
    assert rec["accounts"][0]["stages"][1]["drops"][0]["rows"] == [7]
    assert rec["accounts"][0]["questions"][0] == {"question_id": "q1", "answers_read": 5, "base": 5, "left_out": []}
    report = (workbook.reports / "good" / "report.html").read_text()
    assert "<h4>Spørgeskema: good.csv</h4>" in report and "Besvarelser, der indgår" in report
    failed = json.loads((workbook.reports / "lossy" / "manifest.json").read_text())
    assert failed["status"] == "failed" and "duplicate_respondent" in failed["error"]
