"""Command line: `python -m etl build | ingest | repair | export`.

A thin coat over the Python API: it parses arguments, calls the functions the tests also call,
prints their messages, and turns an `InputError` into a clear message and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from etl.errors import InputError
from etl.ingest import corpus_lock, ingest, recover
from etl.model import DOC_KINDS
from etl.paths import Paths
from etl.pipeline import build, read_lexicon
from etl.read.export import FORMATS, export
from etl.repair import repair_if_needed


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    paths = Paths.from_env()
    try:
        if args.command == "build":
            with corpus_lock(paths):
                recover(paths)
                build(paths)
        elif args.command == "ingest":
            ingest(
                paths,
                Path(args.file),
                city=args.city,
                organ=args.organ,
                doc_kind=args.kind,
                date=args.date,
                title=args.title,
                dnr=args.dnr,
                relates_to=args.relates_to,
                new_city=args.new_city,
            )
        elif args.command == "repair":
            text = Path(args.file).read_text(encoding="utf-8") if args.file else sys.stdin.read()
            sys.stdout.write(repair_if_needed(text, read_lexicon(paths)))
        elif args.command == "export":
            for path in export(paths.db, args.format, Path(args.out)):
                print(f"wrote {path}")
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build", help="rebuild the database from data/raw and the manifest")
    ingest_cmd = commands.add_parser("ingest", help="add one document (txt, pdf, docx) and rebuild")
    ingest_cmd.add_argument("file")
    ingest_cmd.add_argument("--city", required=True)
    ingest_cmd.add_argument("--organ", required=True)
    ingest_cmd.add_argument("--kind", required=True, choices=DOC_KINDS)
    ingest_cmd.add_argument("--date", default="")
    ingest_cmd.add_argument("--title", default="")
    ingest_cmd.add_argument("--dnr", default="")
    ingest_cmd.add_argument("--relates-to", default="")
    ingest_cmd.add_argument(
        "--new-city", action="store_true", help="allow a city that is not yet in cities.csv"
    )
    repair_cmd = commands.add_parser("repair", help="print FILE (or stdin) with Swedish repaired")
    repair_cmd.add_argument("file", nargs="?")
    export_cmd = commands.add_parser("export", help="write the tables for other tools")
    export_cmd.add_argument("--format", required=True, choices=FORMATS)
    export_cmd.add_argument("out")
    return parser


if __name__ == "__main__":
    sys.exit(main())
