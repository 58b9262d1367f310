"""kiap-workbook: survey and referral analysis for KiAP cluster packages.

``load_order`` (``kiap_analysis.run.api``) is the analyst's entry point. It is imported on first
use, so ``import kiap_analysis`` stays light (the batch workers import it without pandas).
"""

from __future__ import annotations

import importlib

__version__ = "0.1.0"
__all__ = ["OrderHandle", "__version__", "api", "load_order"]

_API_NAMES = ("OrderHandle", "load_order")


def __getattr__(name: str) -> object:
    if name == "api" or name in _API_NAMES:
        api = importlib.import_module("kiap_analysis.run.api")
        return api if name == "api" else getattr(api, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
