"""The demo's outputs in real clients: LibreOffice renders every deck, Chromium every report."""

import subprocess

import pytest
from pptx import Presentation
from pypdf import PdfReader

from conftest import require_program

pytestmark = pytest.mark.slow


def test_every_demo_order_succeeds(demo_run):
    failed = {o.order_id: o.error for o in demo_run["outcomes"] if o.status != "ok"}
    assert not failed
    assert len(demo_run["outcomes"]) >= 5
    assert (demo_run["paths"].reports / "index.html").exists()


def test_decks_convert_to_pdf_one_page_per_slide(demo_run, tmp_path):
    soffice = require_program("soffice", "KIAP_REQUIRE_LIBREOFFICE")
    for outcome in demo_run["outcomes"]:
        deck = demo_run["paths"].reports / outcome.order_id / "deck.pptx"
        out = tmp_path / outcome.order_id
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo-profile",
                        "--convert-to", "pdf", "--outdir", str(out), str(deck)],
                       check=True, capture_output=True, timeout=180)
        pages = len(PdfReader(out / "deck.pdf").pages)
        assert pages == len(Presentation(str(deck)).slides), outcome.order_id


def test_reports_are_self_contained_in_offline_chromium(demo_run):
    chromium = require_program("chromium", "KIAP_REQUIRE_CHROMIUM")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"])
        context = browser.new_context()
        context.set_offline(True)
        for outcome in demo_run["outcomes"]:
            report = demo_run["paths"].reports / outcome.order_id / "report.html"
            html = report.read_text()
            external = []
            page = context.new_page()
            page.on("request", lambda r, seen=external: seen.append(r.url)
                    if not r.url.startswith(("file:", "data:")) else None)
            page.goto(report.as_uri(), wait_until="load")
            images = page.eval_on_selector_all(
                "img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt.length])")
            assert not external, (outcome.order_id, external)
            assert images and all(done and width > 0 and alt > 0 for done, width, alt in images)
            deck = Presentation(str(report.parent / "deck.pptx"))
            pictures = sum(shape.shape_type == 13 for slide in deck.slides for shape in slide.shapes)
            assert len(images) == pictures == page.locator("figure.kiap-figure").count()
            assert page.locator("html").get_attribute("lang") == "da"
            assert "filer skrevet" not in html
            assert page.eval_on_selector_all("script[src], link[href]", "els => els.length") == 0
            assert page.title() and page.locator("h1").count() == 1
            page.close()
        browser.close()


def test_exploratory_notebook_runs_on_the_demo(demo_run, tmp_path):
    import papermill

    from conftest import ROOT

    papermill.execute_notebook(
        str(ROOT / "notebooks" / "explore_order.ipynb"), str(tmp_path / "explore.ipynb"),
        parameters={"orders_file": str(demo_run["orders"]), "order_id": "fjord-2026-forebyg"},
        kernel_name="kiap-workbook", progress_bar=False, cwd=str(ROOT / "notebooks"))


def test_no_ydernummer_practice_name_or_key_under_reports(demo_run):
    from kiap_analysis.analysis import analyse_order
    from kiap_analysis.leakcheck import scan
    from kiap_analysis.orders import load_orders

    ydernumre, names = set(), set()
    for entry in load_orders(demo_run["orders"]).entries:
        identifiers = analyse_order(demo_run["orders"], entry.id, dry_run=True).identifiers
        ydernumre |= identifiers["ydernummer"]
        names |= identifiers["practice_name"]
    assert len(ydernumre) >= 20 and len(names) >= 20  # the demo's inputs do hold them
    key = (demo_run["paths"].private / "pseudonym.key").read_text().strip()
    reports = demo_run["paths"].reports
    assert scan(reports, {"ydernummer": ydernumre, "practice name": names, "key": [key]}) == []
    letters = demo_run["paths"].private / "letters"
    assert len(list(letters.rglob("*.txt"))) >= 20  # the letters exist, privately
