"""The output scanner finds identifiers wherever a reader could see them."""

import json

from pptx import Presentation

from kiap_analysis.leakcheck import Hit, scan


def test_scanner_finds_planted_identifiers_in_every_kind_of_file(tmp_path):
    out = tmp_path / "out"
    (out / "tables").mkdir(parents=True)
    (out / "tables" / "q1.csv").write_text("practice,n\n012345,3\n")
    (out / "notebook.ipynb").write_text(json.dumps({"metadata": {"x": "Lægerne Ådalen"}}))  # escaped \u00e6
    (out / "report.html").write_text("<p>L&aelig;gerne   &Aring;dalen</p>")
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    slide.notes_slide.notes_text_frame.text = "husk 234567"
    prs.core_properties.author = "Lægerne Bakken"
    prs.save(out / "deck.pptx")
    (out / "figure.html").write_text("<img src='data:image/png;base64,AB012345cd9/234567x'>")  # not a match
    hits = scan(out, {"ydernummer": ["012345", "234567"],
                      "practice name": ["Lægerne Ådalen", "Lægerne Bakken"]})
    assert Hit("tables/q1.csv", "ydernummer") in hits
    assert Hit("notebook.ipynb", "practice name") in hits
    assert Hit("report.html", "practice name") in hits
    assert any(h.file.startswith("deck.pptx:ppt/notesSlides/") and h.kind == "ydernummer" for h in hits)
    assert Hit("deck.pptx:docProps/core.xml", "practice name") in hits
    assert not [h for h in hits if h.file == "figure.html"]
    assert all("012345" not in str(h) for h in hits)  # a hit never repeats the value


def test_random_cell_ids_are_not_phone_numbers(tmp_path):
    # nbformat cell ids are 8 random characters, sometimes all digits
    (tmp_path / "notebook.ipynb").write_text(json.dumps({"cells": [{"id": "18967698", "source": "x = 1"}]}))
    (tmp_path / "report.html").write_text('<div class="jp-Cell" id="cell-id=18967698"><p>Tak</p></div>')
    assert scan(tmp_path, {}, patterns=True) == []
    (tmp_path / "report.html").write_text('<div id="cell-id=1"><p>Ring 18967698</p></div>')
    assert scan(tmp_path, {}, patterns=True) == [Hit("report.html", "phone number")]


def test_a_ydernummer_is_not_found_in_the_decimals_of_a_time_stamp(tmp_path):
    # Seen in a benchmark run: papermill's end_time ended in the microseconds 096711.
    meta = {"papermill": {"end_time": "2026-11-23T16:37:50.096711+00:00", "duration": 2.096711}}
    (tmp_path / "notebook.ipynb").write_text(json.dumps({"metadata": meta, "cells": []}))
    assert scan(tmp_path, {"ydernummer": ["096711"]}) == []
    for text in ("ydernr. 096711", "Praksis 096711.", "(096711)", "096711,Lægerne"):
        (tmp_path / "notebook.ipynb").write_text(json.dumps({"cells": [{"source": text}]}))
        assert scan(tmp_path, {"ydernummer": ["096711"]}) == [Hit("notebook.ipynb", "ydernummer")], text
