"""The synthetic demo data: plausible, deterministic, and covering both packages and rounds."""

import hashlib

import pytest

from kiap_analysis.cli.demo import write_demo
from kiap_analysis.core.orders import load_orders
from kiap_analysis.run.pipeline import analyse_order


def _digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and p.suffix in (".csv", ".yaml")}


def test_demo_is_deterministic(tmp_path):
    write_demo(tmp_path / "a")
    write_demo(tmp_path / "b")
    assert _digest(tmp_path / "a") == _digest(tmp_path / "b")


@pytest.fixture(scope="module")
def demo_orders(tmp_path_factory):
    return write_demo(tmp_path_factory.mktemp("demo"))


def test_demo_covers_the_packages_clusters_and_a_follow_up(demo_orders):
    orders = [e.order for e in load_orders(demo_orders).entries]
    assert {o.package for o in orders} == {"akutfunktioner", "forebyggelse-rehabilitering", "indlaeggelser"}
    [admissions] = [o for o in orders if o.package == "indlaeggelser"]
    assert admissions.admissions is not None and admissions.listed_patients is not None
    assert len({o.cluster for o in orders}) >= 2
    follow_up = [o for o in orders if o.round == "follow-up"]
    assert follow_up and all(o.baseline in {x.id for x in orders} for o in follow_up)


def test_demo_numbers_are_plausible(demo_orders, workbook):
    for entry in load_orders(demo_orders).entries:
        analysis = analyse_order(demo_orders, entry.id, dry_run=True)
        summary = analysis.current.survey.summary
        assert 20 <= summary.invited <= 35
        assert 50 <= summary.response_rate <= 90, entry.id
        answers = [a for texts in analysis.current.survey.free_text.values() for a in texts]
        assert answers and any(ch in "".join(answers) for ch in "æøå")
        if analysis.current.referrals is not None:
            practices = analysis.current.referrals.listed.listed
            assert 10 <= len(practices) <= 15
            listed = practices["listed_patients"].dropna()
            assert listed.between(1000, 8000).all()
