"""The identifier patterns the redactor and the leak check share: what they find, and what
they must leave alone so that a batch does not fail for nothing."""

import hashlib
import json

import pytest

from kiap_analysis.core.identifiers import Watchlist, public_words, texts_of
from kiap_analysis.privacy.redaction import Redactor

NAMES = Watchlist(ydernumre={"012345", "234567"},
                  names={"Mette Svarholm", "Lægerne Solbakken", "Lægerne Torvet", "Per Høj", "Bo",
                         "mette.svarholm@example.invalid"},
                  register={"048213", "061234"})


def found(text: str, watch: Watchlist = NAMES) -> list[tuple[str, str]]:
    """(kind, matched text) of everything found."""
    return [(f.kind, text[f.start:f.end]) for f in watch.find(text)]


@pytest.mark.parametrize("text, expected", [
    # names in any case, with Danish endings; whole names with any spacing
    ("spørg svarholm", "svarholm"), ("SVARHOLM ringer", "SVARHOLM"), ("Svarholms forslag", "Svarholms"),
    ("Mette   Svarholm", "Mette   Svarholm"), ("hos mette", "mette"), ("Solbakkens læger", "Solbakkens"),
    ("lægerne solbakken", "lægerne solbakken"), ("Solbakken'erne", "Solbakken"),
    ("i Torvets lokaler", "Torvets"), ("fil_svarholm_2025.csv", "svarholm"),
    # a common Danish word as a name only when capitalised
    ("spørg Per", "Per"), ("Høj sagde nej", "Høj"),
])
def test_names_are_found_in_any_form(text, expected):
    assert found(text) == [("name", expected)]


@pytest.mark.parametrize("text", [
    "henvisninger per 1.000 tilmeldte", "I høj grad", "på torvet", "Svarholmsvej",  # part of a longer word
    "Bo godt", "metteskov", "Praksis A og Klyngen samlet",
])
def test_words_that_are_not_the_names_stay(text):
    assert found(text) == []


def test_the_orders_public_words_are_never_names():
    # A practice named after its town: the municipality's name on the title slide is no leak.
    watch = Watchlist(names={"Lægehuset Fjordby", "Anna Borger"}, public=public_words(["Fjordby Kommune",
                                                                                       "Borgere med KOL"]))
    assert found("Fjordby Kommune og Borgere med KOL", watch) == []
    assert found("spørg borger og fjordby", watch) == [("name", "borger"), ("name", "fjordby")]
    assert found("Lægehuset Fjordby", watch) == [("name", "Lægehuset Fjordby")]  # the whole name still
    assert found("Lægerne i Fjordby", watch) == []  # written like a practice, but only the town


@pytest.mark.parametrize("text, expected", [
    ("ring 20.30.40.50", "20.30.40.50"), ("ring 20 30 40 50", "20 30 40 50"), ("20-30-40-50", "20-30-40-50"),
    ("tlf 20304050.", "20304050"), ("2030 4050", "2030 4050"), ("+45 20304050", "+45 20304050"),
    ("+4520304050", "+4520304050"), ("0045 20 30 40 50", "0045 20 30 40 50"), ("+45-20-30-40-50", "+45-20-30-40-50"),
    ("tlf.20.30.40.50", "20.30.40.50"), ("tlf:20304050", "20304050"), ("nr20304050", "20304050"),
])
def test_phone_numbers_with_dots_spaces_dashes_or_none(text, expected):
    assert found(text, Watchlist()) == [("phone", expected)]


@pytest.mark.parametrize("text, expected", [
    ("_0101901234", "0101901234"), ("x010190-1234", "010190-1234"), ("0101901234x", "0101901234"),
    ("pt. 010190 - 1234", "010190 - 1234"), ("010190–1234", "010190–1234"), ("cpr:0203291WQ3", "0203291WQ3"),
    ("0203291wq3", "0203291wq3"), ("anna_hansen_0101901234.csv", "0101901234"), ("(311299 1234)", "311299 1234"),
])
def test_cpr_numbers_next_to_any_non_digit(text, expected):
    assert found(text, Watchlist()) == [("cpr", expected)]


@pytest.mark.parametrize("text, numbers", [
    ("ydernr 048999", ["048999"]), ("Ydernummer: 048999", ["048999"]), ("yder nr. 048 999", ["048 999"]),
    ("yder-nr 48999", ["48999"]), ("ydernummeret 048999", ["048999"]), ("Ydernr.048999", ["048999"]),
    ("ydernumre 048997, 048998 og 048999", ["048997", "048998", "048999"]), ("yder 048999", ["048999"]),
    ("YDERNR: 4899", ["4899"]),
])
def test_anything_after_ydernr_is_a_ydernummer(text, numbers):
    assert found(text, Watchlist()) == [("ydernummer", n) for n in numbers]


def test_the_orders_and_every_registered_ydernummer():
    assert found("012345, 12345, 012 345 og 234567") == [("ydernummer", "012345"), ("ydernummer", "12345"),
                                                          ("ydernummer", "012 345"), ("ydernummer", "234567")]
    # Registered practices of any cluster: also without the leading zero, also 'ddd ddd'.
    assert found("048213 og 48213 og 061 234") == [("ydernummer", "048213"), ("ydernummer", "48213"),
                                                   ("ydernummer", "061 234")]
    assert found("048214 og 1234") == []  # not registered, and too short to be the order's


@pytest.mark.parametrize("text, expected", [
    ("Lægerne Nordlys henviser mest", "Lægerne Nordlys"), ("lægehuset ved Kildebakken", "lægehuset ved Kildebakken"),
    ("Klinik Havørn & Stær er gode", "Klinik Havørn & Stær"), ("Dr. A. Bøgelund svarer", "Dr. A. Bøgelund"),
    ("spørg læge Kirsten Hjortshøj", "læge Kirsten Hjortshøj"), ("Dr Bøgelund", "Dr Bøgelund"),
    ("Lægeklinikken Vest-Nielsen", "Lægeklinikken Vest-Nielsen"), ("Lægerne i Nørreby", "Lægerne i Nørreby"),
])
def test_unknown_names_written_like_a_practices(text, expected):
    assert found(text, Watchlist()) == [("name", expected)]


@pytest.mark.parametrize("text", [
    "lægerne henviser mest", "egen læge. Derefter", "Praksis A", "DR Nyheder", "dr.dk", "lægevagten Nord",
    "kontakt til egen læge\nKommunen svarer",  # another line (a new paragraph, cell or element)
])
def test_not_written_like_a_practices_name(text):
    assert found(text, Watchlist()) == []


SHA = hashlib.sha256(b"x").hexdigest()


@pytest.mark.parametrize("text", [
    # dates, periods, times, decimals and counts
    "12.03.2025", "2025-03-12", "1.1.2025-31.12.2025", "2025-2026", "jul. 2025-jun. 2026", "kl. 15.30-16.30",
    "telefontid 8-9", "1.234.567 og 12.345", "0.12345678", "3.20304050", "2.096711",
    # papermill's time stamps (a ydernummer once equalled the microseconds)
    '"end_time": "2026-11-23T16:37:50.096711+00:00", "duration": 2.096711',
    "2026-11-23T16:37:50.048213Z",
    # a batch run's id (a basic ISO 8601 time stamp: its date is 8 digits)
    "private/runs/20261201T224920-26578-51f7a2/fjord", "20261201T2249",
    # digests, fingerprints, UUIDs, addresses and pictures
    f"sha256 {SHA}", "code 0.1.0+3f2a20304050", "0.1.0+0101901234ab", "{5C22544A-7EE6-4342-B048-20304050AAAA}",
    "12345678-0101-9012-3456-204820304050", "<Figure at 0x7f3a20304050>",
    "data:image/png;base64,iVBORw0KGgo0101901234AAAA20304050+/048213==",
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk0101901234AAAAFAAH048213\nAAB20304050",
    # markers left by the redactor
    "[navn] [telefon] [CPR] [e-mail] ydernr [ydernummer] 2025",
])
def test_what_is_not_an_identifier(text):
    assert found(text) == []


def test_an_e_mail_address_is_found_as_one():
    assert found("skriv til mette.svarholm@example.invalid") == [("email", "mette.svarholm@example.invalid")]


def test_redacting_uses_the_same_findings():
    redact = Redactor(**{f: getattr(NAMES, f) for f in ("ydernumre", "names", "register")})
    assert redact("spørg svarholm på 20.30.40.50 om ydernr 048999, 061234 og Lægerne Nordlys") == (
        "spørg [navn] på [telefon] om ydernr [ydernummer], [ydernummer] og [navn]")
    assert redact.adding_names(["Karen Sekretærsen"])("karen sekretærsens bil") == "[navn] bil"
    assert "Svarholm" not in repr(redact) and "048213" not in repr(redact)  # never shown in a notebook


def test_texts_of_a_nested_structure():
    assert sorted(texts_of({"a": ("x", ["y", 3]), "b": {"c": "z"}})) == ["a", "b", "c", "x", "y", "z"]
    assert json.dumps(sorted(public_words(["Fjordby Kommune, 2025", "I høj grad"]))) == json.dumps(
        sorted(["Fjordby", "Kommune", "I", "høj", "grad"]))
