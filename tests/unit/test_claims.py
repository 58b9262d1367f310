"""Paired tests, the multiplicity adjustment over a whole follow-up, and verdict wording."""

import math

import pandas as pd
import pytest
import yaml

from kiap_analysis.core.spec import parse_spec
from kiap_analysis.ingest.survey import link_key
from kiap_analysis.stats import change, claims

from conftest import TINY_SPEC

SPEC = parse_spec(yaml.safe_load(TINY_SPEC), "tiny.yaml")


def test_holm_on_five_p_values_by_hand():
    # Sorted: 0.005 (x5 = 0.025), 0.01 (x4 = 0.04), 0.03 (x3 = 0.09), 0.04 (x2 = 0.08, but never below the
    # one before: 0.09), 0.20 (x1 = 0.20). Back in the given order:
    assert claims.holm([0.01, 0.04, 0.03, 0.005, 0.20]) == pytest.approx([0.04, 0.09, 0.09, 0.025, 0.20])
    nan = math.nan
    assert claims.holm([0.01, nan, 0.04, 0.03]) == pytest.approx([0.03, nan, 0.06, 0.06], nan_ok=True)
    assert claims.holm([0.5, 0.9]) == [1.0, 1.0]  # capped at 1


def test_exact_mcnemar_on_a_two_by_two_worked_by_hand():
    #              after: yes   no
    # before: yes          6     1   (down)
    #         no           8     5   (up)
    # Only the 9 who changed count: up ~ Binomial(9, 1/2); P(X <= 1) = (1 + 9) / 2^9 = 10 / 512,
    # two-sided p = 20 / 512 = 0.0390625 (R: binom.test(8, 9)$p.value).
    assert change.mcnemar_exact(up=8, down=1) == pytest.approx(20 / 512)
    assert change.mcnemar_exact(up=1, down=8) == pytest.approx(20 / 512)
    assert change.mcnemar_exact(up=3, down=3) == 1.0
    assert change.mcnemar_exact(up=0, down=0) == 1.0
    assert change.mcnemar_exact(up=5, down=0) == pytest.approx(2 / 32)  # 2 * (1/2)^5


def _responses(rows):
    frame = pd.DataFrame(rows, columns=["respondent_id", "is_complete", "q1", "q2.tlf", "q2.brev", "q2.andet"])
    for column in ("q2.tlf", "q2.brev", "q2.andet"):
        frame[column] = frame[column].astype("boolean")
    return frame


def test_linked_answers_give_the_two_by_two():
    # Baseline respondents a-f, follow-up u-z; e-mails link a-u, b-v, c-w, d-x; e and f share one
    # e-mail (so neither links), z is new.
    before_links = {"a": "1", "b": "2", "c": "3", "d": "4", "e": "5", "f": "5"}
    after_links = {"u": "1", "v": "2", "w": "3", "x": "4", "y": "5", "z": "6"}
    pairs = change.linked_pairs(before_links, after_links)
    assert pairs == [("a", "u"), ("b", "v"), ("c", "w"), ("d", "x")]
    before = _responses([("a", True, "Uenig", True, False, False), ("b", True, "Enig", False, False, False),
                         ("c", True, "Ved ikke", True, True, False), ("d", False, None, None, None, None),
                         ("e", True, "Enig", True, True, True), ("f", True, "Enig", True, True, True)])
    after = _responses([("u", True, "Enig", True, True, False), ("v", True, "Uenig", False, True, False),
                        ("w", True, "Hverken eller", False, True, False), ("x", True, "Enig", True, False, False),
                        ("y", True, "Uenig", False, False, False), ("z", True, "Enig", True, True, True)])
    q1 = change.paired_counts(SPEC.question("q1"), before, after, pairs).set_index("category")
    # Top two = Hverken eller + Enig. a: no -> yes (up), b: yes -> no (down), c: 'Ved ikke' (answered,
    # not top two) -> yes (up); d did not answer at baseline: not a pair for q1.
    assert q1.loc["Hverken eller + Enig"].tolist() == ["", 3, 2, 1]
    q2 = change.paired_counts(SPEC.question("q2"), before, after, pairs).set_index("category")
    # d is partial with nothing ticked: outside the baseline's base, so 3 pairs per option.
    assert q2.loc["Telefon", ["n_pairs", "up", "down"]].tolist() == [3, 0, 1]  # c stopped
    assert q2.loc["Brev", ["n_pairs", "up", "down"]].tolist() == [3, 2, 0]  # a and b started
    assert q2.loc["Andet", ["n_pairs", "up", "down"]].tolist() == [3, 0, 0]


def test_link_keys_prefer_the_e_mail():
    assert link_key(" Anna.Hansen@Example.DK ", "17") == "e:anna.hansen@example.dk"
    assert link_key("", "17") == "id:17"
    assert link_key("ikke oplyst", " ") == ""


def _table(question_id, categories, counts):
    base = sum(counts)
    return pd.DataFrame({"question_id": question_id, "item": "", "category": categories, "n": counts,
                         "base": base, "pct": [round(100 * n / base, 1) for n in counts]})


def test_the_paired_test_is_used_when_most_answers_are_linked():
    q1 = SPEC.question("q1")
    before = _table("q1", list(q1.categories), [8, 1, 2, 1])  # top two 3 of 12
    after = _table("q1", list(q1.categories), [1, 2, 9, 0])  # top two 11 of 12
    same = change.QuestionMatch("q1", change.SAME)
    pairs = pd.DataFrame([("", "Hverken eller + Enig", 11, 8, 1)], columns=change.PAIR_COLUMNS)
    tested = change.survey_change(q1, before, after, same, 10, pairs).query("is_tested").iloc[0]
    assert (tested["test"], tested["n_pairs"]) == (change.PAIRED, 11)
    assert tested["p_value"] == pytest.approx(20 / 512)  # the 2x2 above
    few = pairs.assign(n_pairs=5)  # 5 linked of 12: under half of each round, and under 10
    tested = change.survey_change(q1, before, after, same, 10, few).query("is_tested").iloc[0]
    assert tested["test"] == change.UNPAIRED and tested["p_value"] == pytest.approx(
        change.two_proportion_test(3, 12, 11, 12))
    # A paired result pointing against the shown shares makes no claim.
    against = pairs.assign(up=1, down=8)
    tested = change.survey_change(q1, before, after, same, 10, against)
    table = claims.adjust({"q1": tested}, None, 0.05)[0]["q1"]
    assert table.loc[table["is_tested"], "assessment"].item() == change.NO_CHANGE


def test_one_adjustment_over_every_claim_of_a_follow_up():
    q1, q2 = SPEC.question("q1"), SPEC.question("q2")
    same1, same2 = change.QuestionMatch("q1", change.SAME), change.QuestionMatch("q2", change.SAME)
    survey = {
        "q1": change.survey_change(q1, _table("q1", list(q1.categories), [8, 1, 2, 1]),
                                   _table("q1", list(q1.categories), [1, 2, 9, 0]), same1, 10),
        "q2": change.survey_change(q2, _table("q2", ["Telefon", "Brev", "Andet"], [6, 2, 1]).assign(base=12),
                                   _table("q2", ["Telefon", "Brev", "Andet"], [7, 10, 1]).assign(base=12), same2, 10),
    }
    referrals = pd.DataFrame({"practice": ["Klyngen samlet"], "offer": ["KOL"], "rate_ratio": [1.4],
                              "p_value": [0.03], "assessment": [""]})
    tables, adjusted, count = claims.adjust(survey, referrals, 0.05)
    assert count == 5  # q1's top two, q2's three options and one rate ratio
    raw = [*tables["q1"].query("is_tested")["p_value"], *tables["q2"]["p_value"], 0.03]
    expected = claims.holm(raw)
    got = [*tables["q1"].query("is_tested")["p_adjusted"], *tables["q2"]["p_adjusted"], *adjusted["p_adjusted"]]
    assert got == pytest.approx(expected)
    # The rate ratio passes its own test (0.03) but not after the adjustment (0.03 x 2 or more).
    assert adjusted["assessment"].item() == change.NO_CHANGE and adjusted["p_adjusted"].item() >= 0.05
    # Every verdict follows from the adjusted p-value alone.
    for table in (*tables.values(), adjusted):
        claimed = table["assessment"].isin(claims.CLAIMED)
        assert (table.loc[claimed, "p_adjusted"] < 0.05).all()
        assert not (table["p_adjusted"] < 0.05).sum() > claimed.sum()


def test_readers_keep_link_keys_privately(tmp_path):
    from kiap_analysis.core.spec import load_catalogue
    from kiap_analysis.ingest.survey import read_survey

    import sx_export
    from conftest import write

    spec = load_catalogue()["akutfunktioner"]
    # SurveyXact with respondentid and an 'email' contact column (the first respondent's address in
    # capitals): the e-mail links, lower-cased; without an address the respondentid does.
    dataset, structure, labels = sx_export.tables()
    dataset = [[*row, "email" if i == 0 else ("Laege101@Example.INVALID" if row[0] == 101 else "")]
               for i, row in enumerate(dataset)]
    folder = tmp_path / "sx"
    folder.mkdir()
    for name, rows in (("dataset", dataset), ("structure", structure), ("labels", labels)):
        (folder / f"{name}.csv").write_text("\n".join(";".join(map(str, r)) for r in rows), encoding="utf-8")
    ingest = read_survey(folder, spec)
    assert ingest.link_keys["101"] == "e:laege101@example.invalid" and ingest.link_keys["102"] == "id:102"
    assert "laege101" not in repr(ingest)
    # SurveyXact's 'id' is the organisation, never a respondent: it does not link.
    renamed = [["id" if c == "respondentid" else c for c in dataset[0]], *dataset[1:]]
    (folder / "dataset.csv").write_text("\n".join(";".join(map(str, r)) for r in renamed), encoding="utf-8")
    assert read_survey(folder, spec).link_keys == {"101": "e:laege101@example.invalid"}
    # A plain table: the E-mail column, else the Respondent column; a row number never links.
    write(tmp_path / "plain.csv", "Respondent;E-mail;q1\n7;a@b.dk;Godt kendskab\n8;;Ringe kendskab\n")
    assert read_survey(tmp_path / "plain.csv", spec).link_keys == {"7": "e:a@b.dk", "8": "id:8"}
    write(tmp_path / "bare.csv", "q1\nGodt kendskab\n")
    assert read_survey(tmp_path / "bare.csv", spec).link_keys == {}
