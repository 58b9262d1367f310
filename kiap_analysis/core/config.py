"""Paths and settings: the one place that knows where things live.

Every folder can be moved with an environment variable, so tests and batch runs can
point the workbook at temporary folders without touching the project tree. The analysis
settings are read when they are used (``settings()``), never frozen into a default argument
or a module constant, so ``override_settings`` reaches every function.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parents[1]
CATALOGUE_DIR = PACKAGE_DIR / "catalogue"
REPORT_TEMPLATE_DIR = PACKAGE_DIR / "report_template"
DECK_TEMPLATE = PACKAGE_DIR / "deck_templates" / "kiap.pptx"
# The run summary the template's last cell displays and the batch runner reads.
SUMMARY_MIMETYPE = "application/vnd.kiap.summary+json"

KERNEL_NAME = "kiap-workbook"
KERNEL_DISPLAY_NAME = "Python (kiap-workbook)"

ENV_HOME = "KIAP_HOME"
ENV_PROCESSED = "KIAP_PROCESSED_DIR"
ENV_PRIVATE = "KIAP_PRIVATE_DIR"
ENV_KEY = "KIAP_PSEUDONYM_KEY"


def project_root() -> Path:
    """The project folder: $KIAP_HOME, else the checkout holding this package, else cwd."""
    if os.environ.get(ENV_HOME):
        return Path(os.environ[ENV_HOME]).resolve()
    checkout = PACKAGE_DIR.parent
    if (checkout / "pyproject.toml").exists():
        return checkout
    return Path.cwd().resolve()


@dataclass(frozen=True)
class Paths:
    """Folders of one workbook installation (Cookiecutter Data Science layout)."""

    root: Path
    raw: Path
    processed: Path
    private: Path
    reports: Path
    templates: Path

    @classmethod
    def current(cls, reports: Path | str | None = None) -> Paths:
        root = project_root()
        return cls(
            root=root,
            raw=root / "data" / "raw",
            processed=Path(os.environ.get(ENV_PROCESSED) or root / "data" / "processed"),
            private=Path(os.environ.get(ENV_PRIVATE) or root / "data" / "private"),
            reports=Path(reports) if reports else root / "reports",
            templates=root / "notebooks" / "templates",
        )

    @property
    def template_notebook(self) -> Path:
        return self.templates / "order_report.ipynb"


@dataclass(frozen=True)
class Settings:
    """Analysis settings shared by every order (printed in each report's data section)."""

    # A chart's base must hold at least this many respondents to be shown.
    min_survey_base: int = 5
    # Referral counts below this (1-4) are shown as "<5", with their rates hidden.
    min_count: int = 5
    # Confidence level of the rate intervals and the inner funnel limits.
    confidence: float = 0.95
    # Exact Poisson interval below this many events, Byar's approximation from it.
    exact_poisson_below: int = 10
    # Decimals of the published rates and intervals per 1,000 (more would give back a practice's
    # listed patients as count / rate).
    rate_decimals: int = 1
    # disclosure: strict (docs/privacy.md): practices' rates to this many decimals, and their sizes
    # in bands whose edges are multiples of ``size_band_step`` listed patients, each holding at
    # least ``min_band_practices`` of the cluster's practices (DST's "at least 3 behind a figure").
    strict_rate_decimals: int = 0
    size_band_step: int = 500
    min_band_practices: int = 3
    # A follow-up's change is only assessed where both rounds have at least this many answers.
    min_change_base: int = 10
    # Significance level of the follow-up's change tests (two-sided), after the Holm adjustment
    # over every claim of the deck.
    change_alpha: float = 0.05
    # Funnel plots: z-scores winsorised at this quantile and 1 minus it (Spiegelhalter 2005) ...
    overdispersion_trim: float = 0.1
    # ... overdispersed when the chi-squared test of I * phi has p below this ...
    overdispersion_alpha: float = 0.05
    # ... and only estimated from at least this many practices with a shown rate.
    min_overdispersion_practices: int = 5
    # Free-text answers per slide at most (text fitting may lower it).
    max_answers_per_slide: int = 8
    # Data loss (docs/data-rules.md, "Reconciliation"): a rule that drops respondents fails the
    # order when it drops more than this share of the rows with answers, and at least
    # ``min_loss_rows`` of them (one duplicate in a cluster of 29 is ordinary; two are not) ...
    max_respondent_loss_share: float = 0.05
    # ... and so does a question losing more than this share of its answers (unknown codes).
    max_answer_loss_share: float = 0.05
    min_loss_rows: int = 2
    # Referral rows dropped by a loss rule (a row without an offer) fail the order from this many.
    max_referral_loss_rows: int = 0
    # Admission rows dropped by a loss rule (a row without an admission time) likewise.
    max_admission_loss_rows: int = 0
    # Input limits, checked before a file is parsed (docs/input-formats.md, "Size limits"): bytes of
    # any input file, bytes an .xlsx unpacks to (all its parts together), and rows of any table.
    max_file_bytes: int = 50_000_000
    max_xlsx_unpacked_bytes: int = 200_000_000
    max_rows: int = 100_000


_current = Settings()  # what settings() returns; replaced only by override_settings


def settings() -> Settings:
    """The analysis settings in force. Call it where a value is used (``settings().min_count``),
    not in a default argument or at import, so that a change reaches the call."""
    return _current


@contextlib.contextmanager
def override_settings(**changes) -> Iterator[Settings]:
    """Run with some settings changed (``with override_settings(min_survey_base=3): ...``),
    e.g. a test or a what-if in a notebook; the previous settings come back after."""
    global _current
    previous = _current
    _current = dataclasses.replace(previous, **changes)
    try:
        yield _current
    finally:
        _current = previous
