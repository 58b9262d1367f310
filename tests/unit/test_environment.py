"""environment.yml (conda) and pyproject.toml list the same dependencies."""

import re
import tomllib

import yaml

from conftest import ROOT


def _normalise(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return re.sub(r"[-_.]+", "-", name).lower(), spec.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip_side = {_normalise(r) for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        pip_side |= {_normalise(r) for r in extra}
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    conda_side = {_normalise(d) for d in conda if isinstance(d, str)}
    conda_side = {(n, s) for n, s in conda_side if n not in ("python", "pip")}
    assert conda_side == pip_side, {
        "only in environment.yml": sorted(conda_side - pip_side),
        "only in pyproject.toml": sorted(pip_side - conda_side),
    }


def test_python_versions_agree():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    conda = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    assert f"python{project['requires-python']}" in conda
