"""A test hook: a batch run that kills itself at a named step, so tests need no timing.

``KIAP_TEST_KILL_AT=<step>:<order id>[:<signal>]`` makes the batch process send itself the
signal (default SIGKILL) when it reaches that step for that order. SIGINT and SIGTERM go to
the run's whole process group when the run leads one (as a terminal's Ctrl-C or a service
manager would send them), else to the process alone. Steps (``publish.py``, ``batch.py``):

- ``publish-staged``: the new order folder is complete beside the published one;
- ``publish-aside``: (two-rename fallback only) the published folder is moved aside, the new
  one not yet in place;
- ``publish-swapped``: the new folder is in place, the old one not yet removed;
- ``published``: the order is published and the old folder is gone.

Never set it outside tests.
"""

from __future__ import annotations

import os
import signal

ENV_KILL_AT = "KIAP_TEST_KILL_AT"


def kill_point(step: str, order_id: str) -> None:
    """Send the configured signal if ``KIAP_TEST_KILL_AT`` names this step and order."""
    wanted = os.environ.get(ENV_KILL_AT, "").split(":")
    if len(wanted) < 2 or wanted[0] != step or wanted[1] != order_id:
        return
    signum = signal.Signals[wanted[2]] if len(wanted) > 2 and wanted[2] else signal.SIGKILL
    if signum != signal.SIGKILL and os.getpgrp() == os.getpid():
        os.killpg(os.getpgrp(), signum)
    else:
        os.kill(os.getpid(), signum)
