"""Issue 18's chart glitches, each checked in the deck's chart XML: no automatic chart title,
one legend entry per series shown, the 'Ved ikke' bars in the scale's rows, no '0 %' without
a bar, no axis line through the middle level's labels, one colon in a reflection title, one
word for listed patients on a slide."""

from __future__ import annotations

from pptx.oxml.ns import qn

from kiap_analysis.present.deck import reflection_title

from conftest import tiny_deck

# The deck of conftest.TINY_NAMED_SURVEY: nobody answers 'Ved ikke' on q1.


def _charts(slide):
    return [s.chart for s in slide.shapes if s.has_chart]


def _slide(deck, title):
    return next(s for s in deck.slides if s.shapes.title is not None and s.shapes.title.text == title)


def test_no_chart_has_an_automatic_title(tmp_path, workbook):
    deck = tiny_deck(tmp_path)
    charts = [c for s in deck.slides for c in _charts(s)]
    assert len(charts) == 3  # q1: the scale and its 'Ved ikke'; q2: the options
    for chart in charts:
        space = chart._chartSpace
        assert space.find(".//" + qn("c:title")) is None
        assert space.find(".//" + qn("c:autoTitleDeleted")).get("val") == "1"


def test_one_legend_entry_per_series_shown(tmp_path, workbook):
    for chart in (c for s in tiny_deck(tmp_path).slides for c in _charts(s)):
        legend = chart._chartSpace.find(".//" + qn("c:legend"))
        if legend is None:
            continue
        names = [s.name for p in chart.plots for s in p.series]
        deleted = {e.find(qn("c:idx")).get("val") for e in legend.findall(qn("c:legendEntry"))
                   if e.find(qn("c:delete")) is not None}
        shown = [n for i, n in enumerate(names) if str(i) not in deleted]
        assert len(shown) == len(set(shown))


def test_the_dont_know_bars_sit_in_the_scales_rows_and_a_zero_has_no_label(tmp_path, workbook):
    scale, dont_know = _charts(_slide(tiny_deck(tmp_path), "Hvor enig er du?"))
    assert list(dont_know.plots[0].categories) == list(scale.plots[0].categories)

    def plot_rows(chart):
        manual = chart._chartSpace.find(".//" + qn("c:plotArea") + "/" + qn("c:layout") + "/" + qn("c:manualLayout"))
        return manual.find(qn("c:y")).get("val"), manual.find(qn("c:h")).get("val")

    assert plot_rows(dont_know) == plot_rows(scale)
    assert dont_know.plots[0].series[0].values == (0.0,)
    [label] = dont_know._chartSpace.findall(".//" + qn("c:ser") + "/" + qn("c:dLbls") + "/" + qn("c:dLbl"))
    assert label.find(qn("c:delete")).get("val") == "1"


def test_no_axis_line_through_the_middle_levels_labels(tmp_path, workbook):
    """The diverging chart's dark category axis line sits at the value axis's minimum (the
    plot's left edge), not at 0 where the middle level's label ('Hverken eller', split across
    0) is drawn."""
    scale, _ = _charts(_slide(tiny_deck(tmp_path), "Hvor enig er du?"))
    category_axis = scale._chartSpace.find(".//" + qn("c:catAx"))
    assert category_axis.find(qn("c:crosses")).get("val") == "min"
    assert category_axis.find(qn("c:crossesAt")) is None
    middle = [s for s in scale.plots[0].series if s.name == "Hverken eller"]
    assert [s.values for s in middle] == [(-10.0,), (10.0,)]  # 1 of 5 = 20 %, half on each side of 0


def test_a_reflection_title_has_one_colon():
    assert reflection_title("Blok 1: Kommunens tilbud") == "Refleksion over blok 1: Kommunens tilbud"
    assert reflection_title("Opsamling") == "Refleksion: Opsamling"


def test_the_reflection_slide_of_the_deck(tmp_path, workbook):
    titles = [s.shapes.title.text for s in tiny_deck(tmp_path).slides if s.shapes.title is not None]
    assert "Refleksion over blok 1: Det hele" in titles
    assert not [t for t in titles if t.count(":") > 1]


def test_one_word_for_listed_patients_on_a_referral_slide():
    from kiap_analysis.present import content

    source = __import__("inspect").getsource(content)
    assert "tilknyttede" not in source  # the glossary's word on slides is 'tilmeldte'
