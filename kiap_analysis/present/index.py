"""reports/index.html: every order's status, warnings, duration and links, from the manifests.

The page is leak-checked before it replaces the old one (``batch``): a hit keeps the old page."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path

from kiap_analysis.core import messages_da as da
from kiap_analysis.core.fileio import write_text
from kiap_analysis.core.manifest import MANIFEST_FILE, Manifest, ManifestError, Status, read_manifest


def read_manifests(reports: Path) -> list[Manifest]:
    """The manifest of every published order (hidden folders are a run's staging, not orders);
    one that cannot be read is shown as a failed order that says so."""
    manifests = []
    for path in sorted(reports.glob(f"*/{MANIFEST_FILE}")):
        if path.parent.name.startswith("."):
            continue
        try:
            manifests.append(read_manifest(path.parent))
        except ManifestError:
            manifests.append(Manifest(path.parent.name, Status.FAILED, error=f"{MANIFEST_FILE} kan ikke læses"))
    return manifests


def _links(manifest: Manifest) -> str:
    order_id = manifest.order_id
    outputs = set(manifest.outputs or [])
    names = [("report.html", "Rapport"), ("deck.pptx", "Præsentation"), ("deck.pdf", "PDF"),
             ("notebook.ipynb", "Notebook"), ("run.log", "Log"), ("manifest.json", "Manifest")]
    links = [f"<a href='{html.escape(order_id)}/{name}'>{label}</a>" for name, label in names
             if name in outputs or name == "manifest.json"]
    tables = sorted(o for o in outputs if o.startswith("tables/"))
    if tables:
        links.append(f"<a href='{html.escape(order_id)}/tables/'>Tabeller ({len(tables)})</a>")
    return " · ".join(links)


def _log_link(manifest: Manifest) -> str:
    if "run.log" in (manifest.outputs or []):
        return f"<a href='{html.escape(manifest.order_id)}/run.log'>Log</a>"
    return ""


def index_html(manifests: list[Manifest], skipped: frozenset[str] | set[str] = frozenset()) -> str:
    """The overview page; ``skipped``: orders this run found up to date (shown as unchanged)."""
    rows = []
    for m in manifests:
        status = m.status
        label = status.label
        if status == Status.OK and m.order_id in skipped:
            label = f"{label} ({Status.SKIPPED.label})"
        warnings = m.warnings
        seconds = m.timings.get("seconds")
        detail = ""
        if status == Status.FAILED and m.error:
            detail = f"<div class='error'>{html.escape(da.danish_text(m.error))}</div>"
        elif warnings:
            items = "".join(f"<li>{html.escape(da.danish_text(w))}</li>" for w in warnings)
            counted = da.count(len(warnings), 'advarsel', 'advarsler')
            detail = f"<details><summary>{counted}</summary><ul>{items}</ul></details>"
        package = m.package.get("name") or ""
        rows.append(
            f"<tr class='{html.escape(status.value)}'><td>{html.escape(m.order_id)}</td>"
            f"<td>{html.escape(str(m.cluster or ''))}</td>"
            f"<td>{html.escape(str(package))}</td><td>{html.escape(da.round_name(m.round))}</td>"
            f"<td class='status'>{label}</td>"
            f"<td class='num'>{len(warnings)}</td>"
            f"<td class='num'>{da.seconds(seconds) if seconds is not None else ''}</td>"
            f"<td>{_links(m) if status != Status.FAILED else _log_link(m)}{detail}</td></tr>")
    failed = sum(m.status == Status.FAILED for m in manifests)
    stamp = dt.datetime.now().strftime("%d.%m.%Y %H:%M")
    return f"""<!DOCTYPE html>
<html lang="da"><head><meta charset="utf-8"><title>KiAP klyngepakker – oversigt</title>
<style>
body {{ font-family: "Segoe UI", "DejaVu Sans", Arial, sans-serif; color: #1A1A1A; margin: 2rem; }}
h1 {{ color: #0B4F6C; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #D9D9D9; padding: 0.4rem 0.6rem; text-align: left; vertical-align: top; }}
td.num {{ text-align: right; }}
tr.failed td.status {{ color: #8C3B00; font-weight: bold; }}
.error {{ color: #8C3B00; white-space: pre-wrap; font-size: 0.9rem; }}
a {{ color: #0B4F6C; }}
</style></head>
<body><h1>KiAP klyngepakker</h1>
<p>{da.count(len(manifests), 'ordre', 'ordrer')}, {failed} fejlet. Opdateret {stamp}.
<a href='season.html'>Sæsonoversigt</a></p>
<table><thead><tr><th>Ordre</th><th>Klynge</th><th>Pakke</th><th>Runde</th><th>Status</th>
<th>Advarsler</th><th>Tid</th><th>Filer</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table></body></html>
"""


def write_index(reports: Path, skipped: frozenset[str] | set[str] = frozenset(),
                check: Callable[[str], list] | None = None) -> list:
    """Rewrite reports/index.html; ``check``: the leak check of the new page's text, whose hits
    (file and kind, never a value) keep the old page in place. Returns those hits."""
    page = index_html(read_manifests(reports), skipped)
    hits = check(page) if check is not None else []
    if not hits:
        write_text(reports / "index.html", page)
    return hits
