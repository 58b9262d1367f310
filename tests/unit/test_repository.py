"""The repository itself: template notebook, paired script, layout, lint."""

import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat

from kiap_analysis.cli.main import main

from conftest import ROOT

TEMPLATE = ROOT / "notebooks" / "templates" / "order_report.ipynb"


def test_template_has_one_typed_parameters_cell_and_no_outputs():
    notebook = nbformat.read(TEMPLATE, as_version=4)
    code = [c for c in notebook.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    lines = [line for line in tagged[0].source.splitlines() if line.strip()]
    assert [line.split(":")[0] for line in lines] == ["order_id", "orders_file", "output_dir"]
    assert all(": str = " in line and "#" in line for line in lines)  # typed, commented defaults
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert notebook.metadata.kernelspec.name == "kiap-workbook"
    for cell in code:
        if cell is tagged[0]:
            continue
        for line in cell.source.splitlines():
            if line.startswith(("import ", "from ")):
                assert "kiap_analysis" in line, line


def test_template_is_paired_with_its_percent_script():
    paired = jupytext.read(TEMPLATE.with_suffix(".py"))
    notebook = nbformat.read(TEMPLATE, as_version=4)
    assert [c.source for c in paired.cells] == [c.source for c in notebook.cells]


def test_data_and_report_folders_are_ignored_but_kept():
    ignored = (ROOT / ".gitignore").read_text()
    for folder in ("data/raw", "data/processed", "data/private", "reports"):
        assert (ROOT / folder / ".gitkeep").exists()
        assert f"{folder}/*" in ignored and f"!{folder}/.gitkeep" in ignored


def test_packages_command_lists_the_catalogue(capsys):
    assert main(["packages"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["name", "title", "version", "data", "questions"]
    rows = {line.split()[0]: line for line in out[1:]}
    assert rows["akutfunktioner"].rstrip().endswith("11")
    assert rows["forebyggelse-rehabilitering"].rstrip().endswith("8")
    assert "survey, referrals" in rows["forebyggelse-rehabilitering"]


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "kiap_analysis", "tests", "tools"],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_kernel_runs_this_python():
    from kiap_analysis.run.kernel import ensure_kernel, kernel_argv

    ensure_kernel()
    assert Path(kernel_argv()[0]).resolve() == Path(sys.executable).resolve()
