"""The cluster's practices are known to every order of the cluster: from every order's practice
files and from the cluster's roster (``practices:``), survey-only orders included."""

import pytest

from kiap_analysis.core.errors import OrdersFileError
from kiap_analysis.core.orders import load_orders
from kiap_analysis.ingest.roster import cluster_practices
from kiap_analysis.run.fingerprint import fingerprint
from kiap_analysis.run.pipeline import analyse_order

from conftest import TINY_SPEC, write

ORDERS = """
practices:
  Testklyngen: praksis.csv
orders:
  - id: med-henvisninger
    cluster: Testklyngen
    municipality: Test Kommune
    package: forebyggelse-rehabilitering
    survey: forebyg.csv
    invited: 9
    referrals: henvisninger.csv
    listed_patients: tilmeldte.csv
  - id: kun-skema
    cluster: Testklyngen
    municipality: Test Kommune
    package: tiny.yaml
    survey: tiny.csv
    invited: 9
  - id: anden-klynge
    cluster: Andenklyngen
    municipality: Anden Kommune
    package: tiny.yaml
    survey: tiny.csv
    invited: 9
"""
TEXTS = ["Solbakken henviser mest", "Spørg Strandvejen", "praksis 011111 og 077777", "Intet"]


@pytest.fixture
def folder(tmp_path, workbook):
    write(tmp_path / "tiny.yaml", TINY_SPEC)
    write(tmp_path / "forebyg.csv", "Respondent;q1\n" + "".join(f"{i};I høj grad\n" for i in range(1, 10)))
    write(tmp_path / "henvisninger.csv", "Ydernummer;Praksis navn;Diabetes\n011111;Lægerne Solbakken;12\n"
                                         "022222;Klinik Havblik;9\n")
    write(tmp_path / "tilmeldte.csv", "Ydernummer;Tilmeldte\n011111;1.650\n022222;2.300\n")
    write(tmp_path / "praksis.csv", "Klyngens praksis\n\nYdernr.;Praksisnavn;Adresse\n077777;Klinik Strandvejen;"
                                     "Strandvejen 1\n011111;Lægerne Solbakken;Bakken 2\n")
    write(tmp_path / "tiny.csv", "Respondent;q1;q3\n" + "".join(f"{i};Enig;{t}\n" for i, t in enumerate(TEXTS, 1)))
    write(tmp_path / "orders.yaml", ORDERS)
    return tmp_path


def test_every_order_of_the_cluster_knows_its_practices(folder):
    orders = load_orders(folder / "orders.yaml")
    assert orders.roster("Testklyngen") == folder / "praksis.csv" and orders.roster("Andenklyngen") is None
    known = cluster_practices(orders, "Testklyngen")
    # the referral file's and the listed-patients file's, and the roster's (its title rows skipped)
    assert known.ydernumre == {"011111", "022222", "077777"}
    assert known.names == {"Lægerne Solbakken", "Klinik Havblik", "Klinik Strandvejen"}
    assert cluster_practices(orders, "Andenklyngen").ydernumre == set()


def test_a_survey_only_order_redacts_the_clusters_practices(folder):
    analysis = analyse_order(folder / "orders.yaml", "kun-skema", dry_run=True)
    assert analysis.current.survey.free_text["q3"] == ["[navn] henviser mest", "Spørg [navn]",
                                                      "praksis [ydernummer] og [ydernummer]", "Intet"]
    assert {"011111", "077777"} <= analysis.identifiers["ydernummer"]  # the leak check looks for them too
    other = analyse_order(folder / "orders.yaml", "anden-klynge", dry_run=True)  # another cluster's are not known
    assert other.current.survey.free_text["q3"][0] == "Solbakken henviser mest"


def test_a_roster_is_part_of_the_clusters_fingerprints(folder, workbook):
    def prints():
        orders = load_orders(folder / "orders.yaml")
        return {e.id: fingerprint(orders, e, workbook, "code")["inputs"] for e in orders.entries}

    before = prints()
    assert set(before["kun-skema"]) == {"survey", "cluster.roster", "cluster.med-henvisninger.referrals",
                                        "cluster.med-henvisninger.listed_patients"}
    write(folder / "praksis.csv", "Ydernummer;Navn\n077777;Klinik Strandvejen\n")
    after = prints()
    assert after["kun-skema"]["cluster.roster"] != before["kun-skema"]["cluster.roster"]
    assert after["anden-klynge"] == before["anden-klynge"]


def test_a_roster_that_is_missing_or_names_no_cluster(folder):
    write(folder / "orders.yaml", ORDERS.replace("praksis.csv", "mangler.csv"))
    entries = {e.id: e for e in load_orders(folder / "orders.yaml").entries}
    assert not entries["kun-skema"].ok and entries["anden-klynge"].ok
    assert "practices: 'mangler.csv' does not exist" in str(entries["kun-skema"].problems[0])
    write(folder / "orders.yaml", ORDERS.replace("  Testklyngen: praksis.csv", "  Testklyngn: praksis.csv"))
    with pytest.raises(OrdersFileError, match="practices: names the cluster 'Testklyngn', which no order has"):
        load_orders(folder / "orders.yaml")
    write(folder / "orders.yaml", ORDERS.replace("practices:\n  Testklyngen: praksis.csv", "practices: praksis.csv"))
    orders = load_orders(folder / "orders.yaml")
    assert orders.roster("Andenklyngen") == orders.roster("Testklyngen") == folder / "praksis.csv"


def test_a_bad_roster_cell_fails_the_clusters_orders_by_its_place(folder):
    write(folder / "praksis.csv", "Ydernummer;Navn\n077777;Klinik Strandvejen\nring 20304050;Lægerne Nord\n")
    from kiap_analysis.core.errors import InputError

    with pytest.raises(InputError) as info:
        analyse_order(folder / "orders.yaml", "kun-skema", dry_run=True)
    [problem] = info.value.problems
    assert str(problem) == ("praksis.csv, row 3, column 'A': expected a ydernummer (digits only) in the practice "
                            "column Fix: write the practice's 6-digit ydernummer")
