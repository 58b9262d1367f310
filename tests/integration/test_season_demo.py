"""The demo season (the session's demo_run): reports/season.html shows each demo cluster's rates
per offer and each order's response rates, names no practice and passes the leak check."""

import csv
import html
import re

from kiap_analysis.core.orders import load_orders
from kiap_analysis.run.batch import page_leak_check


def _row(page, label):
    """The cells after the first cell ``label`` of the first row that starts with it."""
    found = re.search(rf"<tr><td>{re.escape(label)}</td>(.*?)</tr>", page)
    assert found, label
    return [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1))]


def _section(page, package):
    start = page.index(f"<h2>{package}</h2>")
    end = page.find("<h2>", start + 1)
    return page[start:end if end > 0 else len(page)]


def test_the_season_page_shows_each_demo_clusters_rates(demo_run):
    reports = demo_run["paths"].reports
    page = (reports / "season.html").read_text(encoding="utf-8")
    assert "<a href='season.html'>Sæsonoversigt</a>" in (reports / "index.html").read_text(encoding="utf-8")
    assert "6 ordrer i 3 pakker." in page
    forebyg = _section(page, "forebyggelse-rehabilitering")
    assert "<p>3 ordrer: 3 færdige, 0 fejlet.</p>" in forebyg
    assert "<p>2 ordrer: 2 færdige, 0 fejlet.</p>" in _section(page, "akutfunktioner")
    # Columns by cluster name, then order: Fjordklyngen's two rounds, then Åklyngen.
    heads = [re.sub(r"<.*?>", " ", h).split() for h in re.findall(r"<th class='num'>(.*?)</th>", forebyg)]
    assert [h[-1] for h in heads] == ["fjord-2025-forebyg", "fjord-2026-forebyg", "aa-2026-forebyg"]
    # The 'Klyngen samlet' rows of the demo's tables (tests/data/demo_summary.json), as Danish numbers.
    assert _row(forebyg, "Diabetes") == ["5,0 (4,4–5,7)", "5,8 (5,1–6,6)", "5,2 (4,6–5,9)"]
    assert _row(forebyg, "KOL") == ["3,0 (2,5–3,6)", "3,9 (3,3–4,5)", "3,1 (2,7–3,7)"]
    assert _row(forebyg, "Lænderygsmerter") == ["3,4 (2,9–4,0)", "4,8 (4,1–5,5)", "3,7 (3,1–4,2)"]
    # Every cluster row of every table is on the page, in its column.
    for column, order_id in enumerate(["fjord-2025-forebyg", "fjord-2026-forebyg", "aa-2026-forebyg"]):
        with open(reports / order_id / "tables" / "referrals_per_1000.csv", encoding="utf-8") as table:
            cluster = [r for r in csv.DictReader(table) if r["practice"] == "Klyngen samlet"]
        assert len(cluster) == 5
        for r in cluster:
            rate = f"{r['rate_per_1000']} ({r['ci_low']}–{r['ci_high']})".replace(".", ",")
            assert _row(forebyg, r["offer"])[column] == rate
    # AAPOR RR2 and RR1 as each order's report gives them.
    assert _row(page, "aa-2026-akut")[-4:] == ["33", "28", "85\u00a0%", "79\u00a0%"]
    assert _row(page, "fjord-2026-forebyg")[-4:] == ["29", "21", "72\u00a0%", "66\u00a0%"]
    assert "Praksis " not in page.replace("Praksis vises ikke her", "")
    check = page_leak_check(load_orders(demo_run["orders"]), demo_run["paths"])
    assert check("season.html", page) == []
