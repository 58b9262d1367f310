"""The exploratory notebooks in notebooks/: stored clean and paired, and each runs on the demo."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import jupytext
import nbformat
import pytest
from pptx import Presentation

from kiap_analysis.run import api

from conftest import ROOT, demo_environment

NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = sorted(NOTEBOOK_DIR.glob("*.ipynb"))
ALLOWED_IMPORTS = ("kiap_analysis", "pandas", "seaborn", "matplotlib")


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def parameters_cell(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    return tagged[0]


def defaults(notebook: nbformat.NotebookNode) -> dict[str, object]:
    """The parameters cell's values (it holds only typed assignments of literals)."""
    found: dict[str, object] = {}
    exec(parameters_cell(notebook).source, {}, found)
    return found


def output_text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.output_type == "stream":
                parts.append(output.text)
            elif "data" in output:
                parts.append(output.data.get("text/plain", ""))
    return "\n".join(parts)


def pictures(notebook: nbformat.NotebookNode) -> int:
    return sum("image/png" in output.get("data", {}) for cell in notebook.cells for output in cell.get("outputs", []))


def test_notebooks_are_numbered():
    names = [p.stem for p in NOTEBOOKS]
    assert names[:4] == ["00_explore_order", "01_survey_overview", "02_referral_variation", "03_free_text"]
    assert all(re.fullmatch(r"\d\d_[a-z0-9_]+", name) for name in names)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_clean_and_paired(path):
    notebook = read(path)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert code[0] is parameters_cell(notebook)  # first code cell: papermill injects after it
    lines = [line for line in code[0].source.splitlines() if line.strip()]
    assert [line.split(":")[0] for line in lines[:2]] == ["orders_file", "order_id"]
    assert all(re.match(r"\w+: (str|int|float|bool) = .+  # \S", line) for line in lines), lines
    assert defaults(notebook)["orders_file"] == "../data/raw/demo/orders.yaml"
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert notebook.metadata.kernelspec.name == "kiap-workbook"
    assert notebook.metadata.jupytext.formats == "ipynb,py:percent"
    paired = jupytext.read(path.with_suffix(".py"))
    assert [c.source for c in paired.cells] == [c.source for c in notebook.cells]
    for cell in code[1:]:
        for line in cell.source.splitlines():
            if line.startswith(("import ", "from ")):
                assert line.split()[1].split(".")[0] in ALLOWED_IMPORTS, line


# ------------------------------------------------------------------ executed on the demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Iterator[dict]:
    base = tmp_path_factory.mktemp("notebooks-demo")
    mp = pytest.MonkeyPatch()
    mp.delenv("MPLBACKEND", raising=False)  # the kernel picks its inline backend
    with demo_environment(base) as orders:
        yield {"orders": orders, "base": base, "handles": {}}
    mp.undo()


def handle(demo: dict, order_id: str) -> api.OrderHandle:
    if order_id not in demo["handles"]:
        demo["handles"][order_id] = api.load_order(demo["orders"], order_id)
    return demo["handles"][order_id]


def execute(demo: dict, name: str, **parameters) -> tuple[nbformat.NotebookNode, dict]:
    """Run a notebook with papermill on the demo; its outputs and its parameters' values."""
    import papermill

    source = NOTEBOOK_DIR / f"{name}.ipynb"
    target = demo["base"] / "executed" / f"{name}.ipynb"
    target.parent.mkdir(exist_ok=True)
    parameters = {"orders_file": str(demo["orders"]), **parameters}
    papermill.execute_notebook(str(source), str(target), parameters=parameters, kernel_name="kiap-workbook",
                               progress_bar=False, cwd=str(NOTEBOOK_DIR))
    executed = read(target)
    assert not [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    return executed, {**defaults(read(source)), **parameters}


def response_line(order: api.OrderHandle) -> str:
    summary, responses = order.summary, order.survey_responses()
    responded, completed = len(responses), int(responses["is_complete"].sum())
    return (f"{responded} of {summary.invited} invited answered ({100 * responded / summary.invited:.0f} %), "
            f"{completed} completed the survey.")


@pytest.mark.slow
def test_00_explore_order(demo):
    output_dir = demo["base"] / "analyst"
    executed, values = execute(demo, "00_explore_order", output_dir=str(output_dir))
    order = handle(demo, values["order_id"])
    text = output_text(executed)
    assert response_line(order) in text
    assert pictures(executed) == 1
    deck = Presentation(str(output_dir / values["order_id"] / "deck.pptx"))
    titles = [slide.shapes.title.text for slide in deck.slides if slide.shapes.title is not None]
    assert "Hvor godt kender vi kommunens tilbud?" in titles
    assert executed.cells[-1].outputs[0].data["text/plain"] == repr(order.spec.question("q1").title)


@pytest.mark.slow
def test_01_survey_overview(demo):
    executed, values = execute(demo, "01_survey_overview")
    order = handle(demo, values["order_id"])
    assert response_line(order) in output_text(executed)
    question_charts = [key for key in order.charts() if key in order.spec.question_ids()]
    assert len(question_charts) >= 5
    assert pictures(executed) == len(question_charts) + 2  # + the closer look + the seaborn overview


@pytest.mark.slow
def test_02_referral_variation(demo):
    executed, values = execute(demo, "02_referral_variation")
    order, offer = handle(demo, values["order_id"]), values["offer"]
    detail = order.referral_rates(detail=True)
    rows = detail[(detail["offer"] == offer) & (detail["practice"] != "Klyngen samlet")]
    counted = rows[rows["listed_patients"].fillna(0) > 0]
    rate = 1000 * counted["referrals"].sum() / counted["listed_patients"].sum()
    text = output_text(executed)
    assert f"{offer}: the cluster refers {rate:.1f} per 1,000 listed patients" in text
    assert pictures(executed) == 2
    outside = detail.loc[detail["funnel"] != "", ["practice", "offer", "funnel"]]
    assert len(outside) >= 2  # the demo has practices outside the funnel's limits
    lines = text.splitlines()
    for practice, offer_name, funnel in outside.itertuples(index=False):  # the table of them, shown
        assert any(practice in line and offer_name in line and funnel in line for line in lines), (practice, funnel)


@pytest.mark.slow
def test_03_free_text(demo):
    executed, values = execute(demo, "03_free_text")
    order = handle(demo, values["order_id"])
    responses = order.survey_responses()
    text = output_text(executed)
    free_text = [q for q in order.spec.questions if q.type == "free_text"]
    assert len(free_text) >= 3
    for question in free_text:
        answered = responses[question.id].dropna().astype(str).str.strip().ne("").sum()
        assert f"{question.id}: {answered} answers - {question.text}" in text
    first = responses[values["question_id"]].dropna().iloc[0]
    assert f" 1. {first}" in text
