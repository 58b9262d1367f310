"""``kiap archive ORDERS.yaml --only ID``: a finished order's raw inputs, copied with their
sha256 to ``<private>/archive/<id>/<YYYY-MM-DD>/`` (``ingest.archive`` reads it back).

The raw files are only read. The archive is built in a temporary folder beside its place and
renamed into place when every copy matches its original's sha256, so a crash leaves no half
archive. An archive of the same day is replaced whole.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tempfile
from pathlib import Path

from kiap_analysis.core.config import Paths
from kiap_analysis.core.errors import InputError, Problem, display_path
from kiap_analysis.core.fileio import exchange, fsync_tree, sha256_path
from kiap_analysis.core.manifest import ManifestError, Status, read_manifest
from kiap_analysis.core.orders import load_orders
from kiap_analysis.ingest.archive import ARCHIVE_FILE, archive_root


def archive_order(orders_file: Path, order_id: str, paths: Paths, today: dt.date | None = None) -> Path:
    """Archive the order's inputs; returns the archive folder. InputError when the order is not
    finished (no successful run in reports/) or an input cannot be read."""
    orders = load_orders(orders_file)
    order = orders.order(order_id)
    try:
        finished = read_manifest(paths.reports / order_id).status == Status.OK
    except ManifestError:
        finished = False
    if not finished:
        raise InputError(Problem(str(orders.path), f"order {order_id} has no successful run in "
                                 f"{display_path(paths.reports)}", f"run it first: kiap run {orders_file} "
                                 f"--only {order_id}", line=order.line))
    day = (today or dt.date.today()).isoformat()
    target = archive_root(paths.private, order_id) / day
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{day}.", dir=target.parent))
    try:
        record = {"order_id": order_id, "archived": day, "orders_file": str(orders.path),
                  "inputs": {}}
        for role, source in order.input_paths().items():
            copy = Path("inputs") / role / source.name
            destination = staging / copy
            destination.parent.mkdir(parents=True, exist_ok=True)
            digest = sha256_path(source)
            if source.is_dir():
                shutil.copytree(source, destination)
            else:
                shutil.copy2(source, destination)
            if sha256_path(destination) != digest:  # changed while it was copied
                raise InputError(Problem(display_path(source, order.base_dir), "the file changed while it was "
                                         "archived", "archive again when nothing writes to it"))
            record["inputs"][role] = {"source": str(source), "path": str(copy), "sha256": digest}
        (staging / ARCHIVE_FILE).write_text(json.dumps(record, indent=2, ensure_ascii=False) + "\n",
                                            encoding="utf-8")
        fsync_tree(staging)
        if target.exists():  # the same day's archive: swapped whole, the old one removed
            if not exchange(staging, target):
                old = Path(tempfile.mkdtemp(prefix=f".{day}.old.", dir=target.parent))
                target.rename(old / day)
                staging.rename(target)
                shutil.rmtree(old)
        else:
            staging.rename(target)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    return target
