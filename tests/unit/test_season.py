"""reports/season.html from hand-made order folders: orders per package, AAPOR response rates
and the clusters' rates per offer side by side, suppressed as the tables are, practices never."""

import re

from kiap_analysis.core.manifest import Manifest, Status, write_manifest
from kiap_analysis.present.season import ClusterRate, rate_cell, read_season, season_html, write_season
from kiap_analysis.privacy.suppression import is_small_count

from conftest import write

HEADER = "practice,offer,referrals,rate_per_1000,ci_low,ci_high,expected,funnel,funnel_adjusted\n"
TABLE = "tables/referrals_per_1000.csv"


def _order(reports, order_id, package, cluster, round_, response, table=None, status=Status.OK):
    folder = reports / order_id
    outputs = ["deck.pptx"]
    if table is not None:
        write(folder / TABLE, HEADER + table)
        outputs.append(TABLE)
    folder.mkdir(parents=True, exist_ok=True)
    write_manifest(folder, Manifest(order_id, status, cluster=cluster, round=round_, package={"name": package},
                                    outputs=outputs, response=response))


def _two_clusters(reports):
    _order(reports, "a-2026", "forebyg", "Aklyngen", "baseline", {"invited": 20, "responded": 15, "completed": 12},
           "Praksis A,KOL,12,3.0,1.6,5.2,,,\n"
           "Klyngen samlet,KOL,40,4.0,2.9,5.4,,,\n"
           "Klyngen samlet,Diabetes,<5,,,,,,\n")
    _order(reports, "b-2026", "forebyg", "Bklyngen", "follow-up", {"invited": 9, "responded": 4, "completed": 2},
           "Lægehuset Solbakken,KOL,3,9.9,,,,,\n"  # a practice's row: never read
           "Klyngen samlet,KOL,3,1.2,0.3,3.5,,,\n"  # an older table's unsuppressed small count
           "Klyngen samlet,Diabetes,25,10.0,6.5,14.8,,,\n"
           "Klyngen samlet,Kræft,0,0.0,0.0,1.5,,,\n")


def _cells(page, row_label):
    row = re.search(rf"<tr><td>{re.escape(row_label)}</td>(.*?)</tr>", page)
    assert row, row_label
    return re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))


def test_the_season_page_sets_the_clusters_rates_side_by_side(tmp_path):
    reports = tmp_path / "reports"
    _two_clusters(reports)
    _order(reports, "c-2026", "forebyg", "Cklyngen", "baseline", {}, status=Status.FAILED)
    _order(reports, "d-2026", "akut", "Aklyngen", "baseline", {"invited": None, "responded": 7, "completed": 7})
    page = season_html(read_season(reports), stamp="1.12.2026 10:00")
    assert "4 ordrer i 2 pakker. Opdateret 1.12.2026 10:00." in page
    forebyg = page[page.index("<h2>forebyg</h2>"):]
    assert page.index("<h2>akut</h2>") < page.index("<h2>forebyg</h2>")  # packages by name
    assert "<p>3 ordrer: 2 færdige, 1 fejlet.</p>" in forebyg
    # AAPOR RR2 = (completed + partial) / invited, RR1 = completed / invited: 15/20, 12/20; 4/9, 2/9.
    assert _cells(page, "a-2026") == ["Aklyngen", "Basismåling", "færdig", "20", "15", "75\u00a0%", "60\u00a0%"]
    assert _cells(page, "b-2026") == ["Bklyngen", "Opfølgning", "færdig", "9", "4", "44\u00a0%", "22\u00a0%"]
    assert _cells(page, "c-2026") == ["Cklyngen", "Basismåling", "fejlet", "–", "–", "–", "–"]
    assert _cells(page, "d-2026") == ["Aklyngen", "Basismåling", "færdig", "ukendt", "7", "ukendt", "ukendt"]
    # One column per order with rates (the failed one has none), an offer per row in first-seen order.
    heads = re.findall(r"<th class='num'>(.*?)</th>", forebyg)
    assert heads == ["Aklyngen<br><small>Basismåling · a-2026</small>",
                     "Bklyngen<br><small>Opfølgning · b-2026</small>"]
    assert _cells(forebyg, "KOL") == ["4,0 (2,9–5,4)", "&lt;5"]  # 3 referrals: suppressed here too
    assert _cells(forebyg, "Diabetes") == ["&lt;5", "10,0 (6,5–14,8)"]
    assert _cells(forebyg, "Kræft") == ["–", "0,0 (0,0–1,5)"]  # not in a-2026's table; a 0 is shown
    assert "Tilbud</th>" not in page[page.index("<h2>akut</h2>"):page.index("<h2>forebyg</h2>")]
    assert "Praksis" not in re.sub(r"Praksis vises ikke her", "", page) and "Solbakken" not in page
    assert "9,9" not in page and "3,0" not in page  # the practices' rates are not read


def test_a_cluster_rate_is_shown_as_the_tables_show_it():
    def rate(referrals, value="2.5", low="1.0", high="4.1"):
        return rate_cell(ClusterRate("KOL", referrals, value, low, high), minimum=5)

    assert (rate("<5"), rate("skjult"), rate("4"), rate("5"), rate("1234")) == (
        "<5", "skjult", "<5", "2,5 (1,0–4,1)", "2,5 (1,0–4,1)")
    assert rate("12", value="") == "ikke beregnet" and rate("12", low="") == "2,5"
    assert rate_cell(None) == "–"
    assert [is_small_count(n, 5) for n in (0, 1, 4, 5)] == [False, True, True, False]
    assert [is_small_count(n, 10) for n in (9, 10)] == [True, False]


def test_a_leaking_season_page_keeps_the_old_one(tmp_path):
    reports = tmp_path / "reports"
    _two_clusters(reports)
    assert write_season(reports, check=lambda page: []) == []
    before = (reports / "season.html").read_text(encoding="utf-8")
    assert "Bklyngen" in before
    _order(reports, "e-2026", "forebyg", "Eklyngen", "baseline", {})
    hits = write_season(reports, check=lambda page: ["name"] if "Eklyngen" in page else [])
    assert hits == ["name"] and (reports / "season.html").read_text(encoding="utf-8") == before
    assert not list(reports.glob(".*tmp"))
