"""The admissions package's numbers (stats/admissions.py) against values worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from kiap_analysis.stats.admissions import (
    ALL_ADMISSIONS,
    admission_rates,
    by_age_focus,
    by_origin,
    readmissions,
    short_stays,
    suppress_counts,
    weekday_hour,
)

FRACTURE, CHILD = "Knoglebrud (65+)", "Børn 0-2 år"


def frame(rows) -> pd.DataFrame:
    """rows: (admitted 'YYYY-MM-DD HH:MM', stay hours, ydernummer, origin, focus area, age group, readmission)."""
    out = pd.DataFrame(rows, columns=["admitted_at", "stay_hours", "ydernummer", "origin", "focus_area",
                                      "age_group", "is_readmission"])
    out["admitted_at"] = pd.to_datetime(out["admitted_at"])
    out["is_readmission"] = out["is_readmission"].astype("boolean")
    return out


# 2025-03-03 is a Monday, 2025-03-08 a Saturday.
SMALL = frame([
    ("2025-03-03 14:05", 2.5, "012345", "Eget hjem", FRACTURE, "80+ år", False),
    ("2025-03-03 09:00", 48.0, "012345", "Plejebolig", FRACTURE, "65-79 år", True),
    ("2025-03-03 10:30", 24.0, "012346", "Plejebolig", CHILD, "0-2 år", True),
    ("2025-03-08 02:10", 3.0, "012346", "Eget hjem", CHILD, "0-2 år", None),
    ("2025-03-08 03:59", math.nan, "", "Ukendt", FRACTURE, "80+ år", False),
])


def cell(table, weekday, band):
    return int(table.loc[(table["weekday"] == weekday) & (table["band"] == band), "admissions"].iloc[0])


def test_weekday_hour_coarsens_small_cells_to_wider_bands():
    # 2-hour bands: Mon 08-10, 10-12, 14-16 and Sat 02-04 hold 1, 1, 1, 2: all small -> 4 h:
    # Mon 08-12 2, 12-16 1, Sat 00-04 2: still all small -> 8 h: Mon 08-16 3, Sat 00-08 2.
    table = weekday_hour(SMALL)
    assert set(table["band_hours"]) == {8} and len(table) == 7 * 3
    assert cell(table, "Mandag", "08-16") == 3 and cell(table, "Lørdag", "00-08") == 2
    assert table["admissions"].sum() == 5


def test_weekday_hour_keeps_two_hour_bands_when_cells_are_large():
    many = frame([("2025-03-03 08:15", 1.0, "012345", "Eget hjem", FRACTURE, "80+ år", False)] * 6
                 + [("2025-03-04 22:00", 1.0, "012345", "Eget hjem", FRACTURE, "80+ år", False)] * 5
                 + [("2025-03-05 13:00", 1.0, "012345", "Eget hjem", FRACTURE, "80+ år", False)])
    # cells 6, 5, 1: one of three small (33 % > 25 %) -> 4 h: Mon 08-12 6, Tue 20-24 5, Wed 12-16 1: the same -> 8 h.
    assert set(weekday_hour(many)["band_hours"]) == {8}
    assert set(weekday_hour(many.iloc[:11])["band_hours"]) == {2}  # 6 and 5: none small
    table = weekday_hour(many.iloc[:11])
    assert cell(table, "Mandag", "08-10") == 6 and cell(table, "Tirsdag", "22-24") == 5 and len(table) == 7 * 12


def test_origin_shares_in_the_packages_order():
    table = by_origin(SMALL, ["Eget hjem", "Plejebolig", "Kommunal akutplads"])
    assert list(table["origin"]) == ["Eget hjem", "Plejebolig", "Kommunal akutplads", "Ukendt"]
    assert list(table["admissions"]) == [2, 2, 0, 1]
    assert list(table["pct"]) == [40.0, 40.0, 0.0, 20.0]


def test_age_group_by_focus_area():
    table = by_age_focus(SMALL, [FRACTURE, CHILD])
    got = {(r.focus_area, r.age_group): r.admissions for r in table.itertuples()}
    assert got == {(FRACTURE, "0-2 år"): 0, (FRACTURE, "65-79 år"): 1, (FRACTURE, "80+ år"): 2,
                   (CHILD, "0-2 år"): 2, (CHILD, "65-79 år"): 0, (CHILD, "80+ år"): 0}


def test_short_admission_share_by_weekday():
    table = short_stays(SMALL, 4).set_index("weekday")
    # Monday: 2.5, 48, 24 h -> 1 of 3 short; Saturday: 3 h (the unknown stay is left out) -> 1 of 1.
    assert table.loc["Mandag", ["admissions", "short_admissions"]].tolist() == [3, 1]
    assert table.loc["Mandag", "pct"] == pytest.approx(100 / 3)
    assert table.loc["Lørdag", "pct"] == 100.0 and math.isnan(table.loc["Tirsdag", "pct"])
    assert table.loc["I alt", ["admissions", "short_admissions"]].tolist() == [4, 2]


def test_readmission_share():
    table = readmissions(SMALL, [FRACTURE, CHILD]).set_index("focus_area")
    # four admissions with a status (one unknown), two readmissions; fractures 1 of 3, children 1 of 1.
    assert table.loc[ALL_ADMISSIONS, ["admissions", "readmissions", "pct"]].tolist() == [4, 2, 50.0]
    assert table.loc[FRACTURE, "pct"] == pytest.approx(100 / 3) and table.loc[CHILD, "pct"] == 100.0


def test_rates_per_1000_with_exact_poisson_intervals():
    listed = pd.DataFrame({"ydernummer": ["012345", "012346"], "listed_patients": [2000, 500]})
    rates = admission_rates(SMALL, listed, {"012345": "A", "012346": "B"}, [FRACTURE, CHILD])
    row = rates[(rates["practice_id"] == "A") & (rates["offer"] == ALL_ADMISSIONS)].iloc[0]
    # 2 admissions of 2,000: 1.0 per 1,000; exact Poisson 95 % limits of 2 are 0.2422 and 7.2247
    # (chi2(0.025, 4)/2, chi2(0.975, 6)/2), so 0.1211 and 3.6124 per 1,000.
    assert row["referrals"] == 2 and row["rate_per_1000"] == 1.0
    assert row["ci_low"] == pytest.approx(0.12110, abs=1e-4) and row["ci_high"] == pytest.approx(3.61235, abs=1e-4)
    cluster = rates[(rates["practice_id"] == "Klyngen samlet") & (rates["offer"] == ALL_ADMISSIONS)].iloc[0]
    assert cluster["referrals"] == 4 and cluster["rate_per_1000"] == pytest.approx(4 * 1000 / 2500)  # the '' row out
    child = rates[(rates["practice_id"] == "B") & (rates["offer"] == CHILD)].iloc[0]
    assert child["referrals"] == 2 and child["rate_per_1000"] == 4.0


def test_small_counts_are_shown_as_under_five():
    table = suppress_counts(by_origin(SMALL, ["Eget hjem", "Plejebolig"]))
    assert list(table["admissions_shown"]) == ["<5", "<5", "<5"]
    assert table["pct"].isna().all()
    big = suppress_counts(pd.DataFrame({"admissions": [0, 5, 4], "pct": [0.0, 55.6, 44.4]}))
    assert list(big["admissions_shown"]) == ["0", "5", "<5"] and big["pct"].tolist()[:2] == [0.0, 55.6]
