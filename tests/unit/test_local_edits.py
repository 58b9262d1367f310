"""An order's local question edits reach the deck and the report in the right blocks."""

import pytest
from pptx import Presentation

from kiap_analysis.present.content import build_content
from kiap_analysis.present.deck import write_deck
from kiap_analysis.present.report import step_html
from kiap_analysis.run.pipeline import analyse_order

from conftest import write

ORDERS = """
orders:
  - id: lokal
    cluster: Testklyngen
    municipality: Test Kommune
    package: akutfunktioner
    survey: survey.csv
    invited: 10
    questions:
      remove: [q10, q2]
      add:
        - {id: lok1, block: blok3, type: single_choice, text: "Kender du akuttelefonen?", options: [Ja, Nej]}
        - id: lok2
          block: blok1
          type: likert
          text: "Hvor tilfreds er du med udkørslen?"
          scale: {levels: [Utilfreds, Neutral, Tilfreds], dont_know: Ved ikke}
        - id: lok3
          block: blok2
          type: multi_choice
          text: "Hvilke dage ringer du?"
          options: [Hverdag, Weekend]
        - id: lok4
          block: opsamling
          type: free_text
          text: "Sidste ord?"
        - id: lok5
          block: blok2
          type: likert_grid
          text: "Hvordan fungerer vagterne?"
          scale: opfyldelse
          items: [Dag, Aften]
"""
HEADER = "id;q1;q7;lok1;lok2;lok3_1;lok3_2;lok4;lok5_1;lok5_2;q10"
ROW = "{i};Godt kendskab;Elektronisk henvisning;{ja};Tilfreds;1;{weekend};{text};Godt;Dårligt;Aldrig"


@pytest.fixture
def analysis(tmp_path, workbook):
    rows = [ROW.format(i=i, ja="Ja" if i % 3 else "Nej", weekend=i % 2, text="Tak" if i == 1 else "")
            for i in range(1, 7)]
    write(tmp_path / "survey.csv", "\n".join([HEADER, *rows]))
    orders = write(tmp_path / "orders.yaml", ORDERS)
    return analyse_order(orders, "lokal", workbook)


def test_removed_questions_are_gone_and_added_ones_sit_in_their_blocks(analysis, tmp_path):
    content = build_content(analysis)
    keys = {s.step.id: [b.key for b in s.blocks] for s in content.steps}
    assert keys["blok1"] == ["q1", "q3", "lok2"]
    assert keys["blok2"] == ["q4", "q5", "q6", "lok3", "lok5"]
    assert keys["blok3"] == ["q7", "q8", "q9", "lok1"]
    assert keys["opsamling"] == ["q11", "lok4"]
    lok1 = analysis.current.survey.tables["lok1"]
    assert lok1["n"].tolist() == [4, 2] and set(lok1["base"]) == {6}  # Ja for 1, 2, 4, 5
    assert analysis.current.survey.tables["lok3"]["n"].tolist() == [6, 3]
    assert "q10" not in analysis.current.survey.tables and "q2" not in analysis.current.survey.tables
    assert "q10" not in analysis.current.survey.ingest.unmapped_questions  # removed, not missing

    deck = Presentation(str(write_deck(content, tmp_path / "deck.pptx")))
    titles = [slide.shapes.title.text for slide in deck.slides]
    assert "Mangler tilbagemelding fra kommunen" not in titles
    assert "Opfyldelse af behovet, efter patientgruppe" not in titles
    blok3 = titles.index("Blok 3: Henvisning og samarbejde")
    assert titles.index("Kender du akuttelefonen?") > blok3
    assert titles.index("Sidste ord?") > titles.index("Opsamling og opfølgning")

    html = "".join(step_html(s) for s in content.steps)
    assert "Hvordan fungerer vagterne?" in html and "Oplever du, at der mangler tilbagemelding" not in html


def test_a_bad_local_edit_names_the_order_line_and_fix(tmp_path, workbook):
    write(tmp_path / "survey.csv", "id;q1\n1;Godt kendskab\n")
    orders = write(tmp_path / "orders.yaml", ORDERS.replace("block: opsamling", "block: afslutning"))
    from kiap_analysis.core.errors import InputError

    with pytest.raises(InputError) as caught:
        analyse_order(orders, "lokal", workbook)
    (problem,) = caught.value.problems
    assert (problem.line, problem.column) == (2, "questions")  # the order starts on line 2
    assert problem.message == "order lokal: questions.add (lok4): unknown block 'afslutning'"
    assert str(problem).startswith(f"{orders}, line 2, column 'questions': order lokal: ")
    assert "Local question edits" in problem.fix
