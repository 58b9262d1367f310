"""Readers: one module per source format. Readers do I/O; cleaning lives in ``clean``."""
