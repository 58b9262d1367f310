"""The package spec's JSON Schema, catalogue/package.schema.json, generated from spec_model.py.

    python -m kiap_analysis.core.spec_schema --write          # regenerate catalogue/package.schema.json
    python -m kiap_analysis.core.spec_schema --check          # exit 1 if the checked-in copy is stale
    python -m kiap_analysis.core.spec_schema SPEC.yaml ...    # check spec files as kiap does

Editors use the schema to check a spec as it is typed; a spec file given here is read by the
workbook's own reader, which checks the schema's rules and what a schema cannot see (that a
scale name or a question id exists, that ids are unique).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kiap_analysis.core.config import CATALOGUE_DIR
from kiap_analysis.core.errors import SpecError
from kiap_analysis.core.fileio import write_text
from kiap_analysis.core.spec import load_spec
from kiap_analysis.core.spec_model import package_schema

SCHEMA_PATH = CATALOGUE_DIR / "package.schema.json"


def render() -> str:
    """The schema as the checked-in file holds it."""
    return json.dumps(package_schema(), indent=2, ensure_ascii=False) + "\n"


def check_files(paths: list[Path]) -> int:
    """Print 'file: OK' or what is wrong with each spec file; the number of files with problems."""
    bad = 0
    for path in paths:
        try:
            load_spec(path)
        except SpecError as exc:
            print(exc)
            bad += 1
        else:
            print(f"{path}: OK")
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m kiap_analysis.core.spec_schema",
                                     description=(__doc__ or "").split("\n")[0])
    parser.add_argument("specs", nargs="*", type=Path, help="spec files to check")
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write the schema to {SCHEMA_PATH.name}")
    action.add_argument("--check", action="store_true", help="exit 1 if the checked-in schema is stale")
    args = parser.parse_args(argv)
    if args.write:
        write_text(SCHEMA_PATH, render())
        print(f"wrote {SCHEMA_PATH}")
        return 0
    if args.check:
        current = SCHEMA_PATH.exists() and SCHEMA_PATH.read_text(encoding="utf-8") == render()
        stale = "stale: run python -m kiap_analysis.core.spec_schema --write"
        print(f"{SCHEMA_PATH}: {'up to date' if current else stale}")
        return 0 if current else 1
    if args.specs:
        return 1 if check_files(args.specs) else 0
    sys.stdout.write(render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
