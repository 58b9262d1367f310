"""The guard of refactorings: the demo's outputs equal, value for value, the stored summary.

tests/data/demo_summary.json is the contract (tables, deck text and chart data, the report's
text, the processed tables, the letters). An intended change of an output regenerates it with
``python tools/output_summary.py --write``, and its diff is reviewed in the commit.
"""

import importlib.util
import json

import pytest

from conftest import ROOT, TEST_KEY

pytestmark = pytest.mark.slow

_SPEC = importlib.util.spec_from_file_location("output_summary", ROOT / "tools" / "output_summary.py")
output_summary = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(output_summary)


def test_the_demo_outputs_equal_the_stored_summary(demo_run):
    assert output_summary.DEMO_KEY == TEST_KEY, "the tool and demo_run must use the same pseudonym key"
    failed = {o.order_id: o.error for o in demo_run["outcomes"] if o.status != "ok"}
    assert not failed
    base = demo_run["base"]
    found = output_summary.summary(demo_run["paths"].reports, base / "processed", base / "private",
                                   places={"demo": demo_run["orders"].parent, "home": ROOT})
    stored = json.loads(output_summary.STORED.read_text(encoding="utf-8"))
    assert set(found["orders"]) == {o.order_id for o in demo_run["outcomes"]}
    assert found == stored, (
        "the demo's outputs differ from tests/data/demo_summary.json (first differences below). If the "
        "change is intended, run `python tools/output_summary.py --write` and review the diff in the "
        "commit.\n" + output_summary.diff(stored, found))
