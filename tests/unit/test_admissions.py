"""The admissions reader on a small extract worked by hand (ingest/admissions.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from kiap_analysis.clean.reconcile import admission_account
from kiap_analysis.core.errors import InputError
from kiap_analysis.core.orders import Period
from kiap_analysis.core.spec import load_spec
from kiap_analysis.ingest.admissions import (
    diagnosis_code,
    mark_readmissions,
    parse_datetime,
    read_admissions,
)

SPEC = load_spec(Path(__file__).parents[2] / "kiap_analysis/catalogue/indlaeggelser.yaml")
CONFIG = SPEC.admissions
MARCH = Period(dt.date(2025, 3, 1), dt.date(2025, 3, 31))
CANARY_1, CANARY_2 = "010143-1234", "0202452345"
# 20-03-2025 10:30 as an Excel serial: (2025-03-20 - 1899-12-30) = 45736 days, 10:30 = 0.4375
SERIAL = "45736.4375"
HEADER = ("Indlæggelsestidspunkt;Udskrivningstidspunkt;Alder;Køn;Ydernummer;Henvist fra;Aktionsdiagnose;"
          "CPR-nummer")
ROWS = [
    f"03-03-2025 14:05;03-03-2025 16:35;82;K;012345;Eget hjem;DS720;{CANARY_1}",  # Mon, 2.5 h, fracture
    f"2025-03-10T09:00;2025-03-12T09:00;78;M;12345;Plejehjem;DJ18.9;{CANARY_2}",  # Mon, 48 h, readmitted
    f"{SERIAL};21-03-2025 10:30;85;K;012346;plejecenter;DR509;{CANARY_1}",  # Thu, 24 h, readmitted
    "15-03-2025 02:10;15-03-2025 05:10;1;M;012346;Eget hjem;DJ21;",  # Sat, 3 h, child
    "I alt;;;;;;;",
    ";;40;K;012345;Eget hjem;DI21;",  # no admission time
    f"28-02-2025 08:00;28-02-2025 12:00;70;M;012345;Eget hjem;DJ18;{CANARY_2}",  # before the period
]


def extract(folder: Path, rows=ROWS, encoding="utf-8", title=True) -> Path:
    path = folder / "indlaeggelser.csv"
    lines = (["Indlæggelser for klyngens borgere, Region Eksempel", ""] if title else []) + [HEADER, *rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def test_datetimes_in_every_form():
    expected = dt.datetime(2025, 3, 1, 14, 5)
    for value in ("01-03-2025 14:05", "01.03.2025 14.05", "2025-03-01T14:05", "2025-03-01 14:05:00",
                  "01-03-2025 kl. 14:05", 45717 + (14 * 60 + 5) / 1440, "45717,586806", expected):
        assert parse_datetime(value) == expected, value


def test_diagnosis_codes_take_the_sks_form():
    assert diagnosis_code("DJ18.9") == diagnosis_code("j189") == "DJ189"


def test_hand_worked_extract(tmp_path):
    ingest = read_admissions(extract(tmp_path, encoding="cp1252"), CONFIG, MARCH, "indlaeggelser.csv")
    frame = ingest.admissions
    assert ingest.rows_read == 7
    assert ingest.dropped == [(8, "total_row"), (9, "no_admission_time"), (10, "admission_outside_period")]
    assert list(frame["row"]) == [4, 5, 6, 7]
    assert list(frame["ydernummer"]) == ["012345", "012345", "012346", "012346"]
    assert list(frame["admitted_at"].dt.strftime("%a %H:%M")) == ["Mon 14:05", "Mon 09:00", "Thu 10:30", "Sat 02:10"]
    assert list(frame["stay_hours"]) == [2.5, 48.0, 24.0, 3.0]
    assert list(frame["origin"]) == ["Eget hjem", "Plejebolig", "Plejebolig", "Eget hjem"]
    assert list(frame["focus_area"]) == ["Knoglebrud (65+)", "Nedre luftvejsinfektioner (65+)",
                                         "Uspecifikke diagnoser (65+)", "Børn 0-2 år"]
    assert list(frame["age_group"]) == ["80+ år", "65-79 år", "80+ år", "0-2 år"]
    assert list(frame["sex"]) == ["Kvinde", "Mand", "Kvinde", "Mand"]
    # Row 5 starts 10 days after the same CPR's discharge on 28-02 (a row outside the period,
    # read only for this); row 6 17 days after row 4's discharge.
    assert list(frame["is_readmission"]) == [False, True, True, False]
    assert ingest.readmission_source == "cpr"


def test_cpr_canary_never_leaves_the_reader(tmp_path):
    ingest = read_admissions(extract(tmp_path), CONFIG, MARCH, "indlaeggelser.csv")
    dumped = ingest.admissions.to_csv() + repr(ingest)
    for canary in (CANARY_1, CANARY_2, "0101431234", "020245"):
        assert canary not in dumped
    assert "patient" not in "".join(ingest.admissions.columns)


def test_account_names_every_row(tmp_path):
    account = admission_account(read_admissions(extract(tmp_path), CONFIG, MARCH, "indlaeggelser.csv"))
    stages = {s.key: s.count for s in account.stages}
    assert stages["rows_read"] == 7 and stages["rows_counted"] == 4
    assert sorted((d.rule, d.rows) for d in account.stages[1].drops) == [
        ("admission_outside_period", (10,)), ("no_admission_time", (9,)), ("total_row", (8,))]


def test_a_readmission_flag_wins_over_cpr(tmp_path):
    path = tmp_path / "flag.csv"
    path.write_text("Indlagt;Udskrevet;Alder;Ydernr;Kommer fra;Diagnose;Genindlæggelse\n"
                    "03-03-2025 14:05;03-03-2025 16:35;82;012345;Hjemmet;DS720;Ja\n"
                    "04-03-2025 14:05;05-03-2025 16:35;82;012345;Hjemmet;DS720;nej\n", encoding="utf-8")
    ingest = read_admissions(path, CONFIG, MARCH, "flag.csv")
    assert list(ingest.admissions["is_readmission"]) == [True, False]
    assert ingest.readmission_source == "flag"


def test_bad_cells_are_named_by_place_not_value(tmp_path):
    rows = [f"32-03-2025 14:05;03-03-2025 16:35;82;K;012345;Eget hjem;DS720;{CANARY_1}",
            "03-03-2025 14:05;02-03-2025 16:35;82;K;012345;Eget hjem;DS720;"]
    with pytest.raises(InputError) as exc:
        read_admissions(extract(tmp_path, rows), CONFIG, MARCH, "indlaeggelser.csv")
    text = str(exc.value)
    assert "row 4, column 'Indlæggelsestidspunkt'" in text and "row 5, column 'Udskrivningstidspunkt'" in text
    assert CANARY_1 not in text and "32-03" not in text
    collected = read_admissions(extract(tmp_path, rows), CONFIG, MARCH, "indlaeggelser.csv", collect=True)
    assert collected.error_rows == 2 and collected.admissions.empty
    assert admission_account(collected).stages[1].count == 0


def test_unknown_origin_is_a_warning_and_kept(tmp_path):
    rows = ["03-03-2025 14:05;03-03-2025 16:35;82;K;012345;Bosted;DS720;"]
    ingest = read_admissions(extract(tmp_path, rows, title=False), CONFIG, MARCH, "indlaeggelser.csv")
    assert list(ingest.admissions["origin"]) == ["Bosted"]
    assert [w.row for w in ingest.warnings] == [2] and "Bosted" not in str(ingest.warnings[0])


def test_age_groups_map_only_within_bounds():
    from kiap_analysis.ingest.admissions import age_range, focus_area
    areas = CONFIG.focus_areas
    assert focus_area("DS720", "", age_range(None, "65-79"), areas) == "Knoglebrud (65+)"
    assert focus_area("DS720", "", age_range(None, "60-69"), areas) == "Øvrige diagnoser"
    assert focus_area("", "Lungebetændelse", age_range(None, "80+"), areas) == "Nedre luftvejsinfektioner (65+)"
    assert focus_area("DJ21", "", age_range(None, "0-2 år"), areas) == "Børn 0-2 år"


def test_mark_readmissions_by_hand():
    t = dt.datetime
    admitted = [t(2025, 1, 1), t(2025, 1, 31, 1), t(2025, 3, 15), t(2025, 1, 5)]
    discharged = [t(2025, 1, 2), t(2025, 2, 1), t(2025, 3, 16), t(2025, 1, 6)]
    # a: 1 Jan-2 Jan, then 31 Jan (29 days after discharge: yes), then 15 Mar (42 days: no);
    # b: alone; a missing patient never links.
    assert mark_readmissions(admitted, discharged, ["a", "a", "a", None], 30) == [False, True, False, False]
    assert mark_readmissions(admitted, discharged, ["a", "a", "a", "a"], 30) == [False, True, False, True]
    assert pd.isna(pd.NA)
