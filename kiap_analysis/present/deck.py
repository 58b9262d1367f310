"""The meeting deck (python-pptx), built from a template whose layouts are chosen by name.

Charts are their kinds' native PowerPoint charts (``charts``); text is fitted by measuring it
(``textfit``), so titles shrink before they overflow and free-text answers spread over as
many slides as they need. Every slide has a title; every chart has alt text.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from kiap_analysis.core.config import DECK_TEMPLATE
from kiap_analysis.core.errors import InputError, Problem
from kiap_analysis.core.fileio import atomic_path
from kiap_analysis.present import charts, palette, textfit
from kiap_analysis.present.content import (
    AGREED_TITLE,
    AGREEMENTS_TITLE,
    CHANGES_METHOD,
    CHANGES_TITLE,
    Block,
    Content,
    StepContent,
    agreement_points,
    speaker_notes,
)

DEFAULT_TEMPLATE = DECK_TEMPLATE
LAYOUTS = ("Titel", "Sektion", "Diagram", "Tekst", "Afslutning")
MARGIN = Inches(0.6)
INSET = Inches(0.1)  # PowerPoint's default text box insets (left/right)
BULLET_INDENT = Inches(0.375)  # the template's first-level bullet indent
TITLE_SIZES = (30, 28, 26, 24, 22, 20)
BODY_SIZES = (20, 18, 16, 14, 12)
ANSWER_SIZE = 16
FOOTER_PT, CAPTION_PT, QUESTION_PT, CHANGE_PT = 10, 12, 14, 13


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#"))


def pt(emu: int) -> float:
    return emu / 12700



def reflection_title(block_title: str) -> str:
    """'Blok 1: Kommunens tilbud' -> 'Refleksion over blok 1: Kommunens tilbud' (one colon, not
    'Refleksion: Blok 1: ...'); a title without a colon -> 'Refleksion: <title>'."""
    if ":" in block_title:
        head, _, rest = block_title.partition(":")
        return f"Refleksion over {head[:1].lower()}{head[1:]}:{rest}"
    return f"Refleksion: {block_title}"

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

    # ------------------------------------------------------------------ text helpers

    def _slide(self, layout: str, title: str):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts.get_by_name(layout))
        shape = slide.shapes.title
        shape.text = title
        frame = shape.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        width = pt(shape.width - 2 * INSET)
        size = textfit.largest_size([title], width, pt(shape.height) - 8, TITLE_SIZES, bold=True) or TITLE_SIZES[-1]
        for paragraph in frame.paragraphs:
            for run in paragraph.runs:
                run.font.size = Pt(size)
        return slide

    def _body(self, slide):
        return next(ph for ph in slide.placeholders if ph.placeholder_format.idx == 1)

    def _fill_body(self, slide, lines: Sequence[str], sizes: Sequence[float] = BODY_SIZES,
                   bullets: bool = True) -> float:
        """Lines into the body placeholder at the largest size that fits."""
        body = self._body(slide)
        frame = body.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.vertical_anchor = MSO_ANCHOR.TOP
        width = pt(body.width - 2 * INSET - (BULLET_INDENT if bullets else 0))
        size = textfit.largest_size(lines, width, pt(body.height) - 8, sizes) or sizes[-1]
        frame.clear()
        for i, line in enumerate(lines):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.text = line
            paragraph.font.size = Pt(size)
        return size

    def _textbox(self, slide, left, top, width, text: str, size: int, colour: str = palette.TEXT,
                 italic: bool = False, align=PP_ALIGN.LEFT, name: str | None = None) -> int:
        """A text box whose height is the measured height of its text; returns that height."""
        lines = textfit.wrap(text, pt(width - 2 * INSET), size)
        height = Emu(int(Pt(len(lines) * size * textfit.LINE_HEIGHT + 8)))
        box = slide.shapes.add_textbox(left, top, width, height)
        if name:
            box.name = name
        frame = box.text_frame
        frame.word_wrap = True
        frame.auto_size = MSO_AUTO_SIZE.NONE
        frame.vertical_anchor = MSO_ANCHOR.TOP
        frame.margin_top = frame.margin_bottom = Pt(2)
        paragraph = frame.paragraphs[0]
        paragraph.alignment = align
        run = paragraph.add_run()
        run.text = text
        run.font.size = Pt(size)
        run.font.italic = italic
        run.font.color.rgb = _rgb(colour)
        return height

    def _text_height(self, text: str, width: int, size: int) -> int:
        """The height ``_textbox`` gives this text."""
        lines = textfit.wrap(text, pt(width - 2 * INSET), size)
        return Emu(int(Pt(len(lines) * size * textfit.LINE_HEIGHT + 8)))

    def _footer(self, slide, text: str) -> None:
        self._textbox(slide, MARGIN, self.height - Inches(0.45), self.width - 2 * MARGIN, text, FOOTER_PT,
                      palette.MUTED_TEXT, name="Fodnote")

    def _notes(self, slide, lines: Sequence[str]) -> None:
        slide.notes_slide.notes_text_frame.text = "\n".join(line for line in lines if line)

    # ------------------------------------------------------------------ slides

    def title_slide(self, content: Content) -> None:
        slide = self._slide("Titel", content.title)
        lines = [f"{content.cluster} og {content.municipality}", f"Klyngemøde · {content.round_label}"]
        if content.period_label:
            lines.append(f"Data for perioden {content.period_label}")
        self._fill_body(slide, lines, (24, 20, 18, 16), bullets=False)

    def program_slide(self, content: Content) -> None:
        slide = self._slide("Tekst", "Dagens program")
        self._fill_body(slide, [s.step.title + (f" ({s.step.minutes} min.)" if s.step.minutes else "")
                                for s in content.steps])

    def section_slide(self, step: StepContent) -> None:
        slide = self._slide("Sektion", step.step.title)
        lines = ([f"{step.step.minutes} min."] if step.step.minutes else []) + list(step.step.points)
        if lines:
            self._fill_body(slide, lines, bullets=False)
        if step.step.reflection:
            self._notes(slide, ["Refleksionsspørgsmål til blokken:", *step.step.reflection])

    def chart_slide(self, block: Block, footer: str, reflection: Sequence[str] = ()) -> None:
        slide = self._slide("Diagram", block.title)
        width = self.width - 2 * MARGIN
        top = Inches(1.3)
        if block.question_text and block.question_text != block.title:
            top += self._textbox(slide, MARGIN, top, width, block.question_text, QUESTION_PT, palette.MUTED_TEXT,
                                 italic=True, name="Spørgsmål")
        caption = block.base + (f" · {block.caption}" if block.caption else "")
        caption_top = self.height - Inches(0.5) - self._text_height(caption, width, CAPTION_PT)
        self._textbox(slide, MARGIN, caption_top, width, caption, CAPTION_PT, name="Grundlag")
        if block.changes:
            changes = " ".join(line.text for line in block.changes)
            caption_top -= self._text_height(changes, width, CHANGE_PT)
            self._textbox(slide, MARGIN, caption_top, width, changes, CHANGE_PT, palette.TEXT, name="Ændring")
        box = (MARGIN, top + Inches(0.1), width, caption_top - top - Inches(0.2))
        if block.charts:
            self._charts(slide, block, box)
        else:
            self._textbox(slide, MARGIN, top + Inches(1.2), width, block.note, 24, palette.MUTED_TEXT,
                          align=PP_ALIGN.CENTER, name="Note")
        self._footer(slide, footer)
        self._notes(slide, speaker_notes(block, reflection))

    def _charts(self, slide, block: Block, box) -> None:
        """The block's native charts side by side, or its picture when a kind has no native chart."""
        frames = charts.add_charts(slide, box, block.charts)
        if frames is None:
            self._picture(slide, block, box)
            return
        alt = charts.alt_text(block.charts)
        for i, frame in enumerate(frames):
            frame.name = f"Diagram {block.key}" + (f" ({i + 1})" if i else "")
            frame._element.nvGraphicFramePr.cNvPr.set("descr", alt)

    def _picture(self, slide, block: Block, box) -> None:
        left, top, box_w, box_h = box
        figure = charts.figure(block.charts)
        width = min(box_w, int(box_h * figure.aspect))
        height = int(width / figure.aspect)
        picture = slide.shapes.add_picture(io.BytesIO(figure.png), left + int((box_w - width) / 2), top, width,
                                           height)
        picture.name = f"Diagram {block.key}"
        picture._element.nvPicPr.cNvPr.set("descr", figure.alt)

    def answer_pages(self, answers: Sequence[str]) -> list[list[str]]:
        """Free-text answers spread over slides by measuring them in the body placeholder."""
        body = next(ph for ph in self.prs.slide_layouts.get_by_name("Tekst").placeholders
                    if ph.placeholder_format.idx == 1)
        width = pt(body.width - 2 * INSET - BULLET_INDENT)
        return textfit.paginate([f"»{a}«" for a in answers], width, pt(body.height) - 12, ANSWER_SIZE)

    def free_text_slides(self, block: Block, footer: str) -> None:
        pages = self.answer_pages(block.answers) or [[]]
        for page_no, answers in enumerate(pages, start=1):
            title = block.title if len(pages) == 1 else f"{block.title} ({page_no}/{len(pages)})"
            slide = self._slide("Tekst", title)
            if answers:
                self._fill_body(slide, answers, (ANSWER_SIZE,))
            else:
                self._fill_body(slide, [block.note or "Ingen svar."], (18,))
            self._footer(slide, f"{block.question_text} ({block.base}) · {footer}")
            self._notes(slide, [block.question_text, f"Fritekstsvar, {block.base}."])

    def reflection_slide(self, step: StepContent) -> None:
        slide = self._slide("Tekst", reflection_title(step.step.title))
        self._fill_body(slide, step.step.reflection)
        self._notes(slide, step.step.reflection)

    def changes_slide(self, content: Content) -> None:
        """Follow-ups open with what changed since the baseline meeting."""
        slide = self._slide("Tekst", CHANGES_TITLE)
        self._fill_body(slide, content.key_changes)
        self._notes(slide, [f"Sammenligning med basismålingen ({content.baseline_label}). {CHANGES_METHOD}"])

    def agreed_slide(self, content: Content) -> None:
        """Follow-ups open with what the last meeting agreed, each with its owner."""
        slide = self._slide("Tekst", AGREED_TITLE)
        self._fill_body(slide, content.agreed, bullets=True)
        self._notes(slide, ["Aftalerne fra sidste møde: hvad er der sket siden?"])

    def closing_slide(self, content: Content) -> None:
        """The agreements slide for the next step ends every deck."""
        slide = self._slide("Afslutning", AGREEMENTS_TITLE)
        self._fill_body(slide, agreement_points(content), (24, 20, 18, 16), bullets=True)

    def build(self, content: Content):
        self.title_slide(content)
        if content.is_follow_up and content.agreed:
            self.agreed_slide(content)
        if content.is_follow_up and content.key_changes:
            self.changes_slide(content)
        self.program_slide(content)
        for step in content.steps:
            self.section_slide(step)
            for block in step.blocks:
                if block.kind == "free_text":
                    self.free_text_slides(block, content.footer)
                else:
                    self.chart_slide(block, content.footer, step.step.reflection)
            if step.step.reflection:
                self.reflection_slide(step)
        self.closing_slide(content)
        props = self.prs.core_properties
        props.title = f"{content.title} – {content.cluster}"
        props.author = "KiAP"
        props.last_modified_by = "KiAP"
        props.comments = ""
        props.language = "da-DK"
        return self.prs


def write_deck(content: Content, path: Path, template: Path | None = None) -> Path:
    prs = DeckBuilder(template).build(content)
    with atomic_path(path) as tmp:
        prs.save(str(tmp))
    return path


def slide_count(path: Path) -> int:
    """The number of slides of a written deck."""
    return len(Presentation(str(path)).slides)
