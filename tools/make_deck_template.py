"""Build kiap_analysis/deck_templates/kiap.pptx: the 16:9 master the decks are built from.

Run once when the design changes (`python tools/make_deck_template.py`); the result is
kept in the repository. The layouts are named, and decks pick them by name:
Titel, Sektion, Diagram, Tekst, Afslutning. A region's own template needs the same names.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.parts.slide import SlideLayoutPart
from pptx.util import Emu, Inches, Pt

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiap_analysis.present import palette  # noqa: E402

OUT = ROOT / "kiap_analysis" / "deck_templates" / "kiap.pptx"
WIDTH, HEIGHT = Emu(12192000), Emu(6858000)
KEEP = {"Title Slide": "Titel", "Section Header": "Sektion", "Title Only": "Diagram",
        "Title and Content": "Tekst"}


def rgb(hex_colour: str) -> RGBColor:
    return RGBColor.from_string(hex_colour.lstrip("#"))


def scale_shapes(shapes, factor: float) -> None:
    """Stretch shapes horizontally; all four extents are written, since a placeholder that
    inherits its position would otherwise get a zero height."""
    for shape in shapes:
        left, top, width, height = shape.left, shape.top, shape.width, shape.height
        shape.left, shape.top = int(left * factor), top
        shape.width, shape.height = int(width * factor), height


def place(layout, idx: int, left: float, top: float, width: float, height: float) -> None:
    """Put a layout's placeholder at a position given in inches."""
    shape = next(ph for ph in layout.placeholders if ph.placeholder_format.idx == idx)
    shape.left, shape.top, shape.width, shape.height = (Inches(v) for v in (left, top, width, height))


def duplicate_layout(prs, layout, name: str):
    """A copy of ``layout`` as a new layout of the same master."""
    package = prs.part.package
    master = prs.slide_master
    partname = package.next_partname("/ppt/slideLayouts/slideLayout%d.xml")
    part = SlideLayoutPart.load(partname, layout.part.content_type, package, layout.part.blob)
    part.relate_to(master.part, RT.SLIDE_MASTER)
    r_id = master.part.relate_to(part, RT.SLIDE_LAYOUT)
    id_list = master._element.get_or_add_sldLayoutIdLst()
    new_id = max(int(e.get("id")) for e in id_list) + 1
    entry = copy.deepcopy(id_list[0])
    entry.set("id", str(new_id))
    entry.set("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id", r_id)
    id_list.append(entry)
    new = part.slide_layout
    new._element.cSld.set("name", name)
    return new


def main() -> None:
    prs = Presentation()
    factor = WIDTH / prs.slide_width
    prs.slide_width, prs.slide_height = WIDTH, HEIGHT
    master = prs.slide_master
    for layout in list(prs.slide_layouts):  # layouts before the master they inherit from
        if layout.name not in KEEP:
            prs.slide_layouts.remove(layout)
            continue
        scale_shapes(layout.placeholders, factor)
        layout._element.cSld.set("name", KEEP[layout.name])
    scale_shapes(master.shapes, factor)
    # A thin band in the palette's primary colour on every slide.
    # (drawn on a scratch slide, then moved to the master: MasterShapes cannot add shapes)
    scratch = prs.slides.add_slide(prs.slide_layouts.get_by_name("Titel"))
    band = scratch.shapes.add_shape(MSO_SHAPE.RECTANGLE, 0, HEIGHT - Emu(91440), WIDTH, Emu(91440))
    band.fill.solid()
    band.fill.fore_color.rgb = rgb(palette.PRIMARY)
    band.line.fill.background()
    band.name = "KiAP band"
    master.shapes._spTree.append(copy.deepcopy(band._element))
    slide_ids = prs.slides._sldIdLst
    prs.part.drop_rel(slide_ids[0].rId)
    slide_ids.remove(slide_ids[0])
    # Title style: primary colour, bold.
    for shape in master.placeholders:
        if shape.placeholder_format.type is not None and "TITLE" in str(shape.placeholder_format.type):
            for paragraph in shape.text_frame.paragraphs:
                paragraph.font.color.rgb = rgb(palette.PRIMARY)
                paragraph.font.bold = True
    title_style = master._element.find(
        ".//{http://schemas.openxmlformats.org/presentationml/2006/main}titleStyle")
    if title_style is not None:
        lvl = title_style[0]
        def_rpr = lvl.find("{http://schemas.openxmlformats.org/drawingml/2006/main}defRPr")
        def_rpr.set("b", "1")
        def_rpr.set("sz", str(int(Pt(30).pt * 100)))
        for fill in def_rpr.findall("{http://schemas.openxmlformats.org/drawingml/2006/main}solidFill"):
            def_rpr.remove(fill)
        from lxml import etree

        ns = "http://schemas.openxmlformats.org/drawingml/2006/main"
        solid = etree.SubElement(def_rpr, f"{{{ns}}}solidFill")
        etree.SubElement(solid, f"{{{ns}}}srgbClr", val=palette.PRIMARY.lstrip("#"))
        def_rpr.insert(0, solid)
    # Our own geometry (13.33 x 7.5 in): titles at the top, section text under its title.
    for name in ("Tekst", "Diagram"):
        place(prs.slide_layouts.get_by_name(name), 0, 0.6, 0.3, 12.13, 1.0)
    place(prs.slide_layouts.get_by_name("Tekst"), 1, 0.6, 1.5, 12.13, 5.3)
    place(prs.slide_layouts.get_by_name("Sektion"), 0, 0.9, 2.2, 11.5, 1.3)
    place(prs.slide_layouts.get_by_name("Sektion"), 1, 0.9, 3.6, 11.5, 3.0)
    place(prs.slide_layouts.get_by_name("Titel"), 0, 0.9, 1.8, 11.5, 1.9)
    place(prs.slide_layouts.get_by_name("Titel"), 1, 0.9, 3.9, 11.5, 2.2)
    duplicate_layout(prs, prs.slide_layouts.get_by_name("Titel"), "Afslutning")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    prs.core_properties.title = "KiAP klyngepakke"
    prs.core_properties.author = "KiAP"
    prs.core_properties.last_modified_by = "KiAP"
    prs.save(OUT)
    print(f"wrote {OUT}: layouts {[layout.name for layout in Presentation(OUT).slide_layouts]}")


if __name__ == "__main__":
    main()
