"""The output scanner finds identifiers wherever a reader could see them."""

import json

from pptx import Presentation

from kiap_analysis.core.identifiers import Watchlist
from kiap_analysis.privacy.leakcheck import Hit, scan


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


def _deck_with_chart(path, categories, values, notes=""):
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE
    from pptx.util import Inches

    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[5])
    data = CategoryChartData()
    data.categories = categories
    data.add_series("Antal", values)
    slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, 0, 0, Inches(6), Inches(4), data)
    slide.notes_slide.notes_text_frame.text = notes
    prs.save(path)


def test_every_form_of_an_identifier_is_found_where_a_reader_could_see_it(tmp_path, monkeypatch):
    from kiap_analysis.privacy.leakcheck import order_watchlist
    from kiap_analysis.privacy.pseudonyms import PseudonymRegister

    monkeypatch.setenv("KIAP_PSEUDONYM_KEY", "k")
    PseudonymRegister(tmp_path / "private", "Andenklyngen", b"k").assign(["061234"])  # another cluster's practice
    watch = order_watchlist({"ydernummer": ["012345"], "practice_name": ["Lægerne Solbakken"],
                             "respondent": ["Mette Svarholm", "mette@example.invalid"], "public": ["Solbakken"]},
                            tmp_path / "private")
    out = tmp_path / "out"
    (out / "tables").mkdir(parents=True)
    _deck_with_chart(out / "deck.pptx", ["ring 20.30.40.50", "KOL"], [1, 2], notes="spørg svarholm")
    (out / "tables" / "q3.csv").write_text("answer\nfil_0101901234.pdf\n")
    (out / "notebook.ipynb").write_text(json.dumps({"cells": [{"source": ["ydernr 048999"]}]}))
    (out / "report.html").write_text("<li>Lægerne Nordlys henviser mest</li>")
    hits = scan(out, {}, watchlist=watch, extra={"run.log": "praksis 061234 manglede"})
    assert Hit("deck.pptx:ppt/notesSlides/notesSlide1.xml", "name") in hits  # lower case
    assert Hit("deck.pptx:ppt/charts/chart1.xml", "phone number") in hits  # dotted, in the chart's cache
    assert any(h.file.startswith("deck.pptx:ppt/embeddings/") and h.file.endswith("sharedStrings.xml")
               and h.kind == "phone number" for h in hits)  # and in its embedded workbook
    assert Hit("tables/q3.csv", "CPR number") in hits  # after '_'
    assert Hit("notebook.ipynb", "ydernummer") in hits  # after 'ydernr': any number
    assert Hit("report.html", "name") in hits  # written like a practice's name
    assert Hit("run.log", "ydernummer") in hits  # another cluster's registered practice
    assert scan(out, {}, watchlist=Watchlist()) != []  # shapes alone still find the phone, CPR, ydernr ...
    assert not [h for h in scan(out, {}, watchlist=Watchlist()) if h.file.startswith("deck.pptx:ppt/notes")]


def test_time_stamps_digests_pictures_and_chart_numbers_are_no_hits(tmp_path, monkeypatch):
    """Each of these once failed (or would fail) a batch for nothing."""
    import base64
    import hashlib

    from kiap_analysis.privacy.leakcheck import order_watchlist
    from kiap_analysis.privacy.pseudonyms import PseudonymRegister

    monkeypatch.setenv("KIAP_PSEUDONYM_KEY", "k")
    # Registered ydernumre that equal the microseconds and parts of the digits below.
    PseudonymRegister(tmp_path / "private", "Andenklyngen", b"k").assign(["096711", "020304", "048213"])
    watch = order_watchlist({"ydernummer": ["096711"], "respondent": ["Per Høj"]}, tmp_path / "private")
    out = tmp_path / "out"
    out.mkdir()
    picture = base64.b64encode(b"\x89PNG" + bytes(range(256)) * 4 + b"0101901234 20304050 096711").decode()
    notebook = {"metadata": {"papermill": {"start_time": "2026-11-23T16:37:48.048213",
                                           "end_time": "2026-11-23T16:37:50.096711+00:00", "duration": 2.096711}},
                "cells": [{"id": "20304050", "source": "run.export()",
                           "outputs": [{"data": {"image/png": picture, "text/plain": "<Figure at 0x7f3a20304050>"}}]}]}
    (out / "notebook.ipynb").write_text(json.dumps(notebook))
    (out / "manifest.json").write_text(json.dumps({
        "code_version": "0.1.0+3f2a20304050", "inputs": [{"sha256": hashlib.sha256(b"020304").hexdigest()}],
        "timings": {"started": "2026-11-23T16:37:48+00:00", "seconds": 20.304050}}))
    (out / "report.html").write_text(f"<img src='data:image/png;base64,{picture}'><div id='cell-id=20304050'>"
                                     "<p>I høj grad: 45 %, henvisninger per 1.000, 1.1.2025-31.12.2025</p></div>")
    _deck_with_chart(out / "deck.pptx", ["2025", "2026", "Ved ikke", "Uden for 99,8 %"], [12, 34, 56, 78])
    assert scan(out, {"ydernummer": ["096711"]}, watchlist=watch) == []


def test_a_run_id_never_reads_as_an_identifier(monkeypatch):
    """The run id sits in the notebook's paths; with a hex random part and a 4-digit pid,
    '-1234-5678ab' read as a phone number and failed every order of the run (seen: 1 run in 16)."""
    from kiap_analysis.core.identifiers import Watchlist
    from kiap_analysis.run import batch

    watchlist = Watchlist()
    for pid in (123, 1234, 4321, 12345, 99999):
        monkeypatch.setattr(batch.os, "getpid", lambda pid=pid: pid)
        for _ in range(400):
            run_id = batch.new_run_id()
            assert watchlist.find(f"/srv/kiap/data/private/staging/{run_id}/notebook.ipynb") == [], run_id
