"""What the template notebook calls: one object per order, one method per cell.

    run = OrderRun(order_id, orders_file, output_dir)   # read ... present (``pipeline.prepare``)
    run.show_title(); run.show_program(); run.show_data()
    run.export()                                         # publish (``pipeline.publish``)

The stages are ``run.pipeline``'s; this module only shows their results in the notebook
(IPython display). Outputs go to ``<output_dir>/<order_id>/``; the batch runner points
``output_dir`` at a private staging folder and publishes to reports/ only when the whole
order succeeded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import HTML, display

from kiap_analysis.core.config import SUMMARY_MIMETYPE, Paths
from kiap_analysis.present import report
from kiap_analysis.present.content import Content
from kiap_analysis.run import pipeline
from kiap_analysis.stats.published import Risk
from kiap_analysis.stats.results import OrderAnalysis


class OrderRun:
    """An order analysed and ready to show and export."""

    def __init__(self, order_id: str, orders_file: str | Path, output_dir: str | Path):
        self.paths = Paths.current()
        self.out = Path(output_dir) / order_id
        self.shown: pipeline.Presentation = pipeline.prepare(orders_file, order_id, self.paths)

    @property
    def analysis(self) -> OrderAnalysis:
        return self.shown.analysis

    @property
    def content(self) -> Content:
        return self.shown.content

    @property
    def risk(self) -> Risk | None:
        return self.shown.risk

    def tables(self) -> dict[str, pd.DataFrame]:
        """tables/<name>.csv: the numbers behind every chart (DESIGN.md columns)."""
        return self.shown.tables

    def show_title(self) -> None:
        display(HTML(report.title_html(self.content)))

    def show_program(self) -> None:
        for step in self.content.steps:
            display(HTML(report.step_html(step)))
        display(HTML(report.agreements_html(self.content)))

    def show_data(self) -> None:
        display(HTML(report.data_section_html(self.analysis, self.risk)))

    def export(self) -> dict:
        """Write the deck, the tables and the processed data; display the run summary."""
        summary = pipeline.publish(self.shown, self.out, self.paths)
        display({SUMMARY_MIMETYPE: summary, "text/plain": f"{len(summary['outputs'])} filer skrevet"}, raw=True)
        return summary
