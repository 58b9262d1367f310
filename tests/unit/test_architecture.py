"""The layers hold: import-linter's contracts in pyproject.toml (what `make lint` checks) are kept."""

import tomllib

from importlinter import configuration
from importlinter.application import use_cases

from conftest import ROOT

PYPROJECT = ROOT / "pyproject.toml"


def _contracts() -> list[dict]:
    return tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]


def test_every_contract_is_kept(capsys):
    configuration.configure()  # what the lint-imports command does first
    kept = use_cases.lint_imports(config_filename=str(PYPROJECT), no_logo=True, cache_dir=None)
    report = capsys.readouterr().out
    broken = report.partition("Broken contracts")[2].strip("-\n ")
    assert kept, f"import-linter: a contract is broken (fix the import, do not ignore it):\n{broken or report}"


def test_every_subpackage_is_a_layer():
    """A new folder under kiap_analysis/ gets a place in the layers, so the contract sees it."""
    layers = next(c for c in _contracts() if c["type"] == "layers")["layers"]
    packages = {f"kiap_analysis.{p.name}" for p in (ROOT / "kiap_analysis").iterdir() if (p / "__init__.py").exists()}
    assert packages == set(layers)


def test_drawing_and_kernels_are_forbidden_everywhere_else():
    """pptx/matplotlib/seaborn only in present/; papermill/jupyter_client/nbclient only in run/ and cli/."""
    layers = set(next(c for c in _contracts() if c["type"] == "layers")["layers"])
    forbidden = {c["id"]: c for c in _contracts() if c["type"] == "forbidden"}
    assert set(forbidden["drawing"]["forbidden_modules"]) == {"pptx", "matplotlib", "seaborn"}
    assert set(forbidden["drawing"]["source_modules"]) == layers - {"kiap_analysis.present"}
    assert set(forbidden["kernels"]["forbidden_modules"]) == {"papermill", "jupyter_client", "nbclient"}
    assert set(forbidden["kernels"]["source_modules"]) == layers - {"kiap_analysis.run", "kiap_analysis.cli"}
    assert not any("ignore_imports" in c for c in _contracts())
