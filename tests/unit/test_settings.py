"""The analysis settings are read at call time: an override reaches every function."""

import ast
import dataclasses
from pathlib import Path

import pandas as pd
import pytest

from kiap_analysis.core import config
from kiap_analysis.core.config import Settings, override_settings, settings
from kiap_analysis.privacy.suppression import suppress_small_base
from kiap_analysis.stats import funnel, metrics, reidentification
from kiap_analysis.stats.disclosure import OPEN, SizeBand, size_bands


def test_settings_are_the_defaults_until_overridden():
    assert settings() == Settings()
    assert (settings().min_survey_base, settings().min_count, settings().confidence) == (5, 5, 0.95)


def test_an_override_holds_inside_its_block_and_nests():
    with override_settings(min_count=3, confidence=0.9) as changed:
        assert settings() is changed and (changed.min_count, changed.confidence, changed.min_survey_base) == (
            3, 0.9, 5)
        with override_settings(min_count=10):
            assert (settings().min_count, settings().confidence) == (10, 0.9)
        assert settings().min_count == 3
    assert settings() == Settings()


def test_an_override_is_undone_when_its_block_raises():
    with pytest.raises(RuntimeError), override_settings(max_rows=10):
        raise RuntimeError("stop")
    assert settings().max_rows == 100_000


def test_an_unknown_setting_is_refused():
    with pytest.raises(TypeError, match="min_bsae"), override_settings(min_bsae=3):
        pass


def test_settings_cannot_be_changed_in_place():
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.settings().min_count = 1


# ------------------------------------------------------------------ a change reaches the functions


def test_a_changed_survey_base_reaches_the_suppression():
    table = pd.DataFrame({"base": [4, 6], "n": [1, 2], "pct": [25.0, 33.3]})
    assert suppress_small_base(table)["n"].tolist() == ["", 2]  # 4 < 5 answers: hidden
    with override_settings(min_survey_base=4):
        assert suppress_small_base(table)["n"].tolist() == [1, 2]
    assert suppress_small_base(table, minimum=7)["n"].tolist() == ["", ""]  # given explicitly


def test_a_changed_practice_minimum_reaches_the_overdispersion_estimate():
    counts, expected = [10, 12, 8, 30], [15.0] * 4
    assert not funnel.overdispersion(counts, expected).is_estimated  # 4 practices, 5 needed
    with override_settings(min_overdispersion_practices=4):
        found = funnel.overdispersion(counts, expected)
    # z = 2 (sqrt(x) - sqrt(15)) = -1.4214, -0.8178, -2.0891, 3.2085; winsorised at the 10th and
    # 90th percentiles (-1.8888, 2.0006); phi = mean of the squares = 10.2591 / 4
    assert found.is_estimated and found.phi == pytest.approx(2.5648, abs=1e-4)
    assert found == funnel.overdispersion(counts, expected, min_practices=4)


def test_a_changed_band_step_reaches_the_size_bands():
    sizes = [1000, 1600, 2100, 2600]
    assert size_bands(sizes) == (SizeBand(0, OPEN),)
    with override_settings(size_band_step=1000, min_band_practices=2):
        assert size_bands(sizes) == (SizeBand(0, 1999), SizeBand(2000, OPEN))


def test_a_changed_confidence_reaches_the_attack_past_its_cache():
    assert reidentification._limits(12, None, None) == metrics.poisson_interval(12, 0.95, 10)
    with override_settings(confidence=0.9):
        narrower = reidentification._limits(12, None, None)
    assert narrower == metrics.poisson_interval(12, 0.9, 10) != metrics.poisson_interval(12, 0.95, 10)


PACKAGE = Path(__file__).resolve().parents[2] / "kiap_analysis"


def frozen_reads(source: str) -> list[int]:
    """Lines that call settings() outside a function's body: at import (a default argument, a
    module constant, a class attribute)."""
    tree = ast.parse(source)
    at_call_time = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            for part in (node.body if isinstance(node.body, list) else [node.body]):
                at_call_time |= {id(n) for n in ast.walk(part)}
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "settings"
            and id(n) not in at_call_time]


def test_a_read_at_import_is_found():
    source = ("LIMIT = settings().min_count\n"
              "def f(x=settings().min_count):\n    return settings().max_rows\n"
              "class C:\n    y = settings().max_rows\n    def g(self):\n        return settings().max_rows\n"
              "h = lambda: settings().min_count\n")
    assert frozen_reads(source) == [1, 2, 5]


@pytest.mark.parametrize("module", sorted(p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*.py")))
def test_no_setting_is_frozen_at_import(module):
    """settings() is only called inside functions, never in a default argument or at import."""
    assert frozen_reads((PACKAGE / module).read_text(encoding="utf-8")) == []
