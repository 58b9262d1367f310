"""Meeting decks: native charts, Danish number formats, titles, notes, alt text, text that fits."""

import pandas as pd
import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE

from kiap_analysis.core.errors import InputError
from kiap_analysis.core.spec import ProgramStep
from kiap_analysis.present import palette, textfit
from kiap_analysis.present.content import Block, Content, StepContent
from kiap_analysis.present.deck import DEFAULT_TEMPLATE, DeckBuilder, write_deck

pytestmark = pytest.mark.slow


def _decks(demo_run):
    for outcome in demo_run["outcomes"]:
        yield outcome.order_id, Presentation(str(demo_run["paths"].reports / outcome.order_id / "deck.pptx"))


def _is_chart_slide(slide) -> bool:
    return any(shape.name == "Grundlag" for shape in slide.shapes)


def test_chart_slides_hold_native_charts_with_danish_formats_and_alt_text(demo_run):
    for order_id, deck in _decks(demo_run):
        chart_slides = [s for s in deck.slides if _is_chart_slide(s)]
        assert chart_slides, order_id
        for slide in chart_slides:
            charts = [shape for shape in slide.shapes if shape.has_chart]
            notes = slide.notes_slide.notes_text_frame.text
            tables = [shape for shape in slide.shapes if shape.has_table]  # a kind drawn as a table (heat map)
            assert charts or tables or "For få svar" in notes, (order_id, slide.shapes.title.text)
            for frame in tables:
                cells = [cell.text for row in frame.table.rows for cell in row.cells]
                assert sum(bool(c) for c in cells) > len(cells) // 2, (order_id, "an empty table")
            assert not [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
            for frame in charts:
                assert frame._element.nvGraphicFramePr.cNvPr.get("descr"), "alt text"
                xml = frame.chart.part.blob.decode("utf-8")
                assert "[$-406]" in xml  # Danish number formats: '1.234,5' and '45 %'
                assert '<c:lang val="da-DK"/>' in xml
                assert frame.chart.part.chart_workbook.xlsx_part is not None  # editable data
            base = next(s for s in slide.shapes if s.name == "Grundlag").text_frame.text
            assert (base.startswith(("n = ", "20", "Alle", "n ")) or "henvisninger" in base or "praksis" in base
                    or "indlæggelser" in base)
            footer = next(s for s in slide.shapes if s.name == "Fodnote").text_frame.text
            assert footer.startswith("Kilde: ") and "Periode: " in footer


def test_every_slide_has_a_title_and_reflection_slides_have_notes(demo_run):
    for order_id, deck in _decks(demo_run):
        for number, slide in enumerate(deck.slides, start=1):
            assert slide.shapes.title is not None and slide.shapes.title.text.strip(), (order_id, number)
            if slide.shapes.title.text.startswith("Refleksion"):
                body = [p.text for s in slide.placeholders if s.placeholder_format.idx == 1
                        for p in s.text_frame.paragraphs]
                assert slide.notes_slide.notes_text_frame.text.splitlines() == body
            for shape in slide.shapes:
                assert shape.left >= 0 and shape.top >= 0, (order_id, number, shape.name)
                assert shape.left + shape.width <= deck.slide_width, (order_id, number, shape.name)
                assert shape.top + shape.height <= deck.slide_height, (order_id, number, shape.name)


def test_likert_negative_bars_keep_their_colour(demo_run):
    deck = dict(_decks(demo_run))["fjord-2025-akut"]
    xml = next(shape.chart.part.blob.decode() for slide in deck.slides for shape in slide.shapes
               if shape.has_chart and "Meget dårligt" in shape.chart.part.blob.decode())
    assert '<c:invertIfNegative val="0"/>' in xml
    assert xml.count("<c:dPt>") > 0  # explicit per-point fills on the negative side


def test_data_colours_pass_wcag_contrast():
    data = [*palette.diverging(5), *palette.diverging(7), palette.PRIMARY, palette.SECONDARY,
            palette.REFERENCE, palette.DONT_KNOW, palette.OUTLIER, palette.LIMIT_95, palette.LIMIT_998]
    for colour in data:
        assert palette.contrast(colour, palette.BACKGROUND) >= 3.0, colour  # WCAG 1.4.11
        assert palette.contrast(colour, palette.text_on(colour)) >= 4.5, colour  # labels on bars, 1.4.3
    for text in (palette.TEXT, palette.MUTED_TEXT):
        assert palette.contrast(text, palette.BACKGROUND) >= 4.5, text


def _content(answers, reflection=()):
    step = ProgramStep(id="b", kind="block", title="Blok 1: Svar", minutes=20, reflection=tuple(reflection))
    block = Block("free_text", "q3", "Kommentarer", "Har du kommentarer?", base=f"{len(answers)} svar",
                  answers=answers)
    return Content("o", "Testpakke", "Klyngen", "Kommunen", "Baseline", "1.1.2026-30.6.2026", "Spørgeskema",
                   [StepContent(step, [block])], False)


def test_free_text_answers_spread_over_measured_slides(tmp_path):
    answers = [f"Svar nummer {i}: " + "en længere sætning om samarbejdet med kommunen " * (1 + i % 4)
               for i in range(30)]
    answers.append("Et meget langt svar " + "der fylder mere end et helt dias af sig selv " * 60)
    builder = DeckBuilder()
    pages = builder.answer_pages(answers)
    assert len(pages) > 3
    flat = [a for page in pages for a in page]
    assert flat[:30] == [f"»{a}«" for a in answers[:30]]  # every answer, in order
    assert sum("(fortsat)" in a for a in flat) >= 1  # the longest was split, not cut off
    body = next(ph for ph in builder.prs.slide_layouts.get_by_name("Tekst").placeholders
                if ph.placeholder_format.idx == 1)
    width = (body.width - 2 * 91440 - 342900) / 12700
    for page in pages:
        assert textfit.text_height(page, width, 16) <= body.height / 12700
    deck = Presentation(str(write_deck(_content(answers), tmp_path / "deck.pptx")))
    titles = [s.shapes.title.text for s in deck.slides]
    assert f"Kommentarer (1/{len(pages)})" in titles and f"Kommentarer ({len(pages)}/{len(pages)})" in titles


def test_an_order_can_bring_its_own_template(tmp_path):
    custom = Presentation(str(DEFAULT_TEMPLATE))
    custom.slide_master.placeholders[0].text_frame.text = "Region"  # some local restyling
    custom.save(tmp_path / "region.pptx")
    deck = Presentation(str(write_deck(_content(["Godt"]), tmp_path / "deck.pptx", tmp_path / "region.pptx")))
    assert [s.slide_layout.name for s in deck.slides][:2] == ["Titel", "Tekst"]
    broken = Presentation(str(DEFAULT_TEMPLATE))
    layout = broken.slide_layouts.get_by_name("Diagram")
    layout._element.cSld.set("name", "Chart")
    broken.save(tmp_path / "broken.pptx")
    with pytest.raises(InputError, match="lacks the layout\\(s\\) Diagram"):
        write_deck(_content(["Godt"]), tmp_path / "deck.pptx", tmp_path / "broken.pptx")


def test_textfit_wraps_and_shrinks():
    assert textfit.wrap("a b c", 1000, 12) == ["a b c"]
    narrow = textfit.wrap("ord " * 40, 100, 12)
    assert len(narrow) > 5 and all(textfit.text_width(line, 12) <= 100 for line in narrow)
    paragraphs = ["Hvad aftaler vi konkret at gøre efter mødet? I kommunen og i praksis?"] * 8
    assert textfit.largest_size(paragraphs, 800, 300, (20, 18, 16, 14)) in (14, 16, 18, 20)
    assert textfit.largest_size(paragraphs * 10, 800, 300, (20, 18)) is None
    assert pd.Series([textfit.text_width("W" * n, 10) for n in (1, 2, 4)]).is_monotonic_increasing
