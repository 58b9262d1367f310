"""The admissions chart kinds: the heat map as a native table, the share bars as a native chart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from pptx import Presentation
from pptx.util import Inches

from kiap_analysis.present import charts
from kiap_analysis.stats.admissions import by_origin, suppress_counts, weekday_hour

BOX = (Inches(0.5), Inches(1.5), Inches(9), Inches(5))


def admissions(times: list[str], origins: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"admitted_at": pd.to_datetime(times), "origin": origins})


def slide():
    deck = Presentation()
    return deck.slides.add_slide(deck.slide_layouts[6])


def test_heat_map_as_a_native_table_with_small_cells_hidden():
    times = ["2025-03-03 08:30"] * 6 + ["2025-03-04 22:10"] * 5  # Mon 08-10: 6, Tue 22-24: 5
    table = suppress_counts(weekday_hour(admissions(times, ["Eget hjem"] * 11)), shares_of=())
    chart = charts.get("weekday_hour").prepare(table, key="weekday_hour")
    [shape] = charts.get("weekday_hour").add_native(slide(), BOX, chart)
    grid = shape.table
    assert grid.cell(0, 1).text == "kl. 00-02" and grid.cell(1, 0).text == "Mandag"
    assert grid.cell(1, 5).text == "6" and grid.cell(2, 12).text == "5" and grid.cell(3, 1).text == "0"
    assert str(grid.cell(1, 5).fill.fore_color.rgb) == "0B4F6C"  # the busiest cell is darkest
    ax = charts.get("weekday_hour").draw(chart, ax=plt.figure().gca())
    assert [t.get_text() for t in ax.get_yticklabels()][:2] == ["Mandag", "Tirsdag"]
    assert "Flest kl. 08-10 om mandag" in charts.get("weekday_hour").alt_text(chart)
    small = suppress_counts(weekday_hour(admissions(times[:3], ["Eget hjem"] * 3)), shares_of=())
    assert "<5" in set(small["admissions_shown"]) and set(small["band_hours"]) == {8}


def test_origin_shares_as_a_native_bar_chart():
    origins = ["Eget hjem"] * 6 + ["Plejebolig"] * 3 + ["Kommunal akutplads"]
    table = suppress_counts(by_origin(admissions(["2025-03-03 08:30"] * 10, origins),
                                      ["Eget hjem", "Plejebolig", "Kommunal akutplads"]))
    table = table.rename(columns={"origin": "category"})
    chart = charts.get("admission_shares").prepare(table, key="origin", label="andel af alle indlæggelser")
    [frame] = charts.get("admission_shares").add_native(slide(), BOX, chart)
    plot = frame.chart.plots[0]
    assert list(plot.categories) == ["Eget hjem", "Plejebolig", "Kommunal akutplads"]
    assert list(plot.series[0].values) == [60.0, None, None]  # 3 and 1 are under 5: hidden
    text = charts.get("admission_shares").alt_text(chart)
    assert "Eget hjem 60\u00a0% (n = 6)" in text and "Plejebolig skjult (n = <5)" in text
    charts.get("admission_shares").draw(chart, ax=plt.figure().gca())
    plt.close("all")
