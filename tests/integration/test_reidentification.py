"""The re-identification attack: a reader with the public listed-patient counts names letters
from an order's published figures. Hand-made cases, then the demo orders' real outputs."""

import io
import math
import zipfile
from dataclasses import replace

import pandas as pd
import pytest

from kiap_analysis.stats import metrics
from kiap_analysis.stats.reidentification import (
    BASELINE,
    CLUSTER_LETTER,
    Clue,
    attack,
    candidates,
    clues_from_deck,
    clues_from_rate_table,
    clues_from_report,
    consistent,
    named_letters,
    read_clues,
    size_band,
    size_window,
)

LISTED = {"P1": 1500, "P2": 1520, "P3": 3000}


def test_a_count_and_its_rate_leave_a_window_of_sizes():
    # 12 referrals at 8.0 per 1,000 (one decimal): 12000/8.05 <= n <= 12000/7.95, i.e. 1491-1509.
    assert size_window([Clue("A", referrals=12, rate=8.0)]) == (1491, 1509)
    assert consistent(Clue("A", referrals=12, rate=8.0), 1500)
    assert not consistent(Clue("A", referrals=12, rate=8.0), 1520)  # 7.89 would be shown as 7.9
    # A count of 0 still has an upper limit: -ln(0.025) = 3.6889 events, 2.4 per 1,000 for
    # 3688.9/2.45 <= n <= 3688.9/2.35, i.e. 1506-1569.
    zero = Clue("B", referrals=0, rate=0.0, ci_low=0.0, ci_high=2.4)
    assert size_window([zero]) == (1506, 1569)
    assert consistent(zero, 1520) and not consistent(zero, 1500)  # 1500: 2.459 -> 2.5
    # The funnel's x to the nearest 100 narrows the window to +-50.
    assert size_window([Clue("C", size=(2950, 3050))]) == (2950, 3050)
    assert size_window([Clue("D")]) is None  # a '<5' says nothing about the size


def test_a_rate_and_interval_without_the_count_still_tell_sizes_apart():
    # 8.0 (4.1-14.0) is 12 of 1,500 (Byar: 6.19 and 20.96 events); 24 of 3,000 would give
    # 8.0 (5.1-11.9), so a rate alone fits both but the interval only the first.
    assert consistent(Clue("A", rate=8.0), 3000)
    bars = Clue("A", rate=8.0, ci_low=4.1, ci_high=14.0)
    assert consistent(bars, 1500) and not consistent(bars, 3000)


def test_letters_are_named_when_every_assignment_agrees():
    clues = [Clue("A", referrals=12, rate=8.0), Clue("B", referrals=0, rate=0.0, ci_low=0.0, ci_high=2.4),
             Clue("C", rate=4.0, size=(2950, 3050)), Clue("D")]
    found = candidates(clues, LISTED)
    assert found == {"A": {"P1"}, "B": {"P2"}, "C": {"P3"}, "D": {"P1", "P2", "P3"}}
    result = attack(clues, LISTED)
    assert result.named == {"A": "P1", "B": "P2", "C": "P3"} and str(result) == "3 of 4 letters named"
    # Elimination: X could be P1 or P2, but Y can only be P2.
    assert named_letters({"X": frozenset({"P1", "P2"}), "Y": frozenset({"P2"})}) == {"X": "P1", "Y": "P2"}
    assert named_letters({"X": frozenset({"P1", "P2"}), "Y": frozenset({"P1", "P2"})}) == {}
    # A letter whose practice is not in the reader's list does not stop the others being named.
    assert named_letters({"X": frozenset({"P1"}), "Y": frozenset()}) == {"X": "P1"}


def test_intervals_computed_for_a_size_band():
    # The example design: intervals for the band's 1,500 patients, the rate to a whole
    # number. 12 events: 4.1 and 14.0 per 1,000 at 1,500 give 4 and 14.
    band = Clue("A", rate=8.0, ci_low=4.0, ci_high=14.0, decimals=0, size=(1000, 1999), ci_patients=1500)
    assert consistent(band, 1500) and consistent(band, 1600)  # 12/1.6 = 7.5 -> 8
    assert not consistent(band, 1800)  # 12/1.8 = 6.7; 13/1.8 = 7.2 rounds to 7, but 13 events give 4.6 -> 5


def test_the_rate_table_and_the_reports_table_give_the_same_clues(tmp_path):
    csv = pd.DataFrame({"practice": ["Praksis A", "Praksis B", "Praksis C", "Klyngen samlet"],
                        "offer": "KOL", "referrals": ["12", "<5", "skjult", "40"],
                        "rate_per_1000": ["8.0", "", "", "4.0"], "ci_low": ["4.1", "", "", "2.9"],
                        "ci_high": ["14.0", "", "", "5.4"], "expected": ["6.0", "", "", ""],
                        "funnel": ["", "", "", ""]})
    a = Clue("A", "t", 12, 8.0, 4.1, 14.0, expected=6.0, flag="", offer="KOL")
    total = Clue(CLUSTER_LETTER, "t", 40, offer="KOL")
    assert clues_from_rate_table(csv, "t") == [a, Clue("B", "t", offer="KOL"), Clue("C", "t", offer="KOL"), total]
    html = ("<table class='kiap-table'><thead><tr><th>Praksis</th><th>Tilbud</th><th>Henvisninger</th>"
            "<th>Forventet ved klyngens rate</th><th>Pr. 1.000</th><th>95 %-KI fra</th><th>95 %-KI til</th>"
            "<th>Uden for Poisson-grænserne</th></tr></thead><tbody>"
            "<tr><td>Praksis A</td><td>KOL</td><td class='num'>1.012</td><td>6,0</td><td class='num'>8,0</td>"
            "<td class='num'>4,1</td><td class='num'>14,0</td><td>over 95 %</td></tr><tr><td>Praksis B</td>"
            "<td>KOL</td><td class='num'>&lt;5</td><td></td><td class='num'>ikke beregnet</td><td class='num'>ikke "
            "beregnet</td><td class='num'>ikke beregnet</td><td></td></tr></tbody></table>")
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    assert clues_from_report(path) == [Clue("A", "report.html", 1012, 8.0, 4.1, 14.0, expected=6.0, flag="over 95 %",
                                            offer="KOL"), Clue("B", "report.html", offer="KOL")]


def test_strict_tables_give_bands_and_whole_rates_but_no_flags(tmp_path):
    # Strict mode's flags follow from the rate and the band: the reader takes the band, not them.
    csv = pd.DataFrame({"practice": ["Praksis A", "Praksis B"], "offer": "KOL", "referrals": ["", "<5"],
                        "rate_per_1000": ["8", ""], "ci_low": "", "ci_high": "", "expected": "",
                        "funnel": ["over 95 %", ""], "size_band": ["2.500-5.499", "under 2.500"]})
    assert clues_from_rate_table(csv, "t") == [Clue("A", "t", rate=8.0, decimals=0, size=(2500.0, 5499.0), offer="KOL"),
                                               Clue("B", "t", size=(0.0, 2499.0), offer="KOL")]
    assert size_band("5.500 og flere") == (5500.0, math.inf) and size_band("alle størrelser") is None


def test_the_expected_count_and_the_flag_narrow_a_size_with_the_clusters_total():
    # The cluster's 40 referrals over 10,000 listed patients: 4.0 per 1,000. A practice's expected
    # count 6.0 (one decimal) is 4.0 n / 1,000 within 0.05: 1,488 <= n <= 1,512.
    listed = {"P1": 1500, "P2": 1520, "P3": 6980}
    clues = [Clue(CLUSTER_LETTER, referrals=40, offer="KOL"), Clue("A", expected=6.0, offer="KOL"),
             Clue("B", offer="KOL")]
    assert attack(clues, listed).candidates["A"] == {"P1"}  # 1,520 would expect 6.1
    assert attack(clues[1:], listed).candidates["A"] == {"P1", "P2", "P3"}  # no total, no rate: nothing
    # The Poisson flag: 12 referrals where 6.0 are expected is 'over 95 %' (P(X >= 12) = 0.020);
    # where 6.08 (P2) are expected it is still over, at 6980 patients (27.9) it is 'under 99,8 %'.
    flagged = [clues[0], Clue("A", referrals=12, flag="over 95 %", offer="KOL")]
    assert attack(flagged, listed).candidates["A"] == {"P1", "P2"}


def test_a_follow_ups_baseline_figures_are_matched_with_the_baselines_list():
    now, before = {"P1": 1500, "P2": 3000}, {"P1": 1500, "P2": 1600, "P3": 3000}
    clues = [Clue("A", referrals=12, rate=8.0, round=BASELINE), Clue("A"), Clue("B", rate=4.0)]
    result = attack(clues, now, baseline_listed=before)
    assert result.candidates["A"] == {"P1"}  # 12 at 8.0 is 1,491-1,509 in the baseline's list
    # A letter with baseline figures is a practice of the baseline's list; P3 left: no letter here.
    assert result.named == {"A": "P1", "B": "P2"}


def _practice_rates() -> pd.DataFrame:
    referrals = pd.DataFrame({"practice_id": ["A", "B", "C"], "offer": "KOL", "referrals": [12, 3, 12]})
    listed = pd.DataFrame({"practice_id": ["A", "B", "C"], "listed_patients": [1500, 1520, 3000]})
    rates = metrics.referral_rates(referrals, listed, ["KOL"])
    rates = rates[rates["practice_id"] != metrics.CLUSTER].assign(
        practice=lambda t: "Praksis " + t["practice_id"], note="")
    hidden = rates["referrals"] < 5
    rates.loc[hidden, ["rate_per_1000", "ci_low", "ci_high"]] = math.nan
    rates.loc[hidden, "is_rate_computed"] = False
    rates.loc[hidden, "note"] = "<5"
    return rates.round({"rate_per_1000": 1, "ci_low": 1, "ci_high": 1})


def test_the_decks_native_charts_give_rates_intervals_and_funnel_sizes(tmp_path):
    from pptx import Presentation
    from pptx.util import Inches

    from kiap_analysis.present.charts import funnel as funnel_chart
    from kiap_analysis.present.charts import practice_rates
    from kiap_analysis.stats import funnel

    rates = _practice_rates()
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    bars = practice_rates.prepare(rates, offer="KOL", cluster_rate=6.0, strict=False, key=None)
    practice_rates.add_native(slide, (0, 0, Inches(5), Inches(4)), bars)
    fit = funnel.FunnelFit("KOL", 6.0, funnel.overdispersion([], []))  # 2 practices: no overdispersion
    points = funnel_chart.prepare(rates.assign(funnel=""), fit, strict=False, key=None)
    funnel_chart.add_native(slide, (Inches(5), 0, Inches(5), Inches(4)), points)
    prs.save(tmp_path / "deck.pptx")
    found = clues_from_deck(tmp_path / "deck.pptx")
    bars = [c for c in found if c.size is None]
    assert [(c.letter, c.rate, round(c.ci_low, 6), round(c.ci_high, 6)) for c in bars if c.rate] == [
        ("A", 8.0, 4.1, 14.0), ("C", 4.0, 2.1, 7.0)]
    assert "B" in {c.letter for c in bars}  # its bar is empty ('<5'), but the letter exists
    funnel = sorted((c.letter, c.rate, c.size) for c in found if c.size is not None)
    assert funnel == [("A", 8.0, (1450.0, 1550.0)), ("C", 4.0, (2950.0, 3050.0))]  # x: 1,500 and 3,000
    assert attack(found, LISTED).named == {"A": "P1", "C": "P3", "B": "P2"}


# ------------------------------------------------------------------ the demo orders


def _truth(run, order) -> tuple[dict[str, int], dict[str, str]]:
    """The reader's list (the order's listed-patients file) and the true letter of each practice."""
    from kiap_analysis.ingest.referrals import read_listed_patients
    from kiap_analysis.privacy.pseudonyms import PseudonymRegister, load_key, practice_digest

    listed = read_listed_patients(order.listed_patients, order.listed_patients.name).listed
    sizes = {r.ydernummer: int(r.listed_patients) for r in listed.itertuples() if pd.notna(r.listed_patients)}
    key = load_key(run["paths"].private, create=False)
    letters = PseudonymRegister(run["paths"].private, order.cluster, key).letters()
    truth = {y: letters[practice_digest(key, y)] for y in listed["ydernummer"]}
    return sizes, truth


def _referral_orders(run):
    from kiap_analysis.core.orders import load_orders

    orders = load_orders(run["orders"])
    # The referral packages' orders (an admissions order has listed patients too, but no referral rates).
    return [orders.order(e.id) for e in orders.entries
            if orders.order(e.id).listed_patients is not None and orders.order(e.id).referrals is not None], orders


def _assert_sound(result, truth, sizes):
    """The attacker never names a letter wrongly and never loses the true practice."""
    assert {letter: truth[p] for letter, p in result.named.items()} == {x: x for x in result.named}
    for letter, found in result.candidates.items():
        practice = next((p for p, true in truth.items() if true == letter), None)
        if practice in sizes:
            assert practice in found, letter


def _attack_order(run, order, orders):
    """The attack on one published order (and, for a follow-up, with its baseline's list)."""
    folder = run["paths"].reports / order.id
    sizes, truth = _truth(run, order)
    baseline_sizes = None
    if order.baseline:
        baseline_sizes, baseline_truth = _truth(run, orders.order(order.baseline))
        truth = {**baseline_truth, **truth}
    clues = read_clues(folder)
    result = attack(clues, sizes, baseline_listed=baseline_sizes)
    _assert_sound(result, truth, {**(baseline_sizes or {}), **sizes})
    return clues, result


MODES = ("standard", "strict")


@pytest.mark.slow
def test_the_attack_on_the_demo_orders_outputs_in_both_modes(demo_run, strict_demo_run, capsys):
    """Every figure an order publishes (its tables, a follow-up's both rounds, the deck's charts,
    the report), attacked with the true listed-patient lists: strict mode names at most 1 letter,
    and the report states what its own run measured."""
    lines, named = [], {}
    for mode, run in zip(MODES, (demo_run, strict_demo_run), strict=True):
        assert [o.status for o in run["outcomes"] if o.order_id in {"fjord-2025-forebyg", "aa-2026-forebyg"}] \
            == ["ok", "ok"]
        referral_orders, orders = _referral_orders(run)
        for order in referral_orders:
            folder = run["paths"].reports / order.id
            clues, result = _attack_order(run, order, orders)
            sources = {c.source.split(":")[0] for c in clues}
            assert {"tables/referrals_per_1000.csv", "deck.pptx", "report.html"} <= sources
            named[(mode, order.id)] = len(result.named)
            widths = sorted(w[1] - w[0] + 1 for w in result.windows.values() if w and w[1] < 10**9)
            span = f"{widths[0]}-{widths[-1]} patients wide" if widths else "none"
            lines.append(f"{order.id}: {result} ({mode} mode; closed size windows {span})")
            html = (folder / "report.html").read_text(encoding="utf-8")
            assert (f"Med de offentlige tal for tilmeldte patienter kan {len(result.named)} af "
                    f"{len(result.candidates)} praksisbogstaver genkendes") in html
            assert f"disclosure: {mode}" in html
            _assert_charts_hold_what_their_workbooks_hold(folder / "deck.pptx")
    # A reader with both rounds' outputs of the strict follow-up (letters are kept between rounds).
    run = strict_demo_run
    referral_orders, orders = _referral_orders(run)
    follow_up = next(o for o in referral_orders if o.baseline)
    clues = [replace(c, round=BASELINE) for c in read_clues(run["paths"].reports / follow_up.baseline)]
    clues += read_clues(run["paths"].reports / follow_up.id)
    sizes, truth = _truth(run, follow_up)
    before, before_truth = _truth(run, orders.order(follow_up.baseline))
    both = attack(clues, sizes, baseline_listed=before)
    _assert_sound(both, {**before_truth, **truth}, {**before, **sizes})
    lines.append(f"{follow_up.baseline} and {follow_up.id} together: {both} (strict mode)")
    with capsys.disabled():
        print("\n" + "\n".join(lines))
    assert max(n for (mode, _), n in named.items() if mode == "strict") <= 1
    assert min(n for (mode, _), n in named.items() if mode == "standard") >= 8  # what strict is for


def test_strict_charts_read_as_bands(tmp_path):
    """A strict deck's funnel: x is a band's position, the axis title lists the bands."""
    from pptx import Presentation
    from pptx.util import Inches

    from kiap_analysis.present.charts import funnel as funnel_chart
    from kiap_analysis.present.charts import practice_rates
    from kiap_analysis.stats import funnel
    from kiap_analysis.stats.analysis import publishable_rates
    from kiap_analysis.stats.disclosure import SizeBand

    rates = _raw_rates()
    bands = (SizeBand(0, 2499), SizeBand(2500))
    table = publishable_rates(rates, bands=bands)
    practices = table[table["practice"] != metrics.CLUSTER].assign(note="")
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    fit = funnel.fit_offers(table, metrics.CLUSTER)["KOL"]
    bars = practice_rates.prepare(practices, offer="KOL", cluster_rate=fit.cluster_rate, strict=True, key=None)
    practice_rates.add_native(slide, (0, 0, Inches(5), Inches(4)), bars)
    funnel_chart.add_native(slide, (Inches(5), 0, Inches(5), Inches(4)),
                            funnel_chart.prepare(practices, fit, strict=True, key=None))
    prs.save(tmp_path / "deck.pptx")
    found = clues_from_deck(tmp_path / "deck.pptx")
    points = sorted((c.letter, c.rate, c.decimals, c.size) for c in found if c.size is not None)
    # A (1,500) and B (1,520) are under 2,500, drawn at their mean 1,510; C (3,000) above. Rates
    # as whole numbers: 12/1.5 = 8, 7/1.52 = 4.6 -> 5, 12/3 = 4.
    assert points == [("A", 8.0, 0, (0.0, 2499.0)), ("B", 5.0, 0, (0.0, 2499.0)), ("C", 4.0, 0, (2500.0, math.inf))]
    bars = [(c.letter, c.rate, c.ci_low, c.ci_high) for c in found if c.size is None and c.rate]
    assert bars == [("A", 8.0, None, None), ("B", 5.0, None, None), ("C", 4.0, None, None)]  # no error bars
    # A and B fit either practice under 2,500 (12 and 7 referrals at 1,500 or 1,520 give 8 and 5);
    # C is alone in its band: why a band needs at least 3 of the cluster's practices.
    assert attack(found, LISTED).named == {"C": "P3"}


def _raw_rates() -> pd.DataFrame:
    referrals = pd.DataFrame({"practice_id": ["A", "B", "C"], "offer": "KOL", "referrals": [12, 7, 12]})
    listed = pd.DataFrame({"practice_id": ["A", "B", "C"], "listed_patients": [1500, 1520, 3000]})
    rates = metrics.referral_rates(referrals, listed, ["KOL"])
    rates.insert(0, "practice", rates.pop("practice_id").map(
        lambda p: p if p == metrics.CLUSTER else f"Praksis {p}"))
    return rates


def _number(text: str | None) -> float | None:
    """A chart cache's value as a number (also '3.08e-05'), None for a label."""
    try:
        return round(float(text), 9) if text else None
    except ValueError:
        return None


def _assert_charts_hold_what_their_workbooks_hold(deck):
    """The attack reads the charts' caches: every number in an embedded workbook is one of them."""
    from xml.etree import ElementTree

    from openpyxl import load_workbook

    with zipfile.ZipFile(deck) as archive:
        cached, stored = set(), set()
        for member in archive.namelist():
            if member.startswith("ppt/charts/chart") and member.endswith(".xml"):
                root = ElementTree.fromstring(archive.read(member))
                cached |= {number for v in root.iter("{http://schemas.openxmlformats.org/drawingml/2006/chart}v")
                           if (number := _number(v.text)) is not None}
            elif member.startswith("ppt/embeddings/") and member.endswith(".xlsx"):
                book = load_workbook(io.BytesIO(archive.read(member)))
                stored |= {round(float(c.value), 9) for s in book for row in s.iter_rows() for c in row
                           if isinstance(c.value, (int, float))}
    assert stored and stored <= cached
