"""The pinned Jupyter kernel: 'kiap-workbook', always this environment's Python."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

from kiap_analysis.core.config import KERNEL_DISPLAY_NAME, KERNEL_NAME


def ensure_kernel() -> str:
    """Install the kernelspec into this environment unless it already runs this Python."""
    try:
        spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
        if spec.argv and Path(spec.argv[0]).resolve() == Path(sys.executable).resolve():
            return KERNEL_NAME
    except NoSuchKernel:
        pass
    from ipykernel.kernelspec import install

    install(kernel_name=KERNEL_NAME, display_name=KERNEL_DISPLAY_NAME, prefix=sys.prefix)
    return KERNEL_NAME


def kernel_argv() -> list[str]:
    spec = KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    return list(spec.argv)


if __name__ == "__main__":
    ensure_kernel()
    print(json.dumps({"kernel": KERNEL_NAME, "argv": kernel_argv()}))
