"""Issue 18, point 4: speaker notes generated from the numbers, then the reflection questions.

Worked out by hand: the tiny order (5 answers):
q1 (scale Uenig, Hverken eller, Enig; Ved ikke): Enig 3/5 = 60 %, Uenig 1/5 = 20 %, Hverken
eller 20 %, Ved ikke 0; q2 (multi-choice): Telefon 3/5 = 60 %, Brev 2/5 = 40 %, Andet 1/5 = 20 %.
"""

from __future__ import annotations

from pptx import Presentation

from kiap_analysis.run import api
from kiap_analysis.run.pipeline import analyse_order

from conftest import tiny_deck, write


def _notes_by_title(tmp_path):
    deck = tiny_deck(tmp_path)
    return {s.shapes.title.text: s.notes_slide.notes_text_frame.text.splitlines()
            for s in deck.slides if s.shapes.title is not None and s.has_notes_slide}


def test_chart_notes_name_the_largest_and_smallest_share_then_the_reflection(tmp_path, workbook):
    notes = _notes_by_title(tmp_path)
    reflection = ["Refleksionsspørgsmål:", "Hvad ser vi?", "Hvad gør vi nu?"]
    # q1: Enig 60 % is the largest level; Uenig and Hverken eller 20 % each; nobody 'Ved ikke'
    # (not said); a three-level scale gets no top-two sentence.
    assert notes["Hvor enig er du?"] == [
        "Flest svarer 'Enig' (60\u00a0%), færrest 'Uenig' og 'Hverken eller' (20\u00a0%).", *reflection]
    assert notes["Hvordan henviser du?"] == [
        "Flest har valgt 'Telefon' (60\u00a0%), færrest 'Andet' (20\u00a0%).", *reflection]


REFERRAL_ORDER = """
orders:
  - id: henv
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    survey: survey.csv
    invited: 10
    referrals: henv.csv
    listed_patients: tilm.csv
"""
# Five practices of 2,000 listed patients. KOL: 10 each: every rate 5,0, nobody outside.
# Diabetes: 10, 10, 10, 10 and 40 (Epsilon): cluster 80 / 10,000 = 8,0 per 1,000, E = 16 each.
# z = 2 (sqrt(x) - sqrt(16)): -1.675 (x4) and 4.649, winsorised at the 90th percentile (R type 7:
# -1.675 + 0.6 x 6.325 = 2.120); phi = (4 x 2.806 + 4.494) / 5 = 3.144, 5 phi = 15.72 > 9.49
# (chi-squared, 4 df, 95 %): overdispersed. tau^2 = (15.72 - 4) / (320 - 64) = 0.0458;
# adjusted limits at E = 16: 95 % upper 16 (1 + 1.96 sqrt(1/64 + 0.0458))^2 = 35.3, 99.8 %
# upper 16 (1 + 3.09 x 0.2477)^2 = 49.9: 40 lies over 95 % only; 10 is above the 95 % lower
# limit 16 (1 - 0.486)^2 = 4.2. So the notes name Epsilon's letter, over the 95 % limit.
REFERRALS = """
Ydernummer;Praksisnavn;KOL;Diabetes
011111;Lægerne Alfa;10;10
022222;Lægerne Beta;10;10
033333;Lægerne Gamma;10;10
044444;Lægerne Delta;10;10
055555;Lægerne Epsilon;10;40
"""
LISTED = "Ydernummer;Tilmeldte\n" + "\n".join(f"0{d}{d}{d}{d}{d};2.000" for d in range(1, 6)) + "\n"
SURVEY_6 = "id;q1\n" + "\n".join(f"{i};I høj grad" for i in range(1, 7))


def _referral_notes(tmp_path, workbook):
    for name, text in (("survey.csv", SURVEY_6), ("henv.csv", REFERRALS), ("tilm.csv", LISTED)):
        write(tmp_path / name, text)
    orders = write(tmp_path / "orders.yaml", REFERRAL_ORDER)
    letters = {y: code for y, (code, _) in analyse_order(orders, "henv", workbook).practices.items()}
    deck = Presentation(str(api.load_order(orders, "henv").build_deck(tmp_path / "deck.pptx")))
    notes = {s.shapes.title.text: s.notes_slide.notes_text_frame.text.splitlines()
             for s in deck.slides if s.shapes.title is not None and s.has_notes_slide}
    return notes, letters


def test_funnel_notes_name_the_flagged_practice_only(tmp_path, workbook):
    notes, letters = _referral_notes(tmp_path, workbook)
    epsilon = f"Praksis {letters['055555']}"
    others = sorted(f"Praksis {c}" for y, c in letters.items() if y != "055555")
    diabetes = notes["Diabetes: henvisninger pr. 1.000 tilmeldte patienter"]
    # 40 / 2,000 = 20,0 per 1,000; 10 / 2,000 = 5,0
    assert diabetes[0] == (f"Højest rate for Diabetes: {epsilon} (20,0 pr. 1.000), lavest: "
                           f"{', '.join(others[:-1])} og {others[-1]} (5,0); klyngen samlet 8,0.")
    assert diabetes[1:3] == [
        f"Uden for tragtens justerede grænser: {epsilon} ligger over 95 %-grænsen; raten ligger længere fra "
        "klyngens, end tilfældig variation ved praksissens størrelse forklarer.",
        "Tragten siger ikke hvorfor; det er et spørgsmål til drøftelsen."]
    assert [line for line in diabetes if "Praksis" in line and "Uden for" in line] == [diabetes[1]]
    kol = notes["KOL: henvisninger pr. 1.000 tilmeldte patienter"]
    assert kol[:2] == ["KOL: de viste praksis har samme rate (5,0 pr. 1.000); klyngen samlet 5,0.",
                       "Alle praksis ligger inden for tragtens grænser: forskellene mellem dem kan være tilfældig "
                       "variation."]
    assert not any(f"Praksis {c}" in line for line in kol for c in letters.values())
    assert kol[2] == "Refleksionsspørgsmål:"


def test_the_overview_notes_name_the_offer_referred_to_most(tmp_path, workbook):
    notes, _ = _referral_notes(tmp_path, workbook)
    # Diabetes 80 / 10,000 = 8,0 per 1,000, KOL 50 / 10,000 = 5,0, the other offers 0.
    assert notes["Henvisninger pr. 1.000 tilmeldte patienter, klyngen samlet"][0] == (
        "Klyngen henviser mest til Diabetes (8,0 pr. 1.000 tilmeldte patienter), mindst til Hjertesygdom, Kræft "
        "og Lænderygsmerter (0,0).")


def test_notes_say_nobody_when_no_one_chose_an_option(tmp_path, workbook):
    notes, _ = _referral_notes(tmp_path, workbook)
    # Six answers 'I høj grad' on a five-level scale: 100 %; top two 'I høj grad' + 'I meget høj grad'.
    assert notes["Kendskab til kommunens tilbud"][:2] == [
        "Flest svarer 'I høj grad' (100\u00a0%); ingen svarer nogen af de 4 andre.",
        "I alt svarer 100\u00a0% 'I høj grad' eller 'I meget høj grad'."]
    assert notes["Hvordan henviser vi?"][0] == "Ingen har valgt nogen af mulighederne."
