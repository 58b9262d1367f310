"""Keyed practice pseudonyms: HMAC-SHA256 digests and a persistent letter register per cluster.

An unkeyed hash of a ydernummer is reversed by hashing every ydernummer (ENISA 2019), so the
digest is keyed. The key comes from $KIAP_PSEUDONYM_KEY or <private>/pseudonym.key; it is
created on the very first run and never written under reports/ or passed to a notebook.
Letters ("Praksis A", "Praksis B", ...) live in <private>/pseudonyms/<cluster>.json, keyed by
digest: a practice keeps its letter in follow-up orders, a new practice gets the next
unused letter, and a register made with another key is a hard error.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import hmac
import json
import os
import secrets
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from kiap_analysis.core.config import ENV_KEY
from kiap_analysis.core.errors import PseudonymKeyError
from kiap_analysis.core.fileio import write_text
from kiap_analysis.core.spec import slug

KEY_FILE = "pseudonym.key"
REGISTER_DIR = "pseudonyms"
_KEY_CHECK = b"kiap-workbook pseudonym key check"


def key_path(private: Path) -> Path:
    return private / KEY_FILE


def load_key(private: Path, create: bool = True) -> bytes:
    """The pseudonym key; created (with a message) only when no register exists yet."""
    env = os.environ.get(ENV_KEY, "").strip()
    if env:
        return env.encode("utf-8")
    path = key_path(private)
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if not key:
            raise PseudonymKeyError(f"the pseudonym key file {path} is empty; restore it from your backup")
        return key.encode("utf-8")
    registers = sorted((private / REGISTER_DIR).glob("*.json"))
    if registers:
        raise PseudonymKeyError(
            f"the pseudonym key is missing: neither ${ENV_KEY} nor {path} is set, but "
            f"{len(registers)} pseudonym register(s) exist in {private / REGISTER_DIR}. Without the "
            "key the practices cannot keep their letters. Restore the key file from your backup "
            f"or set ${ENV_KEY}; do not create a new key."
        )
    if not create:
        raise PseudonymKeyError(f"no pseudonym key: set ${ENV_KEY} or create {path}")
    private.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    with _locked(private / ".key.lock"):
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(key + "\n")
            print(
                f"kiap: created a new pseudonym key in {path}. Keep it (and back it up) for as long "
                "as follow-up orders may come: practices keep their letters only with this key. "
                "Never share it or put it under reports/.",
                file=sys.stderr,
            )
    return path.read_text(encoding="utf-8").strip().encode("utf-8")


def practice_digest(key: bytes, ydernummer: str) -> str:
    """HMAC-SHA256 of a ydernummer under the key (hex)."""
    return hmac.new(key, ydernummer.encode("utf-8"), hashlib.sha256).hexdigest()


def respondent_digest(key: bytes, link: str) -> str:
    """HMAC-SHA256 of what links a respondent between rounds (``ingest.survey.link_key``): an
    e-mail never leaves the reader in the clear, and the digest is useless without the key."""
    return hmac.new(key, f"respondent-link:{link}".encode(), hashlib.sha256).hexdigest()


def patient_digest(key: bytes, cpr: str) -> str:
    """HMAC-SHA256 of a CPR number (digits and letters only, so '010190-1234' and '0101901234'
    agree) under the key: it links a patient's admissions to count readmissions and is never
    stored or published."""
    compact = "".join(ch for ch in cpr.upper() if ch.isalnum())
    return hmac.new(key, f"patient:{compact}".encode(), hashlib.sha256).hexdigest()


def key_check(key: bytes) -> str:
    """A value that tells whether a register was made with this key, without revealing it."""
    return hmac.new(key, _KEY_CHECK, hashlib.sha256).hexdigest()[:32]


def letter(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def practice_label(code: str) -> str:
    return f"Praksis {code}"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class PseudonymRegister:
    """The letters of one cluster's practices, persisted under the private folder."""

    def __init__(self, private: Path, cluster: str, key: bytes):
        self.path = private / REGISTER_DIR / f"{slug(cluster) or 'klynge'}.json"
        self.cluster = cluster
        self.key = key

    def _read(self) -> dict:
        if not self.path.exists():
            return {"cluster": self.cluster, "key_check": key_check(self.key), "letters": {}}
        data = json.loads(self.path.read_text(encoding="utf-8"))
        if data.get("key_check") != key_check(self.key):
            raise PseudonymKeyError(
                f"the pseudonym key does not match the register of cluster '{self.cluster}' "
                f"({self.path}): it was made with another key. Use the key the baseline was run "
                f"with (${ENV_KEY} or the key file); a new key would give every practice a new letter."
            )
        return data

    def letters(self) -> dict[str, str]:
        """digest -> letter, as registered so far."""
        return dict(self._read()["letters"])

    def assign(self, ydernumre: Iterable[str]) -> dict[str, str]:
        """ydernummer -> letter; registered practices keep theirs, new ones get the next letters."""
        ydernumre = sorted(set(ydernumre))
        digests = {y: practice_digest(self.key, y) for y in ydernumre}
        with _locked(self.path.with_suffix(".lock")):
            data = self._read()
            letters: dict[str, str] = data["letters"]
            used = set(letters.values())
            index = 0
            new = sorted(d for d in digests.values() if d not in letters)
            for digest in new:
                while letter(index) in used:
                    index += 1
                letters[digest] = letter(index)
                used.add(letter(index))
            if new or not self.path.exists():
                write_text(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
        return {y: letters[d] for y, d in digests.items()}


@dataclass(frozen=True)
class RegisteredYdernumre:
    """Whether a number is the ydernummer of a practice in any cluster's register: its keyed
    digest is looked up, so no ydernummer is held (``'012345' in registered``)."""

    key: bytes = field(repr=False)
    digests: frozenset[str] = field(repr=False)

    def __contains__(self, ydernummer: object) -> bool:
        return isinstance(ydernummer, str) and practice_digest(self.key, ydernummer) in self.digests

    def __len__(self) -> int:
        return len(self.digests)


def registered_ydernumre(private: Path) -> RegisteredYdernumre | None:
    """Every cluster's registered practices, or None when no register exists yet.

    A register exists only with a key, so a missing key is the same hard error as for a
    referral order; a register made with another key is one too (its practices could not be
    recognised in free text).
    """
    registers = sorted((private / REGISTER_DIR).glob("*.json"))
    if not registers:
        return None
    key = load_key(private, create=False)
    digests: set[str] = set()
    for path in registers:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("key_check") != key_check(key):
            raise PseudonymKeyError(
                f"the pseudonym register {path} was made with another key than the current one "
                f"(${ENV_KEY} or the key file): its practices' ydernumre cannot be recognised. Use the "
                "key it was made with, or move a register that does not belong here out of the folder.")
        digests |= set(data.get("letters", {}))
    return RegisteredYdernumre(key, frozenset(digests))
