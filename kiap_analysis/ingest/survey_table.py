"""Plain survey tables: one row per respondent, columns named by question id or text.

Multi-choice questions come as one 0/1 column per option or as one column of labels
(separated by ; | , or line breaks). Columns holding names, e-mails and the like, and id
columns that do not identify respondents, are never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kiap_analysis.core.errors import InputError, Problem
from kiap_analysis.core.responses import build_responses, normalise
from kiap_analysis.core.shown import package_words, render, token
from kiap_analysis.core.spec import PackageSpec
from kiap_analysis.ingest.status import COMPLETED, NO_STATUS, plain_status
from kiap_analysis.ingest.survey import (
    EMAIL_HEADERS,
    LeftOut,
    SurveyIngest,
    link_key,
    uncounted_rows,
)
from kiap_analysis.ingest.survey_columns import (
    ColumnMatch,
    choose_respondent_id,
    column_role,
    label_lookup,
    match_column,
    parse_flag,
    personal_value,
    split_choices,
)
from kiap_analysis.ingest.tables import (
    RawTable,
    cell_text,
    column_letter,
    read_table,
)

HEADER_SCAN_ROWS = 15


def _find_header(table: RawTable, spec: PackageSpec, survey_map: Mapping[str, str]) -> int:
    best_row, best_hits = -1, 0
    for row in range(min(HEADER_SCAN_ROWS, len(table.cells))):
        cells = [cell_text(v) for v in table.cells.iloc[row]]
        hits = sum(match_column(c, spec, survey_map) is not None for c in cells if c)
        if hits > best_hits:
            best_row, best_hits = row, hits
    if best_row < 0:
        raise InputError(table.problem(
            "no column header names a question of the package",
            f"name the columns by question id ({', '.join(spec.question_ids()[:3])}, ...) or by the "
            "question text, or map them with survey_map in the orders file"))
    return best_row


def id_problem(file: str, configured: str, headers: list[str], sheet: str | None = None) -> InputError:
    """The error for a ``respondent_id:`` that names no column of the export."""
    shown = ", ".join(f"'{h}'" for h in headers if h)
    return InputError(Problem(file, f"respondent_id: '{configured}' names no column of the export "
                              f"(columns: {shown[:300]})", "write the header of the column that identifies "
                              "each respondent, or respondent_id: none", sheet=sheet))


def read_plain_table(
    path: Path, spec: PackageSpec, survey_map: Mapping[str, str], label: str, respondent_id: str | None = None
) -> SurveyIngest:
    table = read_table(path, label)
    header_row = _find_header(table, spec, survey_map)
    headers = [cell_text(v) for v in table.cells.iloc[header_row]]
    body = table.cells.iloc[header_row + 1:]
    warnings = []

    def values(pos: int) -> list[str]:
        return [t for v in body.iloc[:, pos] if (t := cell_text(v))]

    try:
        ids = choose_respondent_id(headers, values, respondent_id)
    except KeyError:
        raise id_problem(label, str(respondent_id), headers, table.sheet) from None
    warnings += [table.problem(w, "if a column identifies each respondent, name it with respondent_id: "
                               "<column> in the order", column=column_letter(pos), severity="warning")
                 for pos, w in ids.warnings]
    matches: dict[int, ColumnMatch] = {}
    id_col, status_col = ids.column, None
    ignored: list[str] = []
    unread: list[int] = []
    personal_cols: list[int] = list(ids.contact)
    if id_col is not None and column_role(headers[id_col]) == "personal":  # respondent_id: Navn
        personal_cols.append(id_col)
    seen_slots: dict[str, str] = {}
    for pos, header in enumerate(headers):
        if not header or pos == id_col or pos in ids.contact:
            continue
        role = column_role(header)
        if role in ("respondent_id", "id_candidate"):
            personal_cols.append(pos)
            continue
        if role == "status" and status_col is None:
            status_col = pos
            continue
        if role == "personal":
            ignored.append(header)
            personal_cols.append(pos)
            continue
        match = match_column(header, spec, survey_map)
        if match is None:
            ignored.append(header)
            unread.append(pos)
            warnings.append(table.problem(
                f"column '{header}' matches no question of the package and is not read",
                "rename it to a question id, or map it with survey_map in the orders file",
                column=column_letter(pos), severity="warning"))
            continue
        key = match.slot.column if match.slot else match.question.id
        if key in seen_slots:
            raise InputError(table.problem(
                f"columns '{seen_slots[key]}' and '{header}' both hold {key}",
                "remove one of them or map them explicitly with survey_map",
                row=header_row, column=column_letter(pos)))
        seen_slots[key] = header
        matches[pos] = match

    for qid, column in survey_map.items():
        if qid not in spec.question_ids():
            warnings.append(table.problem(
                f"survey_map names question '{qid}' (column '{column}'), which package {spec.name} does not "
                "have; the entry is not used", "correct the question id in survey_map (see "
                "kiap package show " + spec.name + ")", severity="warning"))
    matched_questions = {m.question.id for m in matches.values()}
    unmapped = [q for q in spec.question_ids() if q not in matched_questions]
    for qid in unmapped:
        warnings.append(table.problem(
            f"question {qid} ({spec.question(qid).title}) has no column in the export; "
            "it is shown as 'ingen svar'",
            f"add the column, map it with survey_map: {{{qid}: <column>}}, or remove the question "
            "locally with questions: {remove: [...]}", severity="warning"))

    records = []
    personal: set[str] = set()
    links: dict[str, str] = {}
    unknown: dict[tuple[int, str], list[int]] = {}
    bad_status: dict[str, list[int]] = {}
    answer_cells: dict[str, int] = {}
    elsewhere: dict[int, tuple[str, ...]] = {}
    for row_pos, row in body.iterrows():
        cells = {pos: cell_text(row.iloc[pos]) for pos in range(len(headers))}
        if not any(cells.values()):
            continue
        source_row = int(row_pos) + 1
        personal |= {cells[pos] for pos in personal_cols if personal_value(cells[pos])}
        record: dict[str, object] = {"source_row": source_row}
        record["respondent_id"] = (cells[id_col] if id_col is not None else "") or f"r{source_row}"
        email = next((cells[pos] for pos in personal_cols if normalise(headers[pos]) in EMAIL_HEADERS), "")
        if key := link_key(email, cells[id_col] if id_col is not None else ""):
            links[str(record["respondent_id"])] = key
        state = plain_status(cells[status_col]) if status_col is not None else NO_STATUS
        if state is None:
            bad_status.setdefault(cells[status_col], []).append(source_row)
            state = NO_STATUS
        record["status"] = state
        record["is_complete"] = state == COMPLETED if status_col is not None else True
        for pos, match in matches.items():
            value = cells[pos]
            if value:
                answer_cells[match.question.id] = answer_cells.get(match.question.id, 0) + 1
            for column, parsed, bad in _convert(match, value):
                if bad:
                    unknown.setdefault((pos, bad), []).append(source_row)
                if column is not None:
                    record[column] = parsed
        other = tuple(headers[pos] for pos in unread if cells[pos])
        if other:
            elsewhere[source_row] = other
        records.append(record)

    if bad_status:
        statuses = {}  # the same shown form: one problem (a value is quoted only when safe)
        for value, rows in bad_status.items():
            statuses.setdefault(token(value), []).extend(rows)
        raise InputError([table.problem(
            f"a status ({render(*shown)}) in {len(rows)} row(s) is not understood, so completed and partial "
            "responses cannot be told apart", "write 'gennemført' / 'delvis' (or 1 / 0), or a SurveyXact status "
            "such as 'Gennemført', 'Nogen svar', 'Distribueret'", row=min(rows) - 1, column=column_letter(status_col))
            for shown, rows in statuses.items()])
    left_out = []
    for (pos, shown), rows in by_shown(unknown, package_words(spec)).items():
        qid = matches[pos].question.id
        left_out.append(LeftOut(qid, headers[pos], shown[0], tuple(rows), column_letter(pos), shown[1]))
        warnings.append(table.problem(
            f"{len(rows)} answer(s) ({render(*shown)}) in column '{headers[pos]}' match no answer of the "
            "question and are left out",
            "correct the answer text, or add it to the question's scale/options in the spec",
            row=rows[0] - 1, column=column_letter(pos), severity="warning"))

    responses = build_responses(records, spec)
    form = "almindelig tabel"
    if table.encoding:
        delimiter = {"\t": "tab"}.get(table.delimiter or "", table.delimiter)
        form += f" (CSV, {table.encoding}, '{delimiter}')"
    else:
        form += f" (Excel, ark '{table.sheet}')"
    return SurveyIngest(
        responses=responses, file=label, form=form, rows_read=len(records), warnings=warnings,
        unmapped_questions=unmapped, ignored_columns=ignored, personal_values=personal, link_keys=links,
        inputs=[(label, len(records))], data_file=label, data_sheet=table.sheet,
        id_column=headers[id_col] if id_col is not None else None, answer_cells=answer_cells, left_out=left_out,
        answered_elsewhere=uncounted_rows(elsewhere, left_out),
    )


def by_shown(unknown: dict[tuple[int, str], list[int]],
              known: frozenset[str]) -> dict[tuple[int, tuple[str, str]], list[int]]:
    """Left-out answers per column and as a message may show them (``shown.token``): answers
    that show the same ('text') are one entry, their rows in order."""
    found: dict[tuple[int, tuple[str, str]], list[int]] = {}
    for (pos, bad), rows in unknown.items():
        found.setdefault((pos, token(bad, known)), []).extend(rows)
    return {key: sorted(rows) for key, rows in found.items()}


def _convert(match: ColumnMatch, value: str):
    """Yield (slot column, parsed value, unreadable text or None) for one cell."""
    question, slot = match.question, match.slot
    if slot is not None and slot.is_flag:
        flag = parse_flag(value)
        yield slot.column, flag, (value if flag is None else None)
        return
    if question.type == "multi_choice":  # one column of labels
        chosen = set()
        lookup = {normalise(o.label): o for o in question.options}
        lookup.update({normalise(o.id): o for o in question.options})
        for part in split_choices(value, [o.label for o in question.options]):
            option = lookup.get(normalise(part))
            if option is None:
                yield None, None, part
            else:
                chosen.add(option.id)
        for option in question.options:
            yield f"{question.id}.{option.id}", option.id in chosen, None
        return
    assert slot is not None
    if not value:
        yield slot.column, None, None
        return
    if question.type == "free_text":
        yield slot.column, value, None
        return
    label = label_lookup(question).get(normalise(value))
    yield slot.column, label, (value if label is None else None)
