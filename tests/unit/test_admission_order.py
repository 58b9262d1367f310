"""The admissions package end to end: a tiny order worked by hand through load_order
(run/api.py): the deck's chart values, tables/admissions_*.csv and the reconciliation."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from pptx import Presentation

from kiap_analysis.core.errors import InputError
from kiap_analysis.run import api

from conftest import write

SPEC = """
name: tinyadm
title: Lille indlæggelsespakke
version: "0.1"
data: [survey, admissions]
scales:
  grad: {levels: [Slet ikke, I nogen grad, I høj grad], dont_know: Ved ikke}
admissions:
  short_stay_hours: 4
  readmission_days: 30
  origins:
    - {id: hjem, label: Eget hjem, aliases: [Hjemmet]}
    - {id: pleje, label: Plejebolig, aliases: [Plejehjem]}
  focus_areas:
    - {id: brud, label: Knoglebrud (65+), min_age: 65, codes: [DS72]}
    - {id: luft, label: Nedre luftvejsinfektioner (65+), min_age: 65, codes: [DJ18]}
questions:
  - {id: q1, text: "Hvor ofte kunne indlæggelsen undgås?", type: likert, scale: grad}
program:
  - id: blok1
    kind: block
    title: "Blok 1: Indlæggelserne"
    minutes: 30
    content:
      - admissions: weekday_hour
      - admissions: origin
      - admissions: short_stays
      - admissions: readmissions
      - admissions: rates
      - question: q1
"""
SURVEY = "Respondent;Status;q1\n" + "".join(f"{i};Gennemført;I nogen grad\n" for i in range(1, 7))
LISTED = "Ydernummer;Tilmeldte\n011111;2.000\n022222;1.000\n"
CANARY = "030303-1234"
HEADER = "Indlæggelsestidspunkt;Udskrivningstidspunkt;Alder;Køn;Ydernummer;Henvist fra;Aktionsdiagnose;CPR"


def rows(no_time: int = 1) -> list[str]:
    """2025-03-03 is a Monday, 2025-03-08 a Saturday. Practice 011111: ten Monday 08:xx
    admissions from home with pneumonia, six of 2 hours, four of 30 hours; practice 022222:
    six Saturday 22:xx admissions from a nursing home with a hip fracture, each of 3 hours.
    The first Monday patient (discharged 10:00) comes back on Saturday: one readmission."""
    found = [f"03-03-2025 08:{i:02d};03-03-2025 {10 if i < 6 else 14}:{i:02d};80;K;011111;Hjemmet;DJ18.9;"
             f"{CANARY if i == 0 else f'0101{i:02d}-4321'}" if i < 6 else
             f"03-03-2025 08:{i:02d};04-03-2025 14:{i:02d};80;K;011111;Hjemmet;DJ18.9;0101{i:02d}-4321"
             for i in range(10)]
    found += [f"08-03-2025 22:{i:02d};09-03-2025 01:{i:02d};85;M;022222;Plejehjem;DS720;"
              f"{CANARY if i == 0 else f'0202{i:02d}-4321'}" for i in range(6)]
    found += [";;80;K;011111;Hjemmet;DJ18;"] * no_time  # no admission time
    found += ["28-02-2025 08:00;28-02-2025 12:00;80;K;011111;Hjemmet;DJ18;"]  # before the period
    return found


ORDER = """orders:
  - id: adm-2025
    cluster: Testklyngen
    municipality: Test Kommune
    package: tinyadm.yaml
    survey: survey.csv
    invited: 8
    admissions: indlaeggelser.csv
    listed_patients: tilmeldte.csv
    period: {start: 2025-03-01, end: 2025-03-31}
    accept_loss: {no_admission_time: the region has no time for one transfer}
"""


def order_folder(folder: Path, no_time: int = 1, order: str = ORDER) -> Path:
    write(folder / "tinyadm.yaml", SPEC)
    write(folder / "survey.csv", SURVEY)
    write(folder / "tilmeldte.csv", LISTED)
    write(folder / "indlaeggelser.csv", "\n".join(["Region Eksempel: indlæggelser", "", HEADER,
                                                   *rows(no_time)]) + "\n")
    return write(folder / "orders.yaml", order)


@pytest.fixture
def adm(tmp_path, workbook) -> api.OrderHandle:
    return api.load_order(order_folder(tmp_path / "in"), "adm-2025")


def chart_of(deck: Presentation, title: str):
    for slide in deck.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame]
        if any(t.startswith(title) for t in texts):
            return slide
    raise AssertionError(f"no slide '{title}'")


def test_deck_and_tables_hold_the_hand_worked_numbers(adm, tmp_path):
    deck = Presentation(adm.build_deck(tmp_path / "deck.pptx"))
    # weekday x hour: no small cell, so 2-hour bands: Monday 08-10 10, Saturday 22-24 6.
    grid = next(s for s in chart_of(deck, "Indlæggelser efter ugedag").shapes if s.has_table).table
    assert grid.cell(0, 5).text == "kl. 08-10" and grid.cell(1, 5).text == "10"
    assert grid.cell(6, 12).text == "6" and grid.cell(6, 0).text == "Lørdag" and grid.cell(2, 5).text == "0"
    # origins: 10 of 16 from home (aliases 'Hjemmet'), 6 from a nursing home ('Plejehjem').
    origin = next(s for s in chart_of(deck, "Hvor kommer").shapes if s.has_chart).chart.plots[0]
    assert list(origin.categories) == ["Eget hjem", "Plejebolig"]
    assert list(origin.series[0].values) == [62.5, 37.5]
    # short stays: Monday 6 of 10, Saturday 6 of 6, the week 12 of 16.
    short = next(s for s in chart_of(deck, "Korte indlæggelser").shapes if s.has_chart).chart.plots[0]
    values = dict(zip(short.categories, short.series[0].values, strict=True))
    assert values["Mandag"] == 60.0 and values["Lørdag"] == 100.0 and values["I alt"] == 75.0
    assert values["Tirsdag"] is None  # no admissions on Tuesday: no share
    # readmissions: one (the canary's Saturday admission, within 30 days of Monday's discharge):
    # under 5, so its share is hidden; pneumonia 0 of 10.
    again = next(s for s in chart_of(deck, "Genindlæggelser").shapes if s.has_chart).chart.plots[0]
    values = dict(zip(again.categories, again.series[0].values, strict=True))
    assert values == {"Alle indlæggelser": None, "Knoglebrud (65+)": None, "Nedre luftvejsinfektioner (65+)": 0.0}

    tables = adm.tables()
    readm = tables["admissions_readmissions"].set_index("focus_area")
    assert readm.loc["Alle indlæggelser", ["admissions", "readmissions"]].tolist() == ["16", "<5"]
    assert math.isnan(readm.loc["Alle indlæggelser", "pct"])
    stays = tables["admissions_short_stays"].set_index("weekday")
    assert stays.loc["I alt", ["admissions", "short_admissions", "pct"]].tolist() == ["16", "12", 75.0]
    # rates per 1,000: 10 of 2,000 = 5.0 (Byar from 10 events), 6 of 1,000 = 6.0 (exact Poisson:
    # 2.2019-13.0594, Garwood), the cluster 16 of 3,000 = 5.3.
    rates = tables["admissions_per_1000"]
    every = rates[rates["focus_area"] == "Alle indlæggelser"].set_index("admissions")
    assert every.loc["10", "rate_per_1000"] == 5.0 and every.loc["6", "rate_per_1000"] == 6.0
    z = 1.959964
    byar_low = 10 * (1 - 1 / 90 - z / (3 * math.sqrt(10))) ** 3 / 2
    byar_high = 11 * (1 - 1 / 99 + z / (3 * math.sqrt(11))) ** 3 / 2
    assert every.loc["10", ["ci_low", "ci_high"]].tolist() == [round(byar_low, 1), round(byar_high, 1)]
    assert every.loc["6", ["ci_low", "ci_high"]].tolist() == [2.2, 13.1]
    assert every.loc["16", "rate_per_1000"] == 5.3 and every.loc["16", "practice"] == "Klyngen samlet"
    assert adm.charts()["admissions_rates"].startswith("Indlæggelser pr. 1.000")
    assert "admissions_funnel" in adm.charts()


def test_reconciliation_counts_every_row(adm):
    [account] = [a for a in adm._run.analysis.current.reconciliation.accounts if a.source == "admissions"]
    stages = {s.key: s for s in account.stages}
    assert stages["rows_read"].count == 18 and stages["rows_counted"].count == 16
    assert {d.rule: d.rows for d in stages["rows_counted"].drops} == {"no_admission_time": (20,),
                                                                      "admission_outside_period": (21,)}
    assert stages["admissions"].count == 16 and stages["practices"].count == 2
    assert {a.source for a in adm._run.analysis.current.reconciliation.accounts} == {
        "survey", "admissions", "listed_patients"}


def test_no_cpr_number_in_what_is_written(adm, tmp_path):
    files = adm.export(tmp_path / "out")
    assert any(f.name == "admissions_per_1000.csv" for f in files)
    for file in files:
        data = file.read_bytes()
        assert CANARY.encode() not in data and b"030303" not in data and b"011111" not in data, file


def test_an_order_of_the_package_needs_its_admissions(tmp_path, workbook):
    orders = order_folder(tmp_path / "in", order=ORDER.replace("    admissions: indlaeggelser.csv\n", ""))
    with pytest.raises(InputError, match="needs 'admissions'"):
        api.load_order(orders, "adm-2025")
    orders = order_folder(tmp_path / "in2", order=ORDER.replace("indlaeggelser.csv", "mangler.csv"))
    with pytest.raises(InputError, match=r"mangler\.csv' does not exist"):
        api.load_order(orders, "adm-2025")


def test_the_report_shows_the_admissions_account_and_the_numbers(adm):
    from kiap_analysis.present.report import block_html, data_section_html

    html = data_section_html(adm._run.analysis)
    assert "<h4>Indlæggelser: " in html and "Indlæggelser talt" in html and "− række uden indlæggelsestidspunkt" in html
    table = block_html(adm.block("admissions_short_stays"))
    assert "Under 4 timer" in table and "75\u00a0%" in table


def test_a_row_without_an_admission_time_stops_the_order_unless_accepted(tmp_path, workbook):
    """no_admission_time is a data-loss rule with a limit of 0 rows: an error naming the rule,
    the file and the row, unless accept_loss names it (then a warning)."""
    orders = order_folder(tmp_path / "in", no_time=2, order=ORDER.replace(
        "    accept_loss: {no_admission_time: the region has no time for one transfer}\n", ""))
    with pytest.raises(InputError) as caught:
        api.load_order(orders, "adm-2025")
    [problem] = [p for p in caught.value.problems if "no_admission_time" in p.message]
    assert problem.severity == "error" and problem.file == "indlaeggelser.csv"
    assert "dropped 2 row(s), rows 20, 21" in problem.message and "more than the limit (0 admission rows)" in \
        problem.message
    assert "accept_loss: {no_admission_time: <reason>}" in problem.fix
    accepted = api.load_order(order_folder(tmp_path / "ok", no_time=2), "adm-2025")
    assert any("no_admission_time" in w and "accepted by the order" in w for w in accepted.warnings)
