"""Charts: one module per chart kind, found by name in a registry.

Content asks a kind to ``prepare`` a chart, the report draws a block's charts as one picture
(``figure``), the deck adds their native PowerPoint charts (``add_charts``), the analyst's
API draws one on an Axes (``draw``). The kinds of this package: likert, choice, offer_rates,
practice_rates, funnel. A kind from elsewhere (a test, a package's own code) joins with
``register`` before the content is built; docs/adding-a-chart-kind.md shows the steps.
"""

from matplotlib.axes import Axes  # the type ``draw`` returns, for callers outside present/

from kiap_analysis.present.charts import (  # noqa: F401 (register)
    admission_rates,
    admission_shares,
    choice,
    funnel,
    likert,
    offer_rates,
    practice_rates,
    weekday_hour,
)
from kiap_analysis.present.charts._native import add_charts
from kiap_analysis.present.charts._render import RenderedFigure, draw, figure, notebook_backend
from kiap_analysis.present.charts._style import STYLE
from kiap_analysis.present.charts.registry import (
    Box,
    Chart,
    ChartKind,
    alt_text,
    check_spec,
    default_kind,
    get,
    kinds_for,
    names,
    notes,
    register,
    this_round,
    unregister,
)

__all__ = [
    "STYLE",
    "Axes",
    "Box",
    "Chart",
    "ChartKind",
    "RenderedFigure",
    "add_charts",
    "alt_text",
    "check_spec",
    "default_kind",
    "draw",
    "figure",
    "get",
    "kinds_for",
    "names",
    "notebook_backend",
    "notes",
    "register",
    "this_round",
    "unregister",
]
