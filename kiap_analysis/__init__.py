"""kiap-workbook: survey and referral analysis for KiAP cluster packages."""

__version__ = "0.1.0"
