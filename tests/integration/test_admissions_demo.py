"""The demo's admissions order (package indlaeggelser) end to end: it succeeds, its deck has
the admissions slides, and none of the extract's CPR-shaped numbers (the canaries) reaches
reports/ or data/processed/."""

import io

import pandas as pd
import pytest
from pptx import Presentation

pytestmark = pytest.mark.slow

ORDER = "fjord-2025-indlaeggelser"


def test_the_admissions_order_publishes_no_cpr_number(demo_run):
    [outcome] = [o for o in demo_run["outcomes"] if o.order_id == ORDER]
    assert outcome.status == "ok", outcome.error
    extract = demo_run["orders"].parent / "fjord" / "indlaeggelser_2025.csv"
    raw = pd.read_csv(extract, sep=";", skiprows=2, encoding="cp1252", dtype=str)
    canaries = set(raw["CPR-nummer"].dropna())
    assert len(canaries) > 500  # the extract does hold them
    forms = canaries | {c.replace("-", "") for c in canaries}
    reports = demo_run["paths"].reports / ORDER
    assert (reports / "deck.pdf").stat().st_size > 0  # rendered by LibreOffice in the batch
    deck = Presentation(reports / "deck.pptx")
    titles = [shape.text_frame.text for slide in deck.slides for shape in slide.shapes if shape.has_text_frame]
    assert any(t.startswith("Indlæggelser efter ugedag") for t in titles)
    assert any(t.startswith("Genindlæggelser") for t in titles)
    texts = []
    for file in sorted(p for p in demo_run["paths"].reports.rglob("*") if p.is_file()):
        if file.suffix == ".pptx":
            texts.append("\n".join(shape.text_frame.text for slide in Presentation(file).slides
                                   for shape in slide.shapes if shape.has_text_frame))
        texts.append(file.read_bytes().decode("latin-1"))
    processed = sorted((demo_run["paths"].processed / ORDER).glob("*.parquet"))
    assert {p.stem for p in processed} >= {"admissions", "admissions_per_1000", "responses"}
    for file in processed:
        table = pd.read_parquet(io.BytesIO(file.read_bytes()))
        texts.append(table.astype(str).to_csv(index=False))
    found = [c for c in forms if any(c in text for text in texts)]
    assert found == []
