"""The analysis settings are read at call time: an override reaches every function."""

import dataclasses

import pytest

from kiap_analysis.core import config
from kiap_analysis.core.config import Settings, override_settings, settings


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
