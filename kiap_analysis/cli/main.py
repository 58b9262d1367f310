"""The ``kiap`` command: demo, run, validate, packages, package show (contracts in DESIGN.md)."""

from __future__ import annotations

import argparse
import signal
import sys
from collections import Counter
from pathlib import Path

from kiap_analysis.core import messages_da as da
from kiap_analysis.core.config import Paths
from kiap_analysis.core.errors import InputError, KiapError, OrdersFileError, SpecError
from kiap_analysis.core.manifest import Status

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2
SIGNAL_NAMES = {signal.SIGINT: "Ctrl-C (SIGINT)", signal.SIGTERM: "SIGTERM"}


def _run(orders: Path, out: Path | None, only: list[str] | None = None, force: bool = False,
         workers: int | None = None, timeout: float | None = None, wait: bool = False) -> int:
    from kiap_analysis.run.batch import run_orders
    from kiap_analysis.run.execute import DEFAULT_TIMEOUT_S
    from kiap_analysis.run.progress import summary_table

    paths = Paths.current(reports=out)
    try:
        report = run_orders(orders, paths, only=only, force=force, workers=workers,
                            timeout=timeout or DEFAULT_TIMEOUT_S, wait=wait)
    except KiapError as exc:  # the orders file is unusable, or another run holds the folders
        print(f"kiap: {da.danish_text(str(exc))}", file=sys.stderr)
        return EXIT_UNUSABLE
    print()
    print(summary_table(report.outcomes))
    count = Counter(o.status for o in report.outcomes)
    line = f"{count[Status.OK]} færdige, {count[Status.SKIPPED]} uændrede, {count[Status.FAILED]} fejlet"
    if report.interrupted:
        line += f", {count[Status.INTERRUPTED]} afbrudt, {count[Status.NOT_RUN]} ikke kørt"
    print(f"\n{line} ({da.seconds(report.seconds)}, {da.count(report.workers, 'proces', 'processer')}).")
    print(f"Oversigt: {(paths.reports / 'index.html').resolve()}")
    if report.interrupted:
        print(f"Afbrudt af {SIGNAL_NAMES.get(report.interrupted, signal.Signals(report.interrupted).name)}: "
              "afbrudte og ikke kørte ordrer er som før kørslen; kør samme kommando igen for at gøre dem færdige.")
        return 128 + report.interrupted
    return EXIT_FAILED if count[Status.FAILED] else EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    return _run(Path(args.orders), Path(args.out) if args.out else None, args.only, args.force, args.workers,
                args.timeout, args.wait)


def cmd_demo(args: argparse.Namespace) -> int:
    from kiap_analysis.cli.demo import ensure_demo

    paths = Paths.current(reports=Path(args.out) if args.out else None)
    orders = ensure_demo(paths.raw / "demo")
    print(f"Demodata: {orders.parent}")
    return _run(orders, paths.reports)


def cmd_validate(args: argparse.Namespace) -> int:
    from kiap_analysis.run.validate import report_lines, validate_orders

    try:
        checks = validate_orders(Path(args.orders), Paths.current(reports=Path(args.out) if args.out else None))
    except OrdersFileError as exc:
        print(f"kiap: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    for order_id, check in checks.items():
        print("\n".join(report_lines(order_id, check)))
    errors = sum(c.errors for c in checks.values())
    if errors:
        print(f"\n{errors} problem(s) must be fixed before these orders can run.")
        return EXIT_FAILED
    lost = {order_id: c.lost for order_id, c in checks.items() if c.lost}
    if lost:  # within the limits, but not nothing: never 'OK'
        print(f"\nNo errors in {len(checks)} order(s), but rows or answers were dropped by a data-loss rule in "
              + ", ".join(f"{o} ({n})" for o, n in lost.items()) + ": see the warnings and the reconciliation.")
        return EXIT_OK
    print(f"\nOK: {len(checks)} order(s) checked, no errors, nothing lost (every drop is by a rule that loses "
          "no data, see the reconciliation).")
    return EXIT_OK


def cmd_prepare(args: argparse.Namespace) -> int:
    from kiap_analysis.run.prepare import prepare_orders

    try:
        results = prepare_orders(Path(args.orders), Paths.current(reports=args.out), args.only)
    except OrdersFileError as exc:
        print(f"kiap: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    for result in results:
        for problem in result.problems:
            print(f"{result.order_id}: {problem}")
        for path in result.written:
            print(f"{result.order_id}: {path}")
    return EXIT_FAILED if any(r.problems for r in results) else EXIT_OK


def cmd_archive(args: argparse.Namespace) -> int:
    from kiap_analysis.run.archive import archive_order

    try:
        folder = archive_order(Path(args.orders), args.only, Paths.current(reports=args.out))
    except OrdersFileError as exc:
        print(f"kiap: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except InputError as exc:
        print(f"kiap: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"Arkiveret: {folder}")
    return EXIT_OK


def _catalogue_dirs(folder: str | None) -> list[Path]:
    """The extra catalogue folder given with --catalogue (SpecError if it is not a folder)."""
    if not folder:
        return []
    if not Path(folder).is_dir():
        raise SpecError(f"catalogue folder '{folder}' does not exist")
    return [Path(folder)]


def cmd_packages(args: argparse.Namespace) -> int:
    from kiap_analysis.core.spec import load_catalogue

    extra = _catalogue_dirs(args.catalogue)
    rows = [("name", "title", "version", "data", "questions")]
    for spec in sorted(load_catalogue(extra).values(), key=lambda s: s.name):
        rows.append((spec.name, spec.title, spec.version, ", ".join(spec.data), str(len(spec.questions))))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


def cmd_package_show(args: argparse.Namespace) -> int:
    from kiap_analysis.core.spec import resolve_package
    from kiap_analysis.present.outline import package_outline

    spec = resolve_package(args.name, Path(), _catalogue_dirs(args.catalogue))  # a path as typed
    print("\n".join(package_outline(spec)))
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="kiap", description="KiAP cluster packages: decks and reports.")
    sub = main.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="write the synthetic demo inputs and run them")
    demo.add_argument("--out", help="reports folder (default: reports/)")
    demo.set_defaults(func=cmd_demo)
    run = sub.add_parser("run", help="run the orders of an orders file")
    run.add_argument("orders", help="orders file (YAML)")
    run.add_argument("--only", action="append", metavar="ID", help="run only this order (repeatable)")
    run.add_argument("--out", help="reports folder (default: reports/)")
    run.add_argument("--workers", type=int, help="worker processes (default: the number of cores)")
    run.add_argument("--force", action="store_true", help="run orders that are up to date too")
    run.add_argument("--timeout", type=float, help="seconds an order may run before it is stopped (default 900)")
    run.add_argument("--wait", action="store_true",
                     help="when another run uses the reports or private folder, wait for it (default: stop at once)")
    run.set_defaults(func=cmd_run)
    validate = sub.add_parser("validate", help="check every input of an orders file, write nothing")
    validate.add_argument("orders", help="orders file (YAML)")
    validate.add_argument("--out", help="reports folder; the questionnaires kiap prepare wrote beside it are "
                          "compared with the exports (default: reports/)")
    validate.set_defaults(func=cmd_validate)
    prepare = sub.add_parser("prepare", help="write each order's questionnaire and data request (not published)")
    prepare.add_argument("orders", help="orders file (YAML)")
    prepare.add_argument("--only", action="append", metavar="ID", help="prepare only this order (repeatable)")
    prepare.add_argument("--out", help="reports folder; prepared/ is written beside it (default: reports/)")
    prepare.set_defaults(func=cmd_prepare)
    archive = sub.add_parser("archive", help="copy a finished order's raw inputs with their sha256 to the archive")
    archive.add_argument("orders", help="orders file (YAML)")
    archive.add_argument("--only", required=True, metavar="ID", help="the order to archive")
    archive.add_argument("--out", help="reports folder its run was written to (default: reports/)")
    archive.set_defaults(func=cmd_archive)
    packages = sub.add_parser("packages", help="list the package catalogue")
    packages.add_argument("--catalogue", help="a folder of extra package specs")
    packages.set_defaults(func=cmd_packages)
    package = sub.add_parser("package", help="look at one package of the catalogue")
    package_sub = package.add_subparsers(dest="package_command", required=True)
    show = package_sub.add_parser("show", help="print a package spec as an outline")
    show.add_argument("name", help="a catalogue name, or a path to a spec .yaml")
    show.add_argument("--catalogue", help="a folder of extra package specs")
    show.set_defaults(func=cmd_package_show)
    return main


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KiapError as exc:
        print(f"kiap: {exc}", file=sys.stderr)
        return EXIT_UNUSABLE
    except KeyboardInterrupt:  # Ctrl-C outside a batch run (which handles it itself)
        print("\nkiap: afbrudt (Ctrl-C)", file=sys.stderr)
        return 128 + signal.SIGINT


if __name__ == "__main__":
    sys.exit(main())
