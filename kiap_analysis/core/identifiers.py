"""What identifying data looks like, defined once for the redactor and the leak check.

``Watchlist.find(text)`` returns every stretch of a text that is, or may be, an identifier:
CPR numbers, e-mail addresses, Danish phone numbers, ydernumre (the order's own, any number
after 'ydernr' and the like, and any number whose keyed digest is in a pseudonym register),
names (the inputs' names in any case and with Danish endings) and words written like a
practice's name ('Lægerne Solbakken', 'Dr. Holm'). The redactor (``redaction``) replaces what
it finds with markers; the leak check (``leakcheck``) fails an order whose outputs still hold
any of it. Both call this, so they cannot disagree about a shape.

What is *not* an identifier, so that the leak check does not fail an order for nothing: a
number inside a longer number or a decimal fraction ('16:37:50.096711', '2.096711'), anything
inside a digest, a UUID, a hex address or base64 data, a year range ('2025-2026') and a date
('12.03.2025'). No pandas here: the batch workers use it on error messages.
Rules and their reasons: docs/privacy.md.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Container, Iterable, Iterator, Mapping
from dataclasses import dataclass, field

# A rule says why a stretch was found; its kind is what it is (one marker per kind).
KINDS = {
    "cpr": "cpr", "email": "email", "phone": "phone",
    "ydernummer": "ydernummer", "ydernummer_after_word": "ydernummer", "ydernummer_registered": "ydernummer",
    "name": "name", "practice_shape": "name",
}  # fmt: skip

_UPPER = "A-ZÆØÅÉÜÖÄ"
_LOWER = "a-zæøåéüöä"
# A name starts and ends at the edge of a word: no letter or digit (and no marker bracket) next to it.
# '_' is an edge, so names in file names such as 'anna_hansen.csv' are found.
_EDGE_BEFORE = r"(?<![^\W_])(?<!\[)"
_EDGE_AFTER = r"(?![^\W_])(?!\])"
# A number is not part of a longer number, nor the fraction or integer part of a decimal
# ('.' only: a comma between digits is as often a CSV delimiter as a decimal comma).
_NUMBER_BEFORE = r"(?<!\d)(?<!\d\.)"
_NUMBER_AFTER = r"(?!\d)(?!\.\d)"

# DDMMYY, an optional dash or space, then 4 digits or a replacement number's digit, two
# letters or digits and a digit (0203291WQ3). Next to any non-digit: '_0101901234' and
# 'x010190-1234' are CPR numbers. The modulus-11 check is not used: it has not held since 2007.
CPR = re.compile(_NUMBER_BEFORE + r"(?:0[1-9]|[12]\d|3[01])(?:0[1-9]|1[0-2])\d{2}"
                 r"[ \t]?[-–‐‑]?[ \t]?(?:\d{4}|\d[0-9A-Za-z]{2}\d)" + _NUMBER_AFTER)
EMAIL = re.compile(r"[\w.%+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}")
# 8 digits, with or without +45/0045: in pairs with the same separator (space, dot, dash or
# none: '20 30 40 50', '20.30.40.50', '20304050') or in fours ('2030 4050'), but not a year
# range ('2025-2026'). A date ('12.03.2025') has no consistent pairs.
PHONE = re.compile(
    _NUMBER_BEFORE + r"(?:(?:\+|00)[ ]?45[ .-]?)?"
    r"(?:\d{2}(?P<sep>[ .-]?)\d{2}(?P=sep)\d{2}(?P=sep)\d{2}"
    r"|(?!(?:19|20)\d\d[ .-](?:19|20)\d\d(?!\d))\d{4}[ .-]\d{4})" + _NUMBER_AFTER)
# The number (or list of numbers) after 'ydernr', 'ydernummer', 'yder nr', 'yder-nr', ...
_YDER_NUMBER = r"(?:\d{4,8}|\d{2,3}(?:[ .]\d{2,3}){1,2})" + _NUMBER_AFTER
AFTER_YDER_WORD = re.compile(
    _EDGE_BEFORE + r"(?i:yder[ \t-]?(?:nr|nummer(?:et|s)?|numre(?:ne)?)\.?|yd\.[ \t]?nr\.?)[ \t]*[:#=.-]?[ \t]*"
    r"(?P<numbers>" + _YDER_NUMBER + r"(?:[ \t]*(?:,|/|&|og|eller)[ \t]*" + _YDER_NUMBER + r")*)"
    r"|" + _EDGE_BEFORE + r"(?i:yder)[ \t]*[:#]?[ \t]*(?P<bare>\d{5,6})" + _NUMBER_AFTER)
_ONE_YDER_NUMBER = re.compile(_YDER_NUMBER)
# Any 5- or 6-digit number (or 'ddd ddd'): a ydernummer when its digest is in a register.
NUMBER_CANDIDATE = re.compile(_NUMBER_BEFORE + r"(?:\d{5,6}|\d{3} \d{3})" + _NUMBER_AFTER)

# Written like a practice's or a doctor's name: a title word, then capitalised name words
# ('Lægerne Solbakken', 'Lægehuset ved Torvet', 'Klinik Hansen & Holm', 'Dr. A. Berg',
# 'læge Kirsten Mølgaard'). 'Praksis' is no title word: 'Praksis A' is a pseudonym.
_TITLE = (r"(?:(?i:lægerne|lægehuset|lægehus|lægeklinikken|lægeklinik|lægecentret|lægecenteret|lægecenter|"
          r"lægepraksissen|lægepraksis|klinikken|klinik|lægen|læge|doktor)|Dr\.?|dr\.)")
_NAME_WORD = rf"(?:[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}{_LOWER}][{_LOWER}]+)*|[{_UPPER}]\.)"
PRACTICE_SHAPE = re.compile(
    _EDGE_BEFORE + _TITLE + r"(?:[ \t]+(?:i|på|ved|v\.))?[ \t]+"
    rf"(?P<words>{_NAME_WORD}(?:[ \t]+(?:(?:og|&|i|på|ved|v\.)[ \t]+)?{_NAME_WORD})*)" + _EDGE_AFTER)

# Danish endings a name takes in running text: possessive (Hansens, Lars'), definite
# (Torvet -> Torvets, Bakke -> Bakken, Bakkens) and plural forms (Hansen'erne is rare; -erne,
# -ene, -er, -e are not).
NAME_ENDINGS = ("ernes", "enes", "erne", "ene", "ens", "ets", "ers", "en", "et", "er", "es", "ne", "ns", "ts",
                "rs", "'s", "’s", "s", "e", "n", "t", "r", "'", "’")
# A bare apostrophe is a possessive only after s, x or z ('Lars''); after another letter it is a
# closing quote ("column 'Noter om Birkholm'"), which stays.
_ENDING = "(?:" + "|".join(re.escape(e) if e not in ("'", "’") else rf"(?<=[sxzSXZ]){re.escape(e)}"
                           for e in NAME_ENDINGS) + ")?"

# Words of a practice's or a person's name that are never matched on their own: the title
# words and particles of practice names.
GENERIC_WORDS = {
    "læge", "lægen", "lægerne", "lægehuset", "lægehus", "lægeklinik", "lægeklinikken", "lægecenter",
    "lægecentret", "lægepraksis", "praksis", "praksissen", "klinik", "klinikken", "sundhedshus", "sundhedshuset",
    "og", "i", "ved", "v", "på", "den", "det", "de", "af", "til", "for", "navn", "name", "dr", "doktor",
    "speciallæge", "almen", "medicin", "praktiserende",
}  # fmt: skip
# Danish words that are also names (first names, surnames, parts of practice and place
# names). Lower case, such a word is the word, not the name: it is matched only when it is
# capitalised ('Per', 'Høj', 'Torvet'), which also keeps 'per 1.000' and 'I høj grad' on the slides.
COMMON_WORDS = frozenset("""
januar februar marts april maj juni juli august september oktober november december
mandag tirsdag onsdag torsdag fredag lørdag søndag
man han hun hans dem der her hvor som med fra men kan vil skal har var ikke alle nej tak max
per tom line liv sol gry lærke rosa rose storm birk ask sten kaj karl svend tage tore anker aksel rune
helle ebbe ester frank mark vita signe kamp lykke gram jul kruse
lund skov holm holme dam bak bakke bakken berg bjerg dal dalen eng engen ager hede heden mose mosen
kær kjær strand stranden bro broen bæk bækken søen åen hav havet havn havnen fjord fjorden næs vig
vang toft have haven park parken slot slottet borg gård gården gaard hus huset mølle møllen kirke kirken
skole skolen torv torvet vej vejen gade gaden byen land høj højen lille stor lang lange kort ny gammel
gamle nord syd øst vest midt centrum city nørre sønder øster vester hvid sort brun grøn rød blå glad
rask sund fri from ung vinter sommer frost sne vind kyst klint bonde smed møller skytte munk præst post
bager kok kirk lind eg ege busk kvist gren lilje blom ring krog hald vad sand ravn due svane falk ørn
hjort krage stær fugl fisk fisker bjørn ulv ræv hare lyng brink bang bille kloster degn foged
""".split())  # noqa: SIM905 (a list of 200 quoted words reads worse)
MIN_WORD = 3  # shorter words ('Bo', 'Ib') are too ambiguous to redact on their own


@dataclass(frozen=True)
class Found:
    rule: str  # why: one of KINDS
    start: int
    end: int

    @property
    def kind(self) -> str:
        return KINDS[self.rule]


def _as_set(values: Iterable[str] | None) -> frozenset[str]:
    return frozenset(str(v) for v in values or () if v is not None)


@dataclass(frozen=True)
class Watchlist:
    """The identifiers one order must not publish, and how to find them in a text.

    ``ydernumre``: the order's practices; ``names``: practice, respondent and listed names
    (an e-mail address among them is found as an e-mail address); ``public``: the words the
    order publishes on purpose (its id, cluster, municipality and package texts, exact as
    written: see ``public_words``), never taken for a name; ``register``: answers whether a
    ydernummer is any cluster's practice (``pseudonyms.registered_ydernumre``).
    """

    ydernumre: frozenset[str] = field(default=frozenset(), repr=False)
    names: frozenset[str] = field(default=frozenset(), repr=False)
    public: frozenset[str] = field(default=frozenset(), repr=False)
    register: Container[str] | None = field(default=None, repr=False, compare=False)
    _rules: tuple = field(default=(), init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("ydernumre", "names", "public"):
            object.__setattr__(self, name, _as_set(getattr(self, name)))
        rules: list[tuple[str, re.Pattern[str]]] = [("email", EMAIL), ("cpr", CPR), ("phone", PHONE),
                                                    ("ydernummer_after_word", AFTER_YDER_WORD)]
        own = ydernummer_pattern(self.ydernumre)
        if own is not None:
            rules.append(("ydernummer", own))
        names = name_pattern(self.names)
        if names is not None:
            rules.append(("name", names))
        rules.append(("practice_shape", PRACTICE_SHAPE))
        object.__setattr__(self, "_rules", tuple(rules))

    def adding_names(self, names: Iterable[str]) -> Watchlist:
        """The same watchlist with more names (e.g. a survey's respondents)."""
        return dataclasses.replace(self, names=self.names | _as_set(names))

    def find(self, text: str) -> list[Found]:
        """Every identifier in ``text``, in order, none overlapping another (the longest wins)."""
        opaque = _opaque_spans(text)
        found = [f for rule, pattern in self._rules for f in self._matches(rule, pattern, text)]
        if self.register is not None:
            for match in NUMBER_CANDIDATE.finditer(text):
                if match.group().replace(" ", "").zfill(6) in self.register:
                    found.append(Found("ydernummer_registered", *match.span()))
        return _leftmost_longest(f for f in found if not _inside(opaque, f.start, f.end))

    def _matches(self, rule: str, pattern: re.Pattern[str], text: str) -> Iterator[Found]:
        for match in pattern.finditer(text):
            if rule == "ydernummer_after_word":
                if match.group("bare"):
                    yield Found(rule, *match.span("bare"))
                    continue
                start = match.start("numbers")
                for number in _ONE_YDER_NUMBER.finditer(match.group("numbers")):
                    yield Found(rule, start + number.start(), start + number.end())
            elif rule == "name" and match.group() in self.public:
                continue  # published on purpose: the cluster's, the municipality's or the package's word
            elif rule == "practice_shape" and all(w in self.public or w in GENERIC_WORDS
                                                  for w in re.findall(r"[^\W\d_]+", match.group("words"))):
                continue
            else:
                yield Found(rule, *match.span())


def _leftmost_longest(found: Iterable[Found]) -> list[Found]:
    chosen: list[Found] = []
    for item in sorted(found, key=lambda f: (f.start, -(f.end - f.start))):
        if not chosen or item.start >= chosen[-1].end:
            chosen.append(item)
    return chosen


# Stretches that hold no readable text: data URIs and base64 runs (pictures; wrapped in lines
# of 40 characters or more, the last line shorter), UUIDs, hex
# addresses ('0x7f3a...'), digests and fingerprints (12 or more hex digits, letters among
# them: the code version's '17d634a76dd2' would hold a phone number one time in ten), and
# basic ISO 8601 time stamps ('20261201T224920', as in a batch run's id: the date is 8 digits).
_OPAQUE = re.compile(
    r"(?<![0-9A-Za-z])(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])T\d{4}(?:\d{2})?(?![0-9])|"
    r"data:[\w/+.-]+;base64,[A-Za-z0-9+/=]+(?:(?:\\n|\r?\n)[A-Za-z0-9+/]{40,}={0,2})*"
    r"|(?<![0-9A-Za-z])[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}(?![0-9A-Za-z])"
    r"|(?<![0-9A-Za-z])0x[0-9a-fA-F]+"
    r"|(?<![0-9A-Za-z])(?=[0-9a-fA-F]*[a-fA-F])(?=[0-9a-fA-F]*\d)[0-9a-fA-F]{12,}(?![0-9A-Za-z])"
    r"|(?:[A-Za-z0-9+/]{40,}={0,2}(?:\\n|\r?\n)?)+(?:[A-Za-z0-9+/]+={0,2}(?=\\n|\r?\n|[\"'<)]|$))?")


def _opaque_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _OPAQUE.finditer(text)]


def _inside(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of the (sorted, disjoint) spans."""
    at = bisect.bisect_right(spans, (start, float("inf"))) - 1
    return any(0 <= i < len(spans) and spans[i][0] < end and start < spans[i][1] for i in (at, at + 1))


def ydernummer_pattern(ydernumre: Iterable[str]) -> re.Pattern[str] | None:
    """The order's ydernumre, also as 'ddd ddd' and without the leading zero Excel drops
    (when 5 digits are left: '012345' -> '12345'; a shorter rest would be any number)."""
    forms = set()
    for number in ydernumre:
        digits = re.sub(r"\D", "", number)
        if not digits:
            continue
        forms.add(re.escape(digits[:-3]) + "[ ]?" + re.escape(digits[-3:]) if len(digits) == 6 else re.escape(digits))
        stripped = digits.lstrip("0")
        if len(stripped) >= 5 and stripped != digits:
            forms.add(re.escape(stripped))
    if not forms:
        return None
    return re.compile(_NUMBER_BEFORE + "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")" + _NUMBER_AFTER)


def name_words(name: str) -> list[str]:
    """The distinctive words of a name: 3 letters or more, capitalised in the list (or the
    whole name written in lower case), not a title word or particle."""
    words = re.split(r"[\s,./()&'’\"-]+", name)
    lower = name == name.lower()
    return [w for w in words if len(w) >= MIN_WORD and w[:1].isalpha() and (lower or w[:1].isupper())
            and w.casefold() not in GENERIC_WORDS]


def name_pattern(names: Iterable[str]) -> re.Pattern[str] | None:
    """Whole names and their distinctive words, in any case and with Danish endings; a word
    that is also a common Danish word only when capitalised."""
    full, anycase, capitalised = set(), set(), set()
    for name in names:
        name = " ".join(str(name).split())
        if len(name) < MIN_WORD or name.casefold() in GENERIC_WORDS or "@" in name:
            continue
        full.add(r"\s+".join(map(re.escape, name.split())))
        for word in name_words(name):
            (capitalised if word.casefold() in COMMON_WORDS else anycase).add(word.casefold())
    if not full:
        return None
    alternatives = [f"(?i:{n}{_ENDING})" for n in sorted(full, key=len, reverse=True)]
    alternatives += [f"(?i:{re.escape(w)}{_ENDING})" for w in sorted(anycase, key=len, reverse=True)]
    alternatives += [f"{re.escape(w[0].upper())}(?i:{re.escape(w[1:])}{_ENDING})"
                     for w in sorted(capitalised, key=len, reverse=True)]
    return re.compile(_EDGE_BEFORE + "(?:" + "|".join(alternatives) + ")" + _EDGE_AFTER)


def public_words(texts: Iterable[str]) -> frozenset[str]:
    """The words of texts an order publishes on purpose, exact as written ('Fjordby',
    'borgere'): a name word written the same way there is not taken for a name."""
    return frozenset(w for text in texts for w in re.findall(r"[^\W\d_]+", str(text)))


def texts_of(value: object) -> Iterator[str]:
    """Every string in a (nested) dataclass, mapping or sequence: e.g. a package spec's texts."""
    if isinstance(value, str):
        yield value
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for item in dataclasses.fields(value):
            yield from texts_of(getattr(value, item.name))
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from texts_of(key)
            yield from texts_of(item)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from texts_of(item)
