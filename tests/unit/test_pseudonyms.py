"""Keyed pseudonyms: stable letters across rounds, hard errors for a missing or changed key."""

import hashlib
import os
import stat

import pytest

from kiap_analysis.core.config import ENV_KEY
from kiap_analysis.core.errors import PseudonymKeyError
from kiap_analysis.privacy.pseudonyms import (
    PseudonymRegister,
    letter,
    load_key,
    practice_digest,
)


def test_digest_is_keyed():
    one, other = practice_digest(b"key-1", "012345"), practice_digest(b"key-2", "012345")
    assert one != other and len(one) == 64
    assert one == practice_digest(b"key-1", "012345")
    assert one != hashlib.sha256(b"012345").hexdigest()  # an unkeyed hash is reversible by brute force


def test_letters_run_past_z():
    assert [letter(i) for i in (0, 1, 25, 26, 27, 51, 52)] == ["A", "B", "Z", "AA", "AB", "AZ", "BA"]


def test_practices_keep_their_letters_across_rounds(tmp_path):
    register = PseudonymRegister(tmp_path, "Fjordklyngen", b"secret")
    first = register.assign(["111111", "222222", "333333", "444444"])
    assert sorted(first.values()) == ["A", "B", "C", "D"]
    # Follow-up: rows reordered, 222222 closed, 555555 new.
    second = PseudonymRegister(tmp_path, "Fjordklyngen", b"secret").assign(["444444", "555555", "111111",
                                                                               "333333"])
    assert {y: second[y] for y in ("111111", "333333", "444444")} == {
        y: first[y] for y in ("111111", "333333", "444444")}
    assert second["555555"] == "E"  # the next unused letter; 222222's letter is not reused
    assert PseudonymRegister(tmp_path, "Åklyngen", b"secret").assign(["555555"]) == {"555555": "A"}
    assert "111111" not in (tmp_path / "pseudonyms" / "fjordklyngen.json").read_text()


def test_a_changed_key_is_a_hard_error(tmp_path):
    PseudonymRegister(tmp_path, "Fjordklyngen", b"secret").assign(["111111"])
    with pytest.raises(PseudonymKeyError, match="does not match the register of cluster 'Fjordklyngen'"):
        PseudonymRegister(tmp_path, "Fjordklyngen", b"another").assign(["111111"])


def test_key_is_created_once_with_a_message_and_missing_key_is_an_error(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv(ENV_KEY, raising=False)
    key = load_key(tmp_path)
    assert "created a new pseudonym key" in capsys.readouterr().err
    assert stat.S_IMODE(os.stat(tmp_path / "pseudonym.key").st_mode) == 0o600
    assert load_key(tmp_path) == key
    PseudonymRegister(tmp_path, "Fjordklyngen", key).assign(["111111"])
    (tmp_path / "pseudonym.key").unlink()
    with pytest.raises(PseudonymKeyError, match=r"the pseudonym key is missing.*do not create a new key"):
        load_key(tmp_path)
    monkeypatch.setenv(ENV_KEY, key.decode())
    assert load_key(tmp_path) == key


def test_every_clusters_registered_ydernumre_are_recognised_by_their_digest(tmp_path, monkeypatch):
    from kiap_analysis.privacy.pseudonyms import registered_ydernumre

    monkeypatch.setenv(ENV_KEY, "secret")
    assert registered_ydernumre(tmp_path) is None  # no register yet: nothing to recognise
    PseudonymRegister(tmp_path, "Fjordklyngen", b"secret").assign(["111111", "222222"])
    PseudonymRegister(tmp_path, "Åklyngen", b"secret").assign(["333333"])
    known = registered_ydernumre(tmp_path)
    assert len(known) == 3 and "333333" in known and "111111" in known and "444444" not in known
    assert "111111" not in repr(known) and "secret" not in repr(known)
    monkeypatch.setenv(ENV_KEY, "another")
    with pytest.raises(PseudonymKeyError, match="was made with another key"):
        registered_ydernumre(tmp_path)
    monkeypatch.delenv(ENV_KEY)
    with pytest.raises(PseudonymKeyError, match="the pseudonym key is missing"):
        registered_ydernumre(tmp_path)
