"""report.html: the executed notebook exported without code, self-contained.

nbconvert's Python API with the custom template ``kiap`` (based on the lab template minus
require.js, MathJax, mermaid and widget scripts), so nothing is fetched: every figure is an
inline PNG and the styles are inline.
"""

from __future__ import annotations

import functools
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import Preprocessor, TagRemovePreprocessor

from kiap_analysis.core.config import REPORT_TEMPLATE_DIR, SUMMARY_MIMETYPE
from kiap_analysis.core.fileio import write_text

HIDE_TAG = "kiap-hide"  # template cells for analysts only (left out of the report)


class DropTechnicalOutputs(Preprocessor):
    """Leave stderr streams (library warnings) and the run summary out of the reviewer's report."""

    def preprocess_cell(self, cell, resources, index):
        if cell.get("cell_type") == "code":
            cell.outputs = [o for o in cell.get("outputs", []) if not _technical(o)]
        return cell, resources


def _technical(output) -> bool:
    if output.get("output_type") == "stream":
        return output.get("name") == "stderr"
    return SUMMARY_MIMETYPE in output.get("data", {})


@functools.lru_cache(maxsize=1)
def _exporter() -> HTMLExporter:
    """One exporter per process: its templates are compiled once, not once per order."""
    exporter = HTMLExporter(
        template_name="kiap",
        extra_template_basedirs=[str(REPORT_TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        language_code="da",
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={HIDE_TAG}, enabled=True),
                                   enabled=True)
    exporter.register_preprocessor(DropTechnicalOutputs(), enabled=True)
    return exporter


def export_html(notebook: nbformat.NotebookNode, path: Path, title: str = "KiAP rapport",
                links: list[tuple[str, str]] | None = None) -> Path:
    """Write the executed notebook as the self-contained, code-free report."""
    exporter = _exporter()
    notebook = nbformat.from_dict(notebook)
    notebook.metadata["title"] = title
    body, _ = exporter.from_notebook_node(notebook, resources={"kiap_links": links or []})
    return write_text(path, body)
