"""deck.pdf: a preview of the deck rendered by LibreOffice, when it is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from kiap_analysis.core.fileio import atomic_path

ENV_PDF = "KIAP_PDF"  # "0" turns the preview off
TIMEOUT_S = 180


def soffice() -> str | None:
    """The LibreOffice command, or None when it is not installed or previews are off."""
    if os.environ.get(ENV_PDF, "1") == "0":
        return None
    return shutil.which("soffice") or shutil.which("libreoffice")


def deck_pdf(deck: Path, target: Path, profile_root: Path) -> Path | None:
    """Render ``deck`` to ``target`` (atomically); None when LibreOffice is unavailable.

    Each call uses its own LibreOffice profile, so parallel workers do not block each other.
    """
    command = soffice()
    if command is None:
        return None
    profile_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=profile_root) as work:
        work_dir = Path(work)
        result = subprocess.run(
            [command, "--headless", "--norestore", f"-env:UserInstallation={(work_dir / 'profile').as_uri()}",
             "--convert-to", "pdf", "--outdir", str(work_dir), str(deck)],
            capture_output=True, timeout=TIMEOUT_S, check=False)
        produced = work_dir / f"{deck.stem}.pdf"
        if result.returncode != 0 or not produced.exists():
            raise RuntimeError(f"LibreOffice could not render {deck.name}: "
                               f"{result.stderr.decode('utf-8', 'replace').strip()[:300]}")
        with atomic_path(target) as tmp:
            shutil.copyfile(produced, tmp)
    return target
