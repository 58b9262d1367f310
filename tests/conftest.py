"""Shared fixtures: temporary workbook folders, small specs, and the external clients."""

from __future__ import annotations

import contextlib
import os
import shutil
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiap_analysis.cli.demo import write_demo
from kiap_analysis.core.config import (
    ENV_HOME,
    ENV_KEY,
    ENV_PRIVATE,
    ENV_PROCESSED,
    Paths,
)
from kiap_analysis.core.spec import parse_spec
from kiap_analysis.run.preview import ENV_PDF

ROOT = Path(__file__).resolve().parents[1]

TINY_SPEC = """
name: tiny
title: Lille testpakke
version: "0.1"
data: [survey]
scales:
  enighed:
    levels: [Uenig, Hverken eller, Enig]
    dont_know: Ved ikke
questions:
  - {id: q1, text: "Hvor enig er du?", type: likert, scale: enighed}
  - id: q2
    text: "Hvordan henviser du?"
    type: multi_choice
    options: [{id: tlf, label: Telefon}, {id: brev, label: Brev}, {id: andet, label: Andet}]
  - {id: q3, text: Kommentarer, type: free_text}
program:
  - {id: intro, kind: intro, title: Introduktion, minutes: 5}
  - id: blok1
    kind: block
    title: "Blok 1: Det hele"
    minutes: 20
    content: [{question: q1}, {question: q2}, {question: q3}]
    reflection: ["Hvad ser vi?", "Hvad gør vi nu?"]
"""

# One order of the tiny package (the survey file is the test's own).
TINY_ORDER = """\
  - id: tiny-2026
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    round: baseline
    survey: survey.csv
    invited: 8
    period: {start: 2026-01-01, end: 2026-06-30}
"""


# Five named respondents of the tiny package: q1 Uenig 1, Hverken eller 1, Enig 3 (nobody 'Ved
# ikke'); q2 Telefon 3, Brev 2, Andet 1.
TINY_NAMED_SURVEY = """
Respondent;Navn;Status;q1;q2_tlf;q2_brev;q2_andet;q3
1;Anna Prikkesen;Gennemført;Enig;1;0;0;
2;Bo Prikkesen;Gennemført;Enig;1;1;0;
3;Cai Prikkesen;Gennemført;Uenig;0;1;0;
4;Dea Prikkesen;Gennemført;Enig;1;0;0;
5;Eva Prikkesen;Gennemført;Hverken eller;0;0;1;
"""


def tiny_deck(folder: Path, survey: str = TINY_NAMED_SURVEY):
    """The tiny order's deck built through load_order from ``survey`` (inputs under folder/in)."""
    from pptx import Presentation

    from kiap_analysis.run import api

    write(folder / "in" / "tiny.yaml", TINY_SPEC)
    write(folder / "in" / "survey.csv", survey)
    orders = write(folder / "in" / "orders.yaml", "orders:\n" + TINY_ORDER)
    return Presentation(str(api.load_order(orders, "tiny-2026").build_deck(folder / "deck.pptx")))

@pytest.fixture
def tiny_spec():
    return parse_spec(__import__("yaml").safe_load(TINY_SPEC), "tiny.yaml")


TEST_KEY = "test-key-0123456789abcdef"


@contextlib.contextmanager
def demo_environment(base: Path) -> Iterator[Path]:
    """The demo's inputs under ``base``, with the private and processed folders (and the
    project home) there too; yields the demo's orders file."""
    mp = pytest.MonkeyPatch()
    mp.setenv(ENV_HOME, str(base / "home"))
    mp.setenv(ENV_PRIVATE, str(base / "private"))
    mp.setenv(ENV_PROCESSED, str(base / "processed"))
    mp.setenv(ENV_KEY, TEST_KEY)
    try:
        yield write_demo(base / "raw")
    finally:
        mp.undo()


@pytest.fixture
def workbook(tmp_path, monkeypatch) -> Paths:
    """Private, processed and reports folders in tmp, and a fixed pseudonym key."""
    monkeypatch.setenv(ENV_PRIVATE, str(tmp_path / "private"))
    monkeypatch.setenv(ENV_PROCESSED, str(tmp_path / "processed"))
    monkeypatch.setenv(ENV_KEY, TEST_KEY)
    monkeypatch.setenv(ENV_PDF, "0")  # the demo run renders PDFs; small tests need not
    return Paths.current(reports=tmp_path / "reports")


def write_bomb(path: Path) -> Path:
    """An .xlsx of half a megabyte whose sheet unpacks to 201 MB (repeated rows compress ~350 times)."""
    import zipfile

    row = b'<row><c t="n"><v>1</v></c></row>' * 30000
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for _ in range(201_000_000 // len(row) + 1):
                sheet.write(row)
    return path


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(textwrap.dedent(text).lstrip("\n").encode(encoding))
    return path


def require_program(name: str, env_var: str) -> str:
    """The program's path; a skip, or a failure where CI sets ``env_var``."""
    found = shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed"
    if os.environ.get(env_var):
        pytest.fail(f"{message}, but {env_var} is set: CI must install it")
    pytest.skip(message)


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory):
    """The demo's orders, run once for the session into temporary folders, with TEST_KEY in the
    key file (the letters depend on the key; tests/data/demo_summary.json holds this run's)."""
    from kiap_analysis.cli.demo import write_demo
    from kiap_analysis.run.batch import run_orders

    base = tmp_path_factory.mktemp("demo")
    mp = pytest.MonkeyPatch()
    mp.setenv(ENV_PRIVATE, str(base / "private"))
    mp.setenv(ENV_PROCESSED, str(base / "processed"))
    mp.delenv(ENV_KEY, raising=False)
    (base / "private").mkdir()
    (base / "private" / "pseudonym.key").write_text(TEST_KEY + "\n", encoding="utf-8")
    orders = write_demo(base / "raw")
    paths = Paths.current(reports=base / "reports")
    outcomes = run_orders(orders, paths, log=lambda *_: None).outcomes
    yield {"orders": orders, "paths": paths, "outcomes": outcomes, "base": base}
    mp.undo()


@pytest.fixture(scope="session")
def strict_demo_run(tmp_path_factory):
    """The demo's orders with referral data, run once for the session with disclosure: strict
    (the demo's own orders stay standard); no PDF previews."""
    import yaml

    from kiap_analysis.cli.demo import write_demo
    from kiap_analysis.run.batch import run_orders

    base = tmp_path_factory.mktemp("demo-strict")
    mp = pytest.MonkeyPatch()
    mp.setenv(ENV_PRIVATE, str(base / "private"))
    mp.setenv(ENV_PROCESSED, str(base / "processed"))
    mp.setenv(ENV_PDF, "0")
    mp.delenv(ENV_KEY, raising=False)
    orders = write_demo(base / "raw")
    data = yaml.safe_load(orders.read_text(encoding="utf-8"))
    strict = [o["id"] for o in data["orders"] if "referrals" in o]
    for order in data["orders"]:
        if order["id"] in strict:
            order["disclosure"] = "strict"
    orders.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    paths = Paths.current(reports=base / "reports")
    outcomes = run_orders(orders, paths, only=strict, log=lambda *_: None).outcomes
    yield {"orders": orders, "paths": paths, "outcomes": outcomes, "base": base}
    mp.undo()


INTEGRATION = ROOT / "tests" / "integration"


def pytest_collection_modifyitems(config, items):
    """Every test in tests/integration is slow, so `-m "not slow"` runs tests/unit; a unit test
    marked slow belongs in tests/integration."""
    for item in items:
        if INTEGRATION in item.path.parents:
            item.add_marker(pytest.mark.slow)
        elif item.get_closest_marker("slow"):
            raise pytest.UsageError(f"{item.nodeid} is marked slow: move it to tests/integration")
