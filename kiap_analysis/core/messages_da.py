"""The Danish text of the workbook's messages, in one place.

Messages are written in English where they are made (``Problem(file, message, fix)``; run.log
and the tests keep them); what a reader sees (the report, reports/index.html, the command
line) shows them in Danish. Each entry of ``MESSAGES`` and ``FIXES`` is a regular expression
on the English text and its Danish template (named groups carry file names, letters, numbers
and ids across). A message without an entry keeps a Danish frame (place, "Løsning:") around
its English text, and ``untranslated`` tells a test which those are.
"""

from __future__ import annotations

import re

from kiap_analysis.core.errors import Problem
from kiap_analysis.core.formatting import number

NBSP = "\u00a0"

_RULES_DA = {
    "non_respondent": "ingen svar (ikke-respondent)",
    "uncounted_answers": "svar, der ikke kan tælles",
    "duplicate_respondent": "dublet af respondent (samme id)",
    "unknown_answer": "svar, der ikke passer til spørgsmålets svarmuligheder",
    "total_row": "totalrække (I alt)",
    "outside_period": "henvisning uden for perioden",
    "no_offer": "række uden tilbud",
}


def _rows_da(text: str) -> str:
    """'rows 5, 9 and 3 more' -> 'række 5, 9 og 3 til'."""
    text = re.sub(r"^rows? ", "række ", text)
    return re.sub(r" and (\d+) more$", r" og \1 til", text)


def _limit_da(text: str) -> str:
    """'10 % of the rows with answers, from 3' -> '10 % af rækkerne med svar, fra 3'."""
    text = (text.replace(" % of the rows with answers", f"{NBSP}% af rækkerne med svar")
            .replace(" % of the answers", f"{NBSP}% af svarene").replace(" referral rows", " henvisningsrækker"))
    return text.replace(", from ", ", fra ")


def _share_da(text: str) -> str:
    """'3 of 20 rows with answers' / '3 of 40 answers to q2' in Danish."""
    text = re.sub(r"^(\d+) of (\d+) rows with answers", r"\1 af \2 rækker med svar", text)
    text = re.sub(r"^(\d+) of (\d+) answers to ", r"\1 af \2 svar på ", text)
    return re.sub(r"^(\d+) of (\d+) referral rows", r"\1 af \2 henvisningsrækker", text)


def _loss(groups: dict[str, str]) -> dict[str, str]:
    return {**groups, "rule": _RULES_DA.get(groups["key"], groups["ruletext"]), "share": _share_da(groups["share"]),
            "rows": _rows_da(groups["rows"]), "limit": _limit_da(groups.get("limit") or "")}


_LOSS = r"rule (?P<key>\w+) \((?P<ruletext>.*?)\) dropped (?P<share>.+?), (?P<rows>rows? [\d, ]+(?: and \d+ more)?)"

# (English pattern, Danish template, optional transformation of the groups)
MESSAGES: list[tuple[str, str, object]] = [
    (r"(?P<practice>Praksis \w+) has 0 or no listed patients: no rate \('ikke beregnet'\)",
     "{practice} har 0 eller ingen tilmeldte patienter: ingen rate ('ikke beregnet')", None),
    (r"(?P<practice>Praksis \w+) has referrals but is not in the listed-patients file: no rate \('ikke beregnet'\)",
     "{practice} har henvisninger, men står ikke i filen med tilmeldte patienter: ingen rate ('ikke beregnet')",
     None),
    (r"the order does not say how many were invited; the export lists (?P<n>\d+), which is used",
     "bestillingen siger ikke, hvor mange der blev inviteret; eksporten oplyser {n}, som bruges", None),
    (r"invited: (?P<a>\d+), but the export lists (?P<b>\d+) people the survey was sent to \((?P<file>.+)\); "
     r"(?P<c>\d+) is used",
     "invited: {a}, men eksporten oplyser {b} personer, som spørgeskemaet blev sendt til ({file}); {c} bruges",
     None),
    (r"invited: (?P<a>\d+), but (?P<b>\d+) respondents answered \((?P<file>.+)\): the response rate would be "
     r"(?P<p>\d+) %",
     "invited: {a}, men {b} respondenter svarede ({file}): svarprocenten ville være {p}" + NBSP + "%", None),
    (r"order (?P<id>\S+) does not say how many were invited, and the export does not list them: the response "
     r"rate and 'n = \.\.\. af \.\.\. inviterede' cannot be given",
     "ordre {id} siger ikke, hvor mange der blev inviteret, og eksporten oplyser det ikke: svarprocenten og "
     "'n = ... af ... inviterede' kan ikke angives", None),
    (r"(?P<offer>.+) is only in the (?P<where>baseline|follow-up)'s referral data \(new or renamed\): it is "
     r"shown for the (?P=where) only, without a change since the (?P<other>baseline|follow-up)",
     "{offer} findes kun i {where_da}s henvisningsdata (nyt eller omdøbt): det vises kun for {where_da}, uden "
     "en ændring siden {other_da}", "rounds"),
    (r"question (?P<q>\S+) changed since the baseline order (?P<id>\S+) \((?P<what>.+)\): both rounds are shown "
     r"side by side without a change statement",
     "spørgsmål {q} er ændret siden basismålingens ordre {id} ({what}): begge runder vises side om side uden "
     "en vurdering af ændringen", None),
    (r"question (?P<q>\S+) of the baseline order (?P<id>\S+) is not in the follow-up: it is not compared",
     "spørgsmål {q} fra basismålingens ordre {id} er ikke med i opfølgningen: det sammenlignes ikke", None),
    (r"order (?P<id>\S+) or its baseline has no period: the rate ratio assumes periods of the same length",
     "ordre {id} eller dens basismåling har ingen periode: rateratioen forudsætter lige lange perioder", None),
    (r"the baseline's period has (?P<a>\d+) days and the follow-up's (?P<b>\d+): the rate ratio is per patient "
     r"and day, the rates per period",
     "basismålingens periode har {a} dage og opfølgningens {b}: rateratioen er pr. patient og dag, raterne pr. "
     "periode", None),
    (_LOSS + r"; accepted by the order \(accept_loss: \w+: (?P<reason>.*)\)",
     "reglen {key} ({rule}) udelod {share}, {rows}; accepteret i bestillingen (accept_loss: {key}: {reason})",
     _loss),
    (_LOSS + r": more than the limit \((?P<limit>.+)\), so the order stops",
     "reglen {key} ({rule}) udelod {share}, {rows}: mere end grænsen ({limit}), så ordren stopper", _loss),
    (_LOSS + r" \(within the limit: (?P<limit>.+)\)",
     "reglen {key} ({rule}) udelod {share}, {rows} (inden for grænsen: {limit})", _loss),
    (r"column '(?P<c>.+)' holds no counts and is not read",
     "kolonnen '{c}' indeholder ingen tal og læses ikke", None),
    (r"column '(?P<c>.+)' names no offer of the package; it is shown under its own name",
     "kolonnen '{c}' er ikke et af pakkens tilbud; den vises under sit eget navn", None),
    (r"an offer in the file \(text\) is not one of the package's offers; it is shown on the slides under the "
     r"name the file gives it \(first in this row\)",
     "et tilbud i filen (tekst) er ikke et af pakkens tilbud; det vises på slides under det navn, filen giver "
     "det (første gang i denne række)", None),
    (r"column '(?P<c>.+)' matches no question of the package and is not read",
     "kolonnen '{c}' passer ikke til nogen af pakkens spørgsmål og læses ikke", None),
    (r"survey_map names question '(?P<q>.+)' \(column '(?P<c>.+)'\), which package (?P<p>\S+) does not have; "
     r"the entry is not used",
     "survey_map nævner spørgsmålet '{q}' (kolonnen '{c}'), som pakken {p} ikke har; linjen bruges ikke", None),
    (r"survey_map names question '(?P<q>.+)', which the package does not have",
     "survey_map nævner spørgsmålet '{q}', som pakken ikke har", None),
    (r"question (?P<q>\S+) \((?P<t>.+)\) (?:has no column in the export|is not in the export); it is shown as "
     r"'ingen svar'",
     "spørgsmål {q} ({t}) findes ikke i eksporten; det vises som 'ingen svar'", None),
    (r"(?P<n>\d+) answer\(s\) \((?P<what>.+)\) in column '(?P<c>.+)' match no answer of the question and are "
     r"left out",
     "{n} svar ({what}) i kolonnen '{c}' passer ikke til spørgsmålets svarmuligheder og udelades", None),
    (r"an option \((?P<o>.+)\) of (?P<q>\S+) \((?P<v>.+)\) matches no option of the package's question and is "
     r"not counted",
     "en svarmulighed ({o}) i {q} ({v}) passer ikke til pakkens spørgsmål og tælles ikke", None),
    (r"answer code (?P<code>.+?) \((?P<t>.+)\) of (?P<q>\S+) \((?P<v>.+)\) matches no answer of the package's "
     r"question; answers with it are left out",
     "svarkoden {code} ({t}) i {q} ({v}) passer ikke til pakkens spørgsmål; svar med den udelades", None),
    (r"(?P<a>\S+) and (?P<b>\S+) both feed (?P<q>\S+); (?P=a) is not read",
     "{a} og {b} hører begge til {q}; {a} læses ikke", None),
    (r"the folder holds several SurveyXact files \((?P<names>.+)\); (?P<used>.+) were used \((?P<why>.+)\)",
     "mappen indeholder flere SurveyXact-filer ({names}); {used} blev brugt ({why})", None),
    (r"the file does not exist", "filen findes ikke", None),
    (r"the survey file does not exist", "spørgeskemafilen findes ikke", None),
    (r"the baseline order '(?P<id>.+)' is not in the orders file",
     "basismålingens ordre '{id}' står ikke i ordrefilen", None),
    (r"package '(?P<p>.+)' needs '(?P<k>.+)', which order (?P<id>\S+) does not give",
     "pakken '{p}' kræver '{k}', som ordre {id} ikke angiver", None),
]

FIXES: list[tuple[str, str, object]] = [
    (r"correct the number of listed patients", "ret antallet af tilmeldte patienter", None),
    (r"add the practice's listed patients", "tilføj praksissens tilmeldte patienter", None),
    (r"add invited: N to the order", "skriv invited: N i bestillingen", None),
    (r"add invited: N \(the number of cluster members the survey was sent to\) to the order",
     "skriv invited: N (antallet af klyngemedlemmer, spørgeskemaet blev sendt til) i bestillingen", None),
    (r"correct invited: to the number of members the survey was sent to",
     "ret invited: til antallet af medlemmer, spørgeskemaet blev sendt til", None),
    (r"check invited: against the survey's distribution", "tjek invited: mod spørgeskemaets udsendelse", None),
    (r"if the municipality renamed it, add the old name to the offer's aliases in the package spec",
     "har kommunen omdøbt det, så føj det gamle navn til tilbuddets aliases i pakkens spec", None),
    (r"keep a repeated question's wording and scale, or give a new question a new id",
     "behold et gentaget spørgsmåls ordlyd og skala, eller giv et nyt spørgsmål et nyt id", None),
    (r"nothing to do if it was removed on purpose", "intet at gøre, hvis det blev fjernet med vilje", None),
    (r"give both orders a period", "giv begge ordrer en periode", None),
    (r"compare periods of the same length where you can", "sammenlign lige lange perioder, hvor det er muligt",
     None),
    (r"remove it, or make it one offer's counts", "fjern den, eller gør den til ét tilbuds tal", None),
    (r"add the name to the offer's aliases in the package spec if it is one of them",
     "føj navnet til tilbuddets aliases i pakkens spec, hvis det er et af dem", None),
    (r"rename it to a question id, or map it with survey_map in the orders file",
     "omdøb den til et spørgsmåls id, eller kobl den med survey_map i ordrefilen", None),
    (r"correct the question id in survey_map \(see kiap package show (?P<p>\S+)\)",
     "ret spørgsmålets id i survey_map (se kiap package show {p})", None),
    (r"correct survey_map in the orders file", "ret survey_map i ordrefilen", None),
    (r"add the column, map it with survey_map: \{(?P<q>\S+): <column>\}, or remove the question locally with "
     r"questions: \{remove: \[\.\.\.\]\}",
     "tilføj kolonnen, kobl den med survey_map: {{{q}: <kolonne>}}, eller fjern spørgsmålet lokalt med "
     "questions: {{remove: [...]}}", None),
    (r"map it with survey_map: \{(?P<q>\S+): <questionName>\}, or remove it locally with questions: "
     r"\{remove: \[\.\.\.\]\}",
     "kobl det med survey_map: {{{q}: <questionName>}}, eller fjern det lokalt med questions: {{remove: [...]}}",
     None),
    (r"correct the answer text, or add it to the question's scale/options in the spec",
     "ret svarteksten, eller føj den til spørgsmålets skala/svarmuligheder i spec'en", None),
    (r"add the option to the question in the spec, or correct its text",
     "føj svarmuligheden til spørgsmålet i spec'en, eller ret dens tekst", None),
    (r"map the question explicitly with survey_map", "kobl spørgsmålet udtrykkeligt med survey_map", None),
    (r"nothing to do if these are the right ones; else add survey_language: to the order",
     "intet at gøre, hvis det er de rigtige; ellers skriv survey_language: i bestillingen", None),
    (r"if a column identifies each respondent, name it with respondent_id: <column> in the order",
     "hvis en kolonne identificerer hver respondent, så angiv den med respondent_id: <kolonne> i bestillingen",
     None),
    (r"check the path in the orders file", "tjek stien i ordrefilen", None),
    (r"check 'survey:' in the orders file", "tjek 'survey:' i ordrefilen", None),
    (r"(?P<loss>.+); or accept it in the order with accept_loss: \{(?P<k>\w+): <reason>\} \((?P<where>.+)\)",
     "{loss_da}; eller acceptér det i bestillingen med accept_loss: {{{k}: <begrundelse>}} ({where_da})", "loss"),
]

_LOSS_FIXES_DA = {
    "map the columns to the package's questions with survey_map, correct the answers that match no answer, or "
    "check that the export is this package's survey":
        "kobl kolonnerne til pakkens spørgsmål med survey_map, ret de svar, der ikke passer, eller tjek, at "
        "eksporten er denne pakkes spørgeskema",
    "if the column does not identify one respondent, set respondent_id: to the column that does (or "
    "respondent_id: none); if the rows are true duplicates, accept them":
        "identificerer kolonnen ikke én respondent, så sæt respondent_id: til den kolonne, der gør (eller "
        "respondent_id: none); er rækkerne ægte dubletter, så acceptér dem",
    "correct the answers, add them to the question's options or scale in the spec, or map the codes in the "
    "Labels sheet":
        "ret svarene, føj dem til spørgsmålets svarmuligheder eller skala i spec'en, eller kobl koderne i arket "
        "Labels",
    "fill in the offer of every row": "udfyld tilbuddet i hver række",
}


def _extra(kind: object, groups: dict[str, str]) -> dict[str, str]:
    if kind == "rounds":
        names = {"baseline": "basismålingen", "follow-up": "opfølgningen"}
        return {**groups, "where_da": names[groups["where"]], "other_da": names[groups["other"]]}
    if kind == "loss":
        where = re.sub(r", line (\d+)\)?$", r", linje \1", groups["where"])
        return {**groups, "loss_da": _LOSS_FIXES_DA.get(groups["loss"], groups["loss"]), "where_da": where}
    if callable(kind):
        return kind(groups)
    return groups


_COMPILED = {id(table): [(re.compile(p + r"\Z", re.S), t, k) for p, t, k in table] for table in (MESSAGES, FIXES)}


def _translate(text: str, table: list) -> str | None:
    for pattern, template, kind in _COMPILED[id(table)]:
        found = pattern.match(text)
        if found:
            groups = {k: v or "" for k, v in found.groupdict().items()}
            return template.format(**_extra(kind, groups))
    return None


def message(text: str) -> str | None:
    """The Danish text of an English message, or None when the catalogue lacks it."""
    return _translate(text, MESSAGES)


def fix(text: str) -> str | None:
    """The Danish text of an English fix, or None."""
    return "" if not text else _translate(text, FIXES)


def location(problem: Problem) -> str:
    """'survey.csv, ark 'Data', række 5, kolonne 'B''."""
    parts = [problem.file]
    if problem.sheet:
        parts.append(f"ark '{problem.sheet}'")
    if problem.row is not None:
        parts.append(f"række {problem.row}")
    if problem.line is not None:
        parts.append(f"linje {problem.line}")
    if problem.column:
        parts.append(f"kolonne '{problem.column}'")
    return ", ".join(parts)


def untranslated(problem: Problem) -> list[str]:
    """The English parts of a problem the catalogue has no Danish for (empty: all Danish)."""
    missing = [problem.message] if message(problem.message) is None else []
    return missing + ([problem.fix] if fix(problem.fix) is None else [])


def danish(problem: Problem) -> str:
    """The problem as a reader sees it: place, message and 'Løsning:' in Danish."""
    said = message(problem.message)
    text = f"{location(problem)}: {said if said is not None else problem.message}"
    if problem.fix:
        done = fix(problem.fix)
        text += f" Løsning: {done if done is not None else problem.fix}"
    return text


def count(n: int, singular: str, plural: str) -> str:
    """'1 advarsel', '2 advarsler' (the number's Danish form, singular or plural)."""
    return f"{number(n)} {singular if n == 1 else plural}"


def seconds(value: float, decimals: int = 1) -> str:
    """'28,9 s' with a non-breaking space, so the unit never wraps away from its number."""
    return f"{number(value, decimals)}{NBSP}s"


ROUNDS_DA = {"baseline": "Basismåling", "follow-up": "Opfølgning"}


def round_name(value: str | None) -> str:
    """An order's round as the index and the command line name it."""
    return ROUNDS_DA.get(str(value or ""), str(value or ""))


_ERROR_KINDS = {"InputError": "Fejl i inddata", "OrdersFileError": "Fejl i ordrefilen", "SpecError": "Fejl i pakken",
                "PseudonymKeyError": "Fejl i pseudonymnøglen", "LeakError": "Mulige personoplysninger",
                "TimeoutError": "Tiden løb ud"}
_PLACE_WORDS = ((r", sheet '", ", ark '"), (r", row (\d+)", r", række \1"), (r", line (\d+)", r", linje \1"),
                (r", column '", ", kolonne '"))


def _line_da(line: str) -> str:
    head, _, fix_text = line.partition(" Fix: ")
    kind = ""
    first = re.match(r"(\w+): ", head)
    if first and first.group(1) in _ERROR_KINDS:
        kind, head = _ERROR_KINDS[first.group(1)] + ": ", head[first.end():]
    said, place = message(head), ""
    for found in re.finditer(r": ", head):
        said = message(head[found.end():])
        if said is not None:
            place = head[:found.start()]
            for pattern, repl in _PLACE_WORDS:
                place = re.sub(pattern, repl, place)
            break
    text = kind + (f"{place}: {said}" if said is not None and place else said if said is not None else head)
    if fix_text:
        done = fix(fix_text)
        text += f" Løsning: {done if done is not None else fix_text}"
    return text


def danish_text(text: str) -> str:
    """A message already written as text ('file, row 3: message Fix: fix', one per line, as a
    failed order's error is kept) in Danish where the catalogue knows it."""
    return "\n".join(_line_da(line) for line in str(text).splitlines())
