"""Danish everywhere a reader looks: the demo's reports and index hold none of the English
words of issue 18's list, and every warning they show has its Danish text."""

from kiap_analysis.core.manifest import read_manifest
from tests.english import english_words, visible_text


def test_the_demo_reports_and_index_speak_danish(demo_run):
    reports = demo_run["paths"].reports
    pages = {"index.html": (reports / "index.html").read_text(encoding="utf-8")}
    for outcome in demo_run["outcomes"]:
        pages[f"{outcome.order_id}/report.html"] = (reports / outcome.order_id / "report.html").read_text(
            encoding="utf-8")
    warnings = [w for o in demo_run["outcomes"] for w in read_manifest(reports / o.order_id).warnings]
    assert warnings, "the demo must show warnings for this test to mean anything"
    found = {name: english_words(visible_text(page)) for name, page in pages.items()}
    print(f"{len(pages)} pages and {len(warnings)} warnings checked")
    assert {name: hits for name, hits in found.items() if hits} == {}
    assert [w for w in warnings if "Fix:" in w or " has " in w] == []
