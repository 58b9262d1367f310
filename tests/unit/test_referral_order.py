"""Referral data through an order: pseudonyms across rounds, missing listed patients, letters."""

import pandas as pd
import pytest

from kiap_analysis.core.config import ENV_KEY
from kiap_analysis.core.errors import PseudonymKeyError
from kiap_analysis.privacy.leakcheck import scan
from kiap_analysis.run.notebook import OrderRun
from kiap_analysis.run.pipeline import analyse_order

from conftest import write

ORDERS = """
orders:
  - id: base
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    survey: survey.csv
    invited: 10
    referrals: henv_2025.csv
    listed_patients: tilm_2025.csv
  - id: follow
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    round: follow-up
    baseline: base
    survey: survey.csv
    invited: 10
    referrals: henv_2026.csv
    listed_patients: tilm_2026.csv
"""
SURVEY = "id;q1\n" + "\n".join(f"{i};I høj grad" for i in range(1, 7))
REFERRALS_2025 = """
Ydernummer;Praksisnavn;KOL;Diabetes
011111;Lægerne Alfa;6;10
022222;Lægerne Beta;0;7
033333;Lægerne Gamma;5;1
044444;Lægerne Delta;2;2
"""
LISTED_2025 = "Ydernummer;Praksis;Tilmeldte\n011111;Lægerne Alfa;1.600\n022222;Lægerne Beta;2.100\n" \
              "033333;Lægerne Gamma;0\n"  # Gamma has 0 listed patients, Delta is missing
REFERRALS_2026 = """
Ydernummer;Praksisnavn;Diabetes;KOL
044444;Lægerne Delta;1;1
055555;Lægerne Epsilon;2;2
011111;Lægerne Alfa;12;4
033333;Lægerne Gamma;1;1
"""
LISTED_2026 = "Ydernummer;Tilmeldte\n011111;1.650\n033333;900\n044444;1.200\n055555;2.400\n"


@pytest.fixture
def orders(tmp_path, workbook):
    for name, text in (("survey.csv", SURVEY), ("henv_2025.csv", REFERRALS_2025), ("tilm_2025.csv", LISTED_2025),
                       ("henv_2026.csv", REFERRALS_2026), ("tilm_2026.csv", LISTED_2026)):
        write(tmp_path / name, text)
    return write(tmp_path / "orders.yaml", ORDERS)


def letters_of(analysis):
    return {y: code for y, (code, _) in analysis.practices.items()}


def test_letters_survive_reordering_and_changes_between_rounds(orders, workbook):
    base = letters_of(analyse_order(orders, "base", workbook))
    follow = letters_of(analyse_order(orders, "follow", workbook))
    assert sorted(base) == ["011111", "022222", "033333", "044444"]
    for ydernummer in ("011111", "033333", "044444"):
        assert follow[ydernummer] == base[ydernummer]
    assert "022222" not in follow and follow["055555"] == "E"


def test_missing_and_zero_listed_patients_get_no_rate(orders, workbook, tmp_path):
    run = OrderRun("base", orders, tmp_path / "out")
    rates = run.analysis.current.referrals.rates
    kol = rates[rates["offer"] == "KOL"].set_index("practice")
    letters = letters_of(run.analysis)
    gamma, delta = f"Praksis {letters['033333']}", f"Praksis {letters['044444']}"
    assert not kol.loc[gamma, "is_rate_computed"] and not kol.loc[delta, "is_rate_computed"]
    # The cluster rate uses only practices with listed patients: (6 + 0) / (1,600 + 2,100)
    assert kol.loc["Klyngen samlet", "rate_per_1000"] == 1.6  # 1.62, published with one decimal
    assert kol.loc[delta, "referrals_shown"] == "<5"  # 2 referrals: not shown, not in the total
    warnings = [str(w) for w in run.analysis.warnings]
    assert any(delta in w and "not in the listed-patients file" in w for w in warnings)
    assert any(gamma in w and "0 or no listed patients" in w for w in warnings)
    run.export()
    csv = (tmp_path / "out" / "base" / "tables" / "referrals_per_1000.csv").read_text()
    assert "nan" not in csv.lower() and "inf" not in csv.lower()
    table = pd.read_csv(tmp_path / "out" / "base" / "tables" / "referrals_per_1000.csv")
    assert list(table.columns) == ["practice", "offer", "referrals", "rate_per_1000", "ci_low", "ci_high",
                                   "expected", "funnel", "funnel_adjusted"]
    # Expected at the unrounded cluster rate 6 / 3,700 listed: Alfa 1,600 x 6 / 3,700 = 2.59, Beta
    # 2,100 x 6 / 3,700 = 3.41 (published with one decimal); none for practices without a rate's
    # denominator or for the cluster's own row. Alfa's 6: P(X >= 6 | 2.59) = 0.049; Beta's 0:
    # P(X <= 0 | 3.41) = e^-3.41 = 0.033: both inside the 95 % limits. Two practices are too few to
    # judge overdispersion, so no adjusted position either.
    kol_table = table[table["offer"] == "KOL"].set_index("practice")
    alfa, beta = f"Praksis {letters['011111']}", f"Praksis {letters['022222']}"
    assert kol_table.loc[[alfa, beta], "expected"].tolist() == [2.6, 3.4]
    assert kol_table.loc[[gamma, delta, "Klyngen samlet"], "expected"].isna().all()
    assert kol_table["funnel"].isna().all() and kol_table["funnel_adjusted"].isna().all()
    assert table[table["practice"] == "Klyngen samlet"]["offer"].tolist() == [
        "Diabetes", "Hjertesygdom", "KOL", "Kræft", "Lænderygsmerter"]
    # Private letters: one per practice, each with its own pseudonym; none under the outputs.
    folder = workbook.private / "letters" / "base"
    assert sorted(p.name for p in folder.iterdir()) == ["011111.txt", "022222.txt", "033333.txt", "044444.txt"]
    assert f"Jeres praksis er: Praksis {letters['011111']}" in (folder / "011111.txt").read_text()
    assert "Lægerne Alfa" in (folder / "011111.txt").read_text()
    hits = scan(tmp_path / "out", {"ydernummer": letters, "practice name": [
        "Lægerne Alfa", "Lægerne Beta", "Lægerne Gamma", "Lægerne Delta"]})
    assert hits == []
    processed = pd.read_parquet(workbook.processed / "base" / "referrals.parquet")
    assert list(processed.columns) == ["practice_digest", "offer", "referrals"]
    assert not processed["practice_digest"].isin(list(letters)).any()


def test_a_follow_up_with_another_key_fails_clearly(orders, workbook, monkeypatch):
    analyse_order(orders, "base", workbook)
    monkeypatch.setenv(ENV_KEY, "a-different-key")
    with pytest.raises(PseudonymKeyError, match="does not match the register of cluster 'Testklyngen'"):
        analyse_order(orders, "follow", workbook)
