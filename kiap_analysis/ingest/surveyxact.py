"""SurveyXact exports: one .xlsx (Dataset + Structure or Variables + Labels) or a folder of
dataset/structure/labels CSV files (any encoding and delimiter the text reader detects).

The layout follows the R package readSX (NIFU-NO/readSX, R/read_surveyxact.R) and its
sample exports. Known quirks handled here:
- structure CSVs carry an empty trailing column; labels carry trailing spaces;
- a Labels sheet may have no header row; several Dataset sheets are joined side by side;
- multi-choice questions are one 0/1 column per option, matched by the option's text
  (choiceValue order need not follow column order); non-respondents hold 0 in every option
  column, so bases come from the respondent status, never from these columns;
- the status is the 'statoverall' question (one 0/1 column per status, or one coded column),
  labelled in the export's language (``status``);
- contact columns ('id', 'orgnr', 'forn', 'ettern', 'email', listed in the structure as
  'Kontaktoplysninger - <field>') are personal data, never answers; 'id' is often shared;
- codes are compared by value ('2', '2.0' and ' 2 ' are code 2);
- a folder may hold one structure/labels pair per language (structure_da.csv, structure_en.csv).
- 'Ved ikke' is an ordinary code of the scale and is mapped per question by its label;
- scales that label only their end points ('1 = Meget dårligt', '2', '3', '4', '5 = Meget godt')
  are mapped by position between the labelled end points.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from kiap_analysis.core.errors import InputError, Problem
from kiap_analysis.core.responses import (
    build_responses,
    normalise,
    normalise_question,
    question_slots,
)
from kiap_analysis.core.shown import describe, package_words, render
from kiap_analysis.core.spec import Choice, PackageSpec, Question
from kiap_analysis.ingest.status import (
    COMPLETED,
    NEW,
    NO_STATUS,
    surveyxact_status,
    unknown_status_problem,
)
from kiap_analysis.ingest.survey import (
    EMAIL_HEADERS,
    LeftOut,
    SurveyIngest,
    link_key,
    uncounted_rows,
)
from kiap_analysis.ingest.survey_columns import (
    choose_respondent_id,
    code_key,
    column_role,
    is_contact_text,
    parse_flag,
    personal_value,
)
from kiap_analysis.ingest.survey_table import by_shown, id_problem
from kiap_analysis.ingest.tables import (
    RawTable,
    cell_text,
    column_letter,
    excel_sheets,
    read_excel_sheet,
    read_text_table,
)

STRUCTURE_COLUMNS = {
    "question": ("questionname", "question name", "spørgsmålsnavn"),
    "variable": ("variablename", "variable name", "variable", "variabel", "variabelnavn", "name"),
    "type": ("questiontype", "question type", "type"),
    "subtype": ("subtype", "sub type", "undertype"),
    "text": ("questiontext", "question text", "label", "variable label", "variablelabel", "text",
             "spørgsmålstekst", "tekst"),
    "choice_value": ("choicevalue", "choice value", "værdi"),
    "choice_text": ("choicetext", "choice text", "svarmulighed"),
}
LABEL_HEADER = {"variablename", "variable", "variabel", "value", "værdi", "valuelabel", "label", "etiket"}
STATUS_QUESTION = "statoverall"
# A file's language is the end of its name: structure_de.csv, labels-en.csv, dataset (da).csv.
LANGUAGES = {
    "da": ("da", "dk", "dansk", "danish"), "en": ("en", "eng", "engelsk", "english"),
    "de": ("de", "tysk", "deutsch", "german"), "no": ("no", "nb", "nn", "norsk", "norwegian"),
    "sv": ("sv", "se", "svensk", "swedish"),
}
DONT_KNOW = {"ved ikke", "vet ikke", "ved ej", "ved det ikke", "don't know", "dont know", "do not know",
             "kan ikke vurdere", "ved ikke/ikke relevant"}


@dataclass
class Export:
    """The three tables of an export, as raw cells, and where they came from."""

    dataset: RawTable
    structure: RawTable
    labels: RawTable
    form: str
    notes: list[Problem] = field(default_factory=list)  # which of several candidate files were used


@dataclass(frozen=True)
class Variable:
    name: str
    question: str
    subtype: str  # "single" | "multiple" | "string"
    text: str
    choice_value: str = ""
    choice_text: str = ""


@dataclass
class _Target:
    """Where an export variable's values go in the canonical table."""

    question: Question
    column: str | None  # canonical slot column; None for a spec multi-choice fed by a single variable
    kind: str  # "scale" | "flag" | "text" | "single_to_multi"
    codes: dict[str, str] = field(default_factory=dict)  # export code -> spec label


def is_surveyxact(path: Path) -> bool:
    """A folder of dataset/structure CSVs, or a workbook with Dataset and Structure sheets."""
    if path.is_dir():
        return bool(_candidates(path, "dataset"))
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        try:
            sheets = [normalise(s) for s in excel_sheets(path, path.name)]
        except InputError:
            return False
        return any(s.startswith("dataset") for s in sheets) and any(
            s in ("structure", "variables") for s in sheets)
    return False


def _candidates(folder: Path, stem: str) -> list[Path]:
    """The folder's text files whose names start with ``stem`` ('structure_de.csv')."""
    return [c for c in sorted(folder.iterdir()) if c.is_file() and c.suffix.lower() in (".csv", ".txt", ".tsv")
            and normalise(c.stem).startswith(stem)]


def language_tag(path: Path, stem: str) -> str:
    """What follows the kind in a file's name: 'structure_de' -> 'de', 'structure' -> ''."""
    return re.sub(r"[\s_.()\[\]-]+", " ", normalise(path.stem)[len(stem):]).strip()


def _language_of(tag: str) -> str | None:
    return next((code for code, names in LANGUAGES.items() if tag in names), None)


def _match_count(table: RawTable, spec: PackageSpec) -> int:
    """How many of the package's questions a structure's texts name (the package's language)."""
    try:
        variables = structure_variables(table)
    except InputError:
        return 0
    mapper = _Mapper(spec, {}, {}, table.file)
    found = set()
    for variable in variables:
        question, _ = mapper.question_for([variable])
        if question is not None:
            found.add(question.id)
    return len(found)


def _pick_files(folder: Path, label: str, spec: PackageSpec,
                language: str | None) -> tuple[dict[str, Path], list[Problem]]:
    """The dataset, structure and labels files to read, and a note when several were found.

    Several candidates of a kind: the order's ``survey_language`` picks the files named for it;
    without one, the structure whose question texts match most of the package's questions
    (the package's own language); a tie is an error. Labels and dataset follow the structure's
    language tag when they have one.
    """
    found = {kind: _candidates(folder, kind) for kind in ("dataset", "structure", "labels")}
    if not found["structure"]:
        found["structure"] = _candidates(folder, "variables")
    missing = [kind for kind, files in found.items() if not files]
    if missing:
        raise InputError(Problem(label, f"the SurveyXact folder lacks {', '.join(missing)}.csv",
                                 "export the survey again with dataset, structure and labels"))
    stems = {kind: "variables" if normalise(files[0].stem).startswith("variables") else kind
             for kind, files in found.items()}
    if all(len(files) == 1 for files in found.values()):
        return {kind: files[0] for kind, files in found.items()}, []
    names = ", ".join(c.name for files in found.values() for c in files if len(files) > 1)

    def ambiguous(why: str) -> InputError:
        return InputError(Problem(label, f"the folder holds several SurveyXact files of a kind ({names}) and "
                                  f"{why}", "add survey_language: da|en|de|no|sv to the order (the language "
                                  "the file names end in), or keep one export in the folder"))

    structures = found["structure"]
    if language is not None:
        tagged = [c for c in structures if _language_of(language_tag(c, stems["structure"])) == language]
        if len(tagged) != 1:
            raise ambiguous(f"{len(tagged)} structure files are named for survey_language: {language}")
        structure, reason = tagged[0], f"survey_language: {language}"
    elif len(structures) == 1:
        structure, reason = structures[0], "the only structure file"
    else:
        scores = {c: _match_count(read_text_table(c, f"{label}/{c.name}"), spec) for c in structures}
        best = max(scores.values())
        winners = [c for c, score in scores.items() if score == best]
        if best == 0 or len(winners) > 1:
            raise ambiguous("nothing says which to use (their question texts match "
                            + ", ".join(f"{c.name}: {n}" for c, n in scores.items()) + " of the package's "
                            f"{len(spec.questions)} questions)")
        structure = winners[0]
        reason = (f"its question texts match {best} of the package's {len(spec.questions)} questions; "
                  + ", ".join(f"{c.name}: {n}" for c, n in scores.items() if c != structure))
    tag = language_tag(structure, stems["structure"])
    chosen = {"structure": structure}
    for kind in ("dataset", "labels"):
        files = found[kind]
        same = [c for c in files if language_tag(c, stems[kind]) == tag]
        untagged = [c for c in files if not language_tag(c, stems[kind])]
        pick = files if len(files) == 1 else (same if len(same) == 1 else untagged)
        if len(pick) != 1:
            raise ambiguous(f"no single {kind} file goes with {structure.name}")
        chosen[kind] = pick[0]
    note = Problem(label, f"the folder holds several SurveyXact files ({names}); "
                   f"{', '.join(chosen[k].name for k in ('dataset', 'structure', 'labels'))} were used ({reason})",
                   "nothing to do if these are the right ones; else add survey_language: to the order",
                   severity="warning")
    return chosen, [note]


def load_export(path: Path, label: str, spec: PackageSpec, language: str | None = None) -> Export:
    if path.is_dir():
        found, notes = _pick_files(path, label, spec, language)
        tables = {name: read_text_table(file, f"{label}/{file.name}") for name, file in found.items()}
        first = tables["dataset"]
        delimiter = {"\t": "tab"}.get(first.delimiter or "", first.delimiter)
        form = f"SurveyXact (CSV-filer, {first.encoding}, '{delimiter}')"
        return Export(tables["dataset"], tables["structure"], tables["labels"], form, notes)
    sheets = excel_sheets(path, label)
    keyed = {normalise(s): s for s in sheets}
    data_sheets = [s for s in sheets if normalise(s).startswith("dataset")]
    structure_sheet = keyed.get("structure") or keyed.get("variables")
    labels_sheet = keyed.get("labels")
    if not data_sheets or structure_sheet is None or labels_sheet is None:
        raise InputError(Problem(label, "a SurveyXact workbook needs the sheets Dataset, Structure "
                                 f"(or Variables) and Labels; it has {', '.join(sheets)}",
                                 "export the survey again from SurveyXact as Excel"))
    dataset = _join_datasets([read_excel_sheet(path, label, s) for s in data_sheets])
    structure = read_excel_sheet(path, label, structure_sheet)
    labels = read_excel_sheet(path, label, labels_sheet)
    return Export(dataset, structure, labels, "SurveyXact (Excel)")


def _join_datasets(parts: list[RawTable]) -> RawTable:
    """Several Dataset sheets side by side (SurveyXact splits wide exports)."""
    if len(parts) == 1:
        return parts[0]
    heights = {len(p.cells) for p in parts}
    if len(heights) != 1:
        raise InputError(parts[0].problem(
            f"the Dataset sheets have different numbers of rows ({sorted(heights)})",
            "export the survey again; the sheets must describe the same respondents"))
    seen: set[str] = set()
    columns = []
    for part in parts:
        for pos in range(part.cells.shape[1]):
            header = cell_text(part.cells.iat[0, pos])
            if header and header in seen:
                continue  # a key column repeated on every sheet
            seen.add(header)
            columns.append(part.cells.iloc[:, pos].reset_index(drop=True))
    if not columns:
        raise InputError(parts[0].problem("the Dataset sheets are empty", "export the survey again"))
    cells = pd.concat(columns, axis=1, ignore_index=True)
    return RawTable(cells, parts[0].file, sheet=" + ".join(p.sheet or "" for p in parts))


# ------------------------------------------------------------------ structure and labels


def structure_variables(table: RawTable) -> list[Variable]:
    """The variables of a structure table (its header row names the columns)."""
    headers = [normalise(cell_text(v)) for v in table.cells.iloc[0]] if len(table.cells) else []
    where = {}
    for key, aliases in STRUCTURE_COLUMNS.items():
        pos = next((i for i, h in enumerate(headers) if h in aliases), None)
        if pos is not None:
            where[key] = pos
    if "variable" not in where or "text" not in where:
        raise InputError(table.problem(
            "the structure table needs the columns variableName and questionText",
            "export the survey again from SurveyXact (the Structure sheet or structure.csv)", row=0))
    variables = []
    for row_pos in range(1, len(table.cells)):
        row = table.cells.iloc[row_pos]

        def get(key: str, row=row) -> str:
            return cell_text(row.iloc[where[key]]) if key in where else ""

        name = get("variable")
        if not name:
            continue
        subtype = normalise(get("subtype") or get("type"))
        kind = "multiple" if subtype.startswith("multi") else (
            "string" if subtype in ("string", "open", "text", "tekst", "numeric", "number") else "single")
        variables.append(Variable(name=name, question=get("question") or name, subtype=kind,
                                  text=get("text"), choice_value=get("choice_value"),
                                  choice_text=get("choice_text")))
    return variables


def labels_by_variable(table: RawTable) -> dict[str, dict[str, str]]:
    """variable -> {code: label}; a header row, if there is one, is skipped."""
    labels: dict[str, dict[str, str]] = {}
    if table.cells.shape[1] < 3:
        raise InputError(table.problem("the labels table needs three columns (variable, value, label)",
                                       "export the survey again from SurveyXact"))
    for row_pos in range(len(table.cells)):
        variable, value, text = (cell_text(table.cells.iat[row_pos, i]) for i in range(3))
        if row_pos == 0 and normalise(variable) in LABEL_HEADER and normalise(value) in LABEL_HEADER:
            continue
        if variable:
            labels.setdefault(variable, {})[code_key(value)] = text.strip()
    return labels


# ------------------------------------------------------------------ mapping


def _number(code: str) -> float:
    try:
        return float(code.replace(",", "."))
    except ValueError:
        return float("inf")


def scale_codes(codes: Mapping[str, str], question: Question) -> tuple[dict[str, str], list[str]]:
    """Export code -> spec label for one scale question, and the codes left unmapped.

    Labels that name a category map directly ('Ved ikke' and its variants to the scale's
    don't-know label). Codes whose labels are bare numbers or blank ('2', '3', '4' between
    labelled end points) map by position, in the direction the labelled codes show.
    """
    categories = {normalise(c): c for c in question.categories}
    dont_know = question.scale.dont_know if question.scale else None
    mapped: dict[str, str] = {}
    for code, text in codes.items():
        key = normalise(text)
        if key in categories:
            mapped[code] = categories[key]
        elif dont_know and key in DONT_KNOW:
            mapped[code] = dont_know
    levels = list(question.scale.levels) if question.scale else []
    rest_levels = [level for level in levels if level not in mapped.values()]
    rest_codes = [c for c in codes if c not in mapped and _number(c) != float("inf")]
    unlabelled = all(normalise(codes[c]) in ("", normalise(c)) for c in rest_codes)
    if rest_levels and len(rest_codes) == len(rest_levels) and unlabelled:
        anchors = sorted((_number(c), levels.index(label)) for c, label in mapped.items() if label in levels)
        descending = len(anchors) >= 2 and anchors[0][1] > anchors[-1][1]
        ordered = sorted(rest_codes, key=_number, reverse=descending)
        mapped.update(dict(zip(ordered, rest_levels, strict=True)))
    return mapped, [c for c in codes if c not in mapped]


def _option_for(text: str, options: tuple[Choice, ...]) -> Choice | None:
    key = normalise(text)
    for option in options:
        if key in (normalise(option.label), normalise(option.id)) or \
                normalise_question(text) == normalise_question(option.label):
            return option
    return None


class _Mapper:
    """Matches the export's questions to the spec's, collecting warnings as it goes."""

    def __init__(self, spec: PackageSpec, survey_map: Mapping[str, str], labels, file: str):
        self.spec = spec
        self.labels = labels
        self.file = file
        self.warnings: list[Problem] = []
        self.override: dict[str, Question] = {}
        for qid, ref in survey_map.items():
            if qid not in spec.question_ids():
                self.warnings.append(Problem(file, f"survey_map names question '{qid}', which the "
                                             "package does not have", "correct survey_map in the orders file",
                                             severity="warning"))
                continue
            for name in (ref if isinstance(ref, list) else [ref]):
                self.override[normalise(str(name))] = spec.question(qid)
        self.known = package_words(spec)
        self.texts = {}
        for question in spec.questions:
            for text in (question.text, question.short):
                if text:
                    self.texts.setdefault(normalise_question(text), question)

    def question_for(self, variables: list[Variable]) -> tuple[Question | None, Choice | None]:
        """The spec question (and grid item) one export question feeds."""
        first = variables[0]
        for key in (first.question, first.name):
            if normalise(key) in self.override:
                question = self.override[normalise(key)]
                item = None
                if question.type == "likert_grid":
                    item = self._grid_item(question, first.text)
                return question, item
        question = self.texts.get(normalise_question(first.text))
        if question is not None and question.type != "likert_grid":
            return question, None
        head, sep, tail = first.text.rpartition(" - ")
        if sep:
            question = self.texts.get(normalise_question(head))
            if question is not None and question.type == "likert_grid":
                return question, self._grid_item(question, tail)
        return None, None

    @staticmethod
    def _grid_item(question: Question, text: str) -> Choice | None:
        tail = text.rpartition(" - ")[2] if " - " in text else text
        return _option_for(tail, question.items)

    def targets(self, variables: list[Variable], dataset_columns: dict[str, int]) -> dict[int, _Target]:
        question, item = self.question_for(variables)
        if question is None:
            return {}
        found: dict[int, _Target] = {}
        present = [v for v in variables if v.name in dataset_columns]
        if question.type == "multi_choice" and variables[0].subtype == "multiple":
            for variable in present:
                option = _option_for(variable.choice_text, question.options)
                if option is None:
                    self.warnings.append(Problem(
                        self.file, f"an option ({describe(variable.choice_text, self.known)}) of {question.id} "
                        f"({variable.name}) matches no option of the package's question and is not counted",
                        "add the option to the question in the spec, or correct its text", column=variable.name,
                        severity="warning"))
                    continue
                found[dataset_columns[variable.name]] = _Target(question, f"{question.id}.{option.id}", "flag")
            return found
        variable = present[0] if present else None
        if variable is None:
            return {}
        codes = self.labels.get(variable.name, {})
        if question.type == "free_text":
            return {dataset_columns[variable.name]: _Target(question, question.id, "text")}
        if question.type == "multi_choice":  # one coded column whose labels are the options
            mapping = {code: o.label for code, text in codes.items() if (o := _option_for(text, question.options))}
            return {dataset_columns[variable.name]: _Target(question, None, "single_to_multi", mapping)}
        mapping, unmapped = scale_codes(codes, question) if question.scale else (
            {c: o.label for c, t in codes.items() if (o := _option_for(t, question.options))},
            [c for c, t in codes.items() if _option_for(t, question.options) is None])
        for code in unmapped:
            self.warnings.append(Problem(
                self.file, f"answer code {describe(code)} ({describe(codes[code], self.known)}) of {question.id} "
                f"({variable.name}) matches "
                "no answer of the package's question; answers with it are left out",
                "add the answer to the question's scale or options in the spec", column=variable.name,
                severity="warning"))
        if question.type == "likert_grid":
            if item is None:
                return {}
            column = f"{question.id}.{item.id}"
        else:
            column = question.id
        return {dataset_columns[variable.name]: _Target(question, column, "scale", mapping)}


# ------------------------------------------------------------------ reading


def _status_reader(groups: dict[str, list[Variable]], columns: dict[str, int], labels):
    """(function row -> (status label or '', its column), the status columns), or None without
    a status. The caller turns a label into a status, so an unknown one is reported once with
    all its rows.
    """
    group = next((g for q, g in groups.items() if normalise(q) == STATUS_QUESTION), None)
    if group is None:
        return None
    flags = [(columns[v.name], v.choice_text) for v in group if v.name in columns and v.subtype == "multiple"]
    if flags:
        def from_flags(row) -> tuple[str, int]:
            for pos, text in flags:
                if parse_flag(cell_text(row.iloc[pos])):
                    return text, pos
            return "", flags[0][0]
        return from_flags, [pos for pos, _ in flags]
    single = next((v for v in group if v.name in columns), None)
    if single is None:
        return None
    codes = labels.get(single.name, {})

    def from_code(row) -> tuple[str, int]:
        value = code_key(cell_text(row.iloc[columns[single.name]]))
        return codes.get(value, value), columns[single.name]
    return from_code, [columns[single.name]]


def _is_answer(value: str, is_flag: bool) -> bool:
    """A non-blank cell, but not a 0 in a 0/1 column (what non-respondents hold)."""
    return bool(value) and not (is_flag and parse_flag(value) is False)


def read_surveyxact(path: Path, spec: PackageSpec, survey_map: Mapping[str, str], label: str,
                    respondent_id: str | None = None, language: str | None = None) -> SurveyIngest:
    export = load_export(path, label, spec, language)
    variables = structure_variables(export.structure)
    labels = labels_by_variable(export.labels)
    data = export.dataset
    if len(data.cells) == 0:
        raise InputError(data.problem("the dataset is empty", "export the survey again with its answers"))
    headers = [cell_text(v) for v in data.cells.iloc[0]]
    columns = {h: i for i, h in reversed(list(enumerate(headers))) if h}
    body = [pos for pos in range(1, len(data.cells)) if any(cell_text(v) for v in data.cells.iloc[pos])]
    contact_names = {v.name for v in variables if is_contact_text(v.text)}
    groups: dict[str, list[Variable]] = {}
    for variable in variables:
        groups.setdefault(variable.question, []).append(variable)

    def values(pos: int) -> list[str]:
        return [t for r in body if (t := cell_text(data.cells.iat[r, pos]))]

    try:
        ids = choose_respondent_id(headers, values, respondent_id)
    except KeyError:
        raise id_problem(label, str(respondent_id), headers, data.sheet) from None
    id_col = ids.column
    warnings = list(export.notes)
    warnings += [data.problem(w, "if a column identifies each respondent, name it with respondent_id: <column> "
                              "in the order", column=column_letter(pos), severity="warning") for pos, w in ids.warnings]

    def personal_column(pos: int, header: str) -> bool:
        if pos == id_col:  # an id named like a personal column (respondent_id: navn) is personal too
            return column_role(header) == "personal"
        return column_role(header) in ("personal", "respondent_id", "id_candidate") or header in contact_names

    personal_cols = sorted({*ids.contact, *(i for i, h in enumerate(headers) if h and personal_column(i, h))})
    bookkeeping = {*personal_cols, *([id_col] if id_col is not None else [])}

    mapper = _Mapper(spec, survey_map, labels, export.structure.file)
    targets: dict[int, _Target] = {}
    fed: dict[str, str] = {}
    ignored = []
    for name, group in groups.items():
        present = [columns[v.name] for v in group if v.name in columns]
        if normalise(name) == STATUS_QUESTION or (present and all(pos in bookkeeping for pos in present)):
            continue  # the status, and contact fields: never answers
        found = mapper.targets(group, columns)
        if not found:
            ignored.append(name)
            continue
        for pos, target in found.items():
            key = target.column or target.question.id
            if key in fed:
                mapper.warnings.append(Problem(
                    export.structure.file, f"{name} and {fed[key]} both feed {key}; {name} is not read",
                    "map the question explicitly with survey_map", severity="warning"))
                continue
            fed[key] = name
            targets[pos] = target
    matched = {t.question.id for t in targets.values()}
    unmapped = [qid for qid in spec.question_ids() if qid not in matched]
    warnings += mapper.warnings
    for qid in unmapped:
        warnings.append(Problem(export.structure.file,
                                f"question {qid} ({spec.question(qid).title}) is not in the export; it is "
                                "shown as 'ingen svar'", f"map it with survey_map: {{{qid}: <questionName>}}, "
                                "or remove it locally with questions: {remove: [...]}", severity="warning"))

    links: dict[str, str] = {}
    # Linking by id between rounds only for a respondent id by name or by the order's choice: a
    # generic 'id' that happens to be unique may be the organisation (readSX's sample).
    link_by_id = id_col is not None and (respondent_id not in (None, "") or
                                         normalise(headers[id_col]) in ("respondentid", "respondent"))
    status = _status_reader(groups, columns, labels)
    status_cols = set(status[1]) if status else set()
    flag_positions = {columns[v.name] for v in variables if v.subtype == "multiple" and v.name in columns}
    unread = [pos for pos, h in enumerate(headers)
              if h and pos not in targets and pos not in bookkeeping and pos not in status_cols]
    personal: set[str] = set()
    records = []
    unknown: dict[tuple[int, str], list[int]] = {}
    unknown_status: dict[tuple[str, int], list[int]] = {}
    answer_cells: dict[str, int] = {}
    elsewhere: dict[int, tuple[str, ...]] = {}
    invited = 0
    for row_pos in body:
        row = data.cells.iloc[row_pos]
        source_row = row_pos + 1
        personal |= {t for pos in personal_cols if personal_value(t := cell_text(row.iloc[pos]))}
        state = NO_STATUS
        if status:
            label_text, status_pos = status[0](row)
            state = surveyxact_status(label_text) if label_text else NO_STATUS
            if state is None:
                unknown_status.setdefault((label_text, status_pos), []).append(source_row)
                state = NO_STATUS
        invited += state != NEW
        record: dict[str, object] = {
            "source_row": source_row,
            "respondent_id": (cell_text(row.iloc[id_col]) if id_col is not None else "") or f"r{source_row}",
            "status": state,
            "is_complete": state == COMPLETED if status else True,
        }
        email = next((cell_text(row.iloc[p]) for p in personal_cols if normalise(headers[p]) in EMAIL_HEADERS), "")
        if key := link_key(email, cell_text(row.iloc[id_col]) if link_by_id else ""):  # 'id' is the organisation
            links[str(record["respondent_id"])] = key
        for pos, target in targets.items():
            value = cell_text(row.iloc[pos])
            if _is_answer(value, target.kind == "flag"):
                answer_cells[target.question.id] = answer_cells.get(target.question.id, 0) + 1
            for column, parsed, bad in _convert(target, value):
                if bad is not None:
                    unknown.setdefault((pos, bad), []).append(source_row)
                if column is not None:
                    record[column] = parsed
        other = tuple(headers[pos] for pos in unread if _is_answer(cell_text(row.iloc[pos]), pos in flag_positions))
        if other:
            elsewhere[source_row] = other
        records.append(record)
    if unknown_status:
        raise InputError([unknown_status_problem(data.file, shown, rows, column_letter(pos), data.sheet)
                          for (pos, shown), rows in by_shown({(pos, text): rows for (text, pos), rows
                                                               in unknown_status.items()}, frozenset()).items()])
    left_out = []
    for (pos, shown), rows in by_shown(unknown, package_words(spec)).items():
        left_out.append(LeftOut(targets[pos].question.id, headers[pos], shown[0], tuple(rows), column_letter(pos),
                                shown[1]))
        warnings.append(data.problem(
            f"{len(rows)} answer(s) with an unknown code ({render(*shown)}) in column '{headers[pos]}' are left out",
            "check the Labels sheet, or add the answer to the question in the spec",
            row=rows[0] - 1, column=column_letter(pos), severity="warning"))
    inputs = [(t.file if not t.sheet else f"{t.file}, sheet '{t.sheet}'", rows) for t, rows in (
        (data, len(body)), (export.structure, len(variables)), (export.labels, sum(map(len, labels.values()))))]
    return SurveyIngest(
        responses=build_responses(records, spec), file=label, form=export.form, rows_read=len(records),
        warnings=warnings, unmapped_questions=unmapped, ignored_columns=ignored,
        invited=invited if status else None, personal_values=personal, link_keys=links, inputs=inputs,
        data_file=data.file, data_sheet=data.sheet, id_column=headers[id_col] if id_col is not None else None,
        answer_cells=answer_cells, left_out=left_out, answered_elsewhere=uncounted_rows(elsewhere, left_out),
    )


def _convert(target: _Target, value: str):
    """Yield (slot column, parsed value, unreadable code or None)."""
    question = target.question
    if target.kind == "flag":
        if value == "":
            yield target.column, None, None
            return
        flag = parse_flag(value)
        yield target.column, flag, (value if flag is None else None)
        return
    if target.kind == "text":
        yield target.column, value or None, None
        return
    if target.kind == "single_to_multi":
        if value == "":
            return
        label = target.codes.get(code_key(value))
        if label is None:
            yield None, None, value
            return
        for slot in question_slots(question):
            yield slot.column, slot.option.label == label, None
        return
    if value == "":
        yield target.column, None, None
        return
    label = target.codes.get(code_key(value))
    if label is None:  # an export with texts instead of codes
        label = {normalise(c): c for c in question.categories}.get(normalise(value))
    yield target.column, label, (value if label is None else None)
