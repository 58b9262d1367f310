"""The meeting deck (python-pptx), built from a template whose layouts are chosen by name."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Inches, Pt

from . import palette
from .config import PACKAGE_DIR, SETTINGS
from .content import Block, Content, StepContent
from .errors import InputError, Problem
from .fileio import atomic_path

DEFAULT_TEMPLATE = PACKAGE_DIR / "deck_templates" / "kiap.pptx"
LAYOUTS = ("Titel", "Sektion", "Diagram", "Tekst", "Afslutning")
MARGIN = Inches(0.6)
MAX_ANSWER_CHARS_PER_SLIDE = 650


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#"))


class DeckBuilder:
    """Adds slides to a presentation opened from the template."""

    def __init__(self, template: Path | None = None):
        template = template or DEFAULT_TEMPLATE
        try:
            self.prs = Presentation(str(template))
        except Exception as exc:  # python-pptx raises several types for a bad file
            raise InputError(Problem(str(template), f"cannot open the deck template: {exc}",
                                     "point 'template:' at a .pptx file")) from exc
        names = {layout.name for layout in self.prs.slide_layouts}
        missing = [name for name in LAYOUTS if name not in names]
        if missing:
            raise InputError(Problem(str(template), f"the deck template lacks the layout(s) "
                                     f"{', '.join(missing)}", "name the template's layouts "
                                     f"{', '.join(LAYOUTS)} (in PowerPoint: View > Slide Master)"))
        for slide_id in list(self.prs.slides._sldIdLst):  # a template may hold example slides
            self.prs.part.drop_rel(slide_id.rId)
            self.prs.slides._sldIdLst.remove(slide_id)
        self.width = self.prs.slide_width
        self.height = self.prs.slide_height

    def _slide(self, layout: str, title: str):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts.get_by_name(layout))
        slide.shapes.title.text = title
        return slide

    def _body(self, slide):
        return next(ph for ph in slide.placeholders if ph.placeholder_format.idx == 1)

    def _textbox(self, slide, left, top, width, height, text: str, size: int,
                 colour: str = palette.TEXT, bold: bool = False, italic: bool = False,
                 align=PP_ALIGN.LEFT, name: str | None = None):
        box = slide.shapes.add_textbox(left, top, width, height)
        if name:
            box.name = name
        frame = box.text_frame
        frame.word_wrap = True
        frame.vertical_anchor = MSO_ANCHOR.TOP
        paragraph = frame.paragraphs[0]
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.bold = bold
        run.font.italic = italic
        run.font.color.rgb = _rgb(colour)
        return box

    def _bullets(self, slide, lines: Iterable[str], size: int = 20) -> None:
        frame = self._body(slide).text_frame
        frame.clear()
        for i, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size = Pt(size)

    def _footer(self, slide, text: str) -> None:
        self._textbox(slide, MARGIN, self.height - Inches(0.5), self.width - 2 * MARGIN, Inches(0.3),
                      text, 10, palette.MUTED_TEXT, name="Fodnote")

    def _notes(self, slide, lines: Iterable[str]) -> None:
        slide.notes_slide.notes_text_frame.text = "\n".join(lines)

    # ------------------------------------------------------------------ slides

    def title_slide(self, content: Content) -> None:
        slide = self._slide("Titel", content.title)
        lines = [f"{content.cluster} og {content.municipality}", f"Klyngemøde · {content.round_label}"]
        if content.period_label:
            lines.append(f"Data for perioden {content.period_label}")
        self._body(slide).text = "\n".join(lines)

    def program_slide(self, content: Content) -> None:
        slide = self._slide("Tekst", "Dagens program")
        self._bullets(slide, [
            f"{s.step.title}" + (f" ({s.step.minutes} min.)" if s.step.minutes else "")
            for s in content.steps], size=20)

    def section_slide(self, step: StepContent) -> None:
        slide = self._slide("Sektion", step.step.title)
        lines = [f"{step.step.minutes} min."] if step.step.minutes else []
        lines += list(step.step.points)
        self._body(slide).text = "\n".join(lines)
        if step.step.reflection:
            self._notes(slide, ["Refleksionsspørgsmål til blokken:", *step.step.reflection])

    def chart_slide(self, block: Block, footer: str) -> None:
        slide = self._slide("Diagram", block.title)
        top = Inches(1.35)
        if block.question_text and block.question_text != block.title:
            self._textbox(slide, MARGIN, top, self.width - 2 * MARGIN, Inches(0.5), block.question_text,
                          14, palette.MUTED_TEXT, italic=True, name="Spørgsmål")
        top += Inches(0.55)
        bottom = self.height - Inches(1.05)
        if block.figure is not None:
            box_w, box_h = self.width - 2 * MARGIN, bottom - top
            width = min(box_w, int(box_h * block.figure.aspect))
            height = int(width / block.figure.aspect)
            left = int((self.width - width) / 2)
            picture = slide.shapes.add_picture(io.BytesIO(block.figure.png), left, top, width, height)
            picture.name = f"Diagram {block.key}"
            picture._element.nvPicPr.cNvPr.set("descr", block.figure.alt)
        else:
            self._textbox(slide, MARGIN, top + Inches(1), self.width - 2 * MARGIN, Inches(1.5),
                          block.note, 24, palette.MUTED_TEXT, align=PP_ALIGN.CENTER, name="Note")
        caption = f"{block.base}" + (f" · {block.caption}" if block.caption else "")
        self._textbox(slide, MARGIN, self.height - Inches(0.95), self.width - 2 * MARGIN, Inches(0.4),
                      caption, 12, palette.TEXT, bold=False, name="Grundlag")
        self._footer(slide, footer)
        self._notes(slide, [block.question_text, block.base, block.caption])

    def free_text_slides(self, block: Block, footer: str) -> None:
        pages = paginate_answers(block.answers) or [[]]
        for page_no, answers in enumerate(pages, start=1):
            title = block.title if len(pages) == 1 else f"{block.title} ({page_no}/{len(pages)})"
            slide = self._slide("Tekst", title)
            if answers:
                self._bullets(slide, [f"»{a}«" for a in answers], size=16)
            else:
                self._bullets(slide, [block.note or "Ingen svar."], size=18)
            self._footer(slide, f"{block.question_text} ({block.base}) · {footer}")
            self._notes(slide, [block.question_text, f"Fritekstsvar, {block.base}."])

    def reflection_slide(self, step: StepContent) -> None:
        slide = self._slide("Tekst", f"Refleksion: {step.step.title}")
        self._bullets(slide, step.step.reflection, size=18 if len(step.step.reflection) <= 6 else 15)
        self._notes(slide, step.step.reflection)

    def closing_slide(self, content: Content) -> None:
        slide = self._slide("Afslutning", "Tak for i dag")
        self._body(slide).text = ("Aftal opfølgning: hvem gør hvad, og hvornår gentager vi "
                                  "spørgeskemaet og datatrækket?")

    def build(self, content: Content):
        self.title_slide(content)
        self.program_slide(content)
        for step in content.steps:
            self.section_slide(step)
            for block in step.blocks:
                if block.kind == "free_text":
                    self.free_text_slides(block, content.footer)
                else:
                    self.chart_slide(block, content.footer)
            if step.step.reflection:
                self.reflection_slide(step)
        self.closing_slide(content)
        props = self.prs.core_properties
        props.title = f"{content.title} – {content.cluster}"
        props.author = "KiAP"
        props.last_modified_by = "KiAP"
        props.comments = ""
        return self.prs


def paginate_answers(answers: list[str], per_slide: int = SETTINGS.max_answers_per_slide,
                     max_chars: int = MAX_ANSWER_CHARS_PER_SLIDE) -> list[list[str]]:
    """Free-text answers split over slides by count and total length."""
    pages: list[list[str]] = []
    page: list[str] = []
    chars = 0
    for answer in answers:
        if page and (len(page) >= per_slide or chars + len(answer) > max_chars):
            pages.append(page)
            page, chars = [], 0
        page.append(answer)
        chars += len(answer)
    if page:
        pages.append(page)
    return pages


def expected_slide_count(content: Content) -> int:
    """Title, program, closing, and per step: section, blocks (free text paginated), reflection."""
    count = 3
    for step in content.steps:
        count += 1 + bool(step.step.reflection)
        for block in step.blocks:
            count += max(1, len(paginate_answers(block.answers))) if block.kind == "free_text" else 1
    return count


def write_deck(content: Content, path: Path, template: Path | None = None) -> Path:
    prs = DeckBuilder(template).build(content)
    with atomic_path(path) as tmp:
        prs.save(str(tmp))
    return path
