"""Plain survey tables: one row per respondent, columns named by question id or text.

Multi-choice questions come as one 0/1 column per option or as one column of labels
separated by ';'. Columns holding names, e-mails and the like are never read.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..errors import InputError
from ..responses import build_responses, normalise
from ..spec import PackageSpec
from .survey import EMAIL_HEADERS, SurveyIngest, link_key
from .survey_columns import (
    ColumnMatch,
    column_role,
    label_lookup,
    match_column,
    parse_flag,
    parse_status,
    split_choices,
)
from .tables import RawTable, cell_text, column_letter, read_table

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


def read_plain_table(
    path: Path, spec: PackageSpec, survey_map: Mapping[str, str], label: str
) -> SurveyIngest:
    table = read_table(path, label)
    header_row = _find_header(table, spec, survey_map)
    headers = [cell_text(v) for v in table.cells.iloc[header_row]]
    body = table.cells.iloc[header_row + 1:]
    warnings = []

    matches: dict[int, ColumnMatch] = {}
    id_col = status_col = None
    ignored: list[str] = []
    personal_cols: list[int] = []
    seen_slots: dict[str, str] = {}
    for pos, header in enumerate(headers):
        if not header:
            continue
        role = column_role(header)
        if role == "respondent_id" and id_col is None:
            id_col = pos
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
    for row_pos, row in body.iterrows():
        cells = {pos: cell_text(row.iloc[pos]) for pos in range(len(headers))}
        if not any(cells.values()):
            continue
        personal |= {cells[pos] for pos in personal_cols if cells[pos]}
        record: dict[str, object] = {"source_row": int(row_pos) + 1}
        record["respondent_id"] = (cells[id_col] if id_col is not None else "") or f"r{int(row_pos) + 1}"
        email = next((cells[pos] for pos in personal_cols if normalise(headers[pos]) in EMAIL_HEADERS), "")
        if key := link_key(email, cells[id_col] if id_col is not None else ""):
            links[str(record["respondent_id"])] = key
        status = parse_status(cells[status_col]) if status_col is not None else True
        if status is None:
            warnings.append(table.problem(
                f"status '{cells[status_col]}' is not understood; the response counts as partial",
                "use 'gennemført' / 'delvis' (or 1 / 0)", row=int(row_pos),
                column=column_letter(status_col), severity="warning"))
            status = False
        record["is_complete"] = status
        for pos, match in matches.items():
            value = cells[pos]
            for column, parsed, bad in _convert(match, value):
                if bad:
                    unknown.setdefault((pos, bad), []).append(int(row_pos))
                if column is not None:
                    record[column] = parsed
        records.append(record)

    for (pos, bad), rows in unknown.items():
        warnings.append(table.problem(
            f"{len(rows)} answer(s) '{bad}' in column '{headers[pos]}' match no answer of the "
            "question and are left out",
            "correct the answer text, or add it to the question's scale/options in the spec",
            row=rows[0], column=column_letter(pos), severity="warning"))

    responses = build_responses(records, spec)
    form = "plain table"
    if table.encoding:
        delimiter = {"\t": "tab"}.get(table.delimiter or "", table.delimiter)
        form += f" (CSV, {table.encoding}, '{delimiter}')"
    else:
        form += f" (Excel, sheet '{table.sheet}')"
    return SurveyIngest(
        responses=responses, file=label, form=form, rows_read=len(records), warnings=warnings,
        unmapped_questions=unmapped, ignored_columns=ignored, personal_values=personal, link_keys=links,
    )


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
        for part in split_choices(value):
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
