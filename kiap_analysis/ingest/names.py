"""An order's optional list of names to redact (members, practices, staff): ``names:``."""

from __future__ import annotations

from pathlib import Path

from kiap_analysis.core.responses import normalise
from kiap_analysis.ingest.tables import cell_text, guarded, read_table

HEADER_WORDS = {"navn", "navne", "name", "names", "fornavn", "efternavn", "medlem", "praksis", "personale"}


@guarded
def read_names(path: Path, label: str) -> set[str]:
    """Every non-empty cell of a .txt (one name per line), .csv or .xlsx file."""
    if path.suffix.lower() == ".txt":
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        return {line.strip() for line in lines if line.strip() and normalise(line) not in HEADER_WORDS}
    table = read_table(path, label)
    names = set()
    for value in table.cells.to_numpy().ravel():
        text = cell_text(value)
        if text and normalise(text) not in HEADER_WORDS:
            names.add(text)
    return names
