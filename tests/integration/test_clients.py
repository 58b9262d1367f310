"""The demo's outputs in real clients: LibreOffice renders every deck, Chromium every report."""

import re
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


def _text_positions(page):
    """(x, y) of every piece of text drawn on a PDF page."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            found.append((x, y, text))

    page.extract_text(visitor_text=visit)
    return found


def test_decks_render_in_libreoffice_one_page_per_slide_nothing_outside(demo_run):
    require_program("soffice", "KIAP_REQUIRE_LIBREOFFICE")
    for outcome in demo_run["outcomes"]:
        folder = demo_run["paths"].reports / outcome.order_id
        pdf = PdfReader(folder / "deck.pdf")  # rendered by the batch run with LibreOffice
        assert len(pdf.pages) == len(Presentation(str(folder / "deck.pptx")).slides), outcome.order_id
        for number, page in enumerate(pdf.pages, start=1):
            width, height = float(page.mediabox.width), float(page.mediabox.height)
            positions = _text_positions(page)
            assert positions, (outcome.order_id, number)
            outside = [(round(x), round(y), t[:30]) for x, y, t in positions
                       if not (-1 <= x <= width + 1 and -1 <= y <= height + 1)]
            assert not outside, (outcome.order_id, number, outside)
        assert "href=\"deck.pdf\"" in (folder / "report.html").read_text()


def test_long_free_text_stays_on_its_slides_in_libreoffice(tmp_path):
    soffice = require_program("soffice", "KIAP_REQUIRE_LIBREOFFICE")
    from test_deck import _content

    from kiap_analysis.present.deck import write_deck

    answers = [f"Svar {i}: " + "en lang sætning om samarbejdet med kommunens akutteam " * (1 + i % 5)
               for i in range(40)]
    deck = write_deck(_content(answers, ["Hvad gør vi nu?"] * 9), tmp_path / "deck.pptx")
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(deck)], check=True, capture_output=True, timeout=180)
    pdf = PdfReader(tmp_path / "deck.pdf")
    assert len(pdf.pages) == len(Presentation(str(deck)).slides)
    for page in pdf.pages:
        height = float(page.mediabox.height)
        for _, y, text in _text_positions(page):
            assert 0 <= y <= height, text[:40]


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
            # A chart slide holds a native chart, or a native table for a kind drawn as one (the heat map).
            chart_slides = sum(any(shape.has_chart or shape.has_table for shape in slide.shapes)
                               for slide in deck.slides)
            assert len(images) == chart_slides == page.locator("figure.kiap-figure").count()
            assert page.locator("html").get_attribute("lang") == "da"
            assert "filer skrevet" not in html
            assert page.eval_on_selector_all("script[src], link[href]", "els => els.length") == 0
            assert page.title() and page.locator("h1").count() == 1
            page.close()
        browser.close()


def _slides(path) -> list[tuple[list[str], list]]:
    """Per slide: its texts, and each chart's categories and series."""
    return [([shape.text_frame.text for shape in slide.shapes if shape.has_text_frame],
             [[(list(map(str, plot.categories)), [(s.name, list(s.values)) for s in plot.series])
               for plot in shape.chart.plots] for shape in slide.shapes if shape.has_chart])
            for slide in Presentation(str(path)).slides]


def test_exploratory_notebook_after_a_batch_gives_the_published_deck(demo_run, tmp_path):
    """The analyst's notebook 00 in a real kernel, after the batch (the key only in the private
    folder): the counts the slides state, and the published deck's practice letters and chart
    data, with only the title the notebook edits changed."""
    import nbformat
    import papermill

    from conftest import ROOT

    order_id = "fjord-2026-forebyg"
    papermill.execute_notebook(
        str(ROOT / "notebooks" / "00_explore_order.ipynb"), str(tmp_path / "explore.ipynb"),
        parameters={"orders_file": str(demo_run["orders"]), "order_id": order_id,
                    "output_dir": str(tmp_path / "analyst")},
        kernel_name="kiap-workbook", progress_bar=False, cwd=str(ROOT / "notebooks"))
    cells = nbformat.read(tmp_path / "explore.ipynb", as_version=4).cells
    printed = "".join(o.get("text", "") for c in cells for o in c.get("outputs", []) if o.output_type == "stream")
    answered = re.search(r"^(\d+) of (\d+) invited answered \(\d+ %\), (\d+) completed the survey\.$", printed,
                         re.MULTILINE)
    assert answered, printed
    published = _slides(demo_run["paths"].reports / order_id / "deck.pptx")
    responded, invited, _ = answered.groups()
    assert any(f"{responded} af {invited} inviterede svarede" in text for texts, _ in published for text in texts)
    analyst = _slides(tmp_path / "analyst" / order_id / "deck.pptx")
    assert len(analyst) == len(published)
    changed = [(mine, theirs) for mine, theirs in zip(analyst, published, strict=True) if mine != theirs]
    [(mine, theirs)] = changed  # the q1 slide, whose title the notebook edits
    assert mine[1] == theirs[1] and mine[1]  # its chart's data, the same
    assert [a for a, b in zip(mine[0], theirs[0], strict=True) if a != b] == ["Hvor godt kender vi kommunens tilbud?"]
    assert cells[-1].outputs[0].data["text/plain"] != repr("Hvor godt kender vi kommunens tilbud?")  # rebuilt


def test_no_ydernummer_practice_name_or_key_under_reports(demo_run):
    from kiap_analysis.core.orders import load_orders
    from kiap_analysis.privacy.leakcheck import scan
    from kiap_analysis.run.pipeline import analyse_order

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
