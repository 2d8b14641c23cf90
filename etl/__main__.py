"""Command line: `python -m etl build | ingest | remove | replace | repair | export`.

A thin coat over the Python API: it parses arguments, calls the functions the tests also call,
prints their messages, and turns an `InputError` into a clear message and exit status 2.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from etl.errors import InputError
from etl.ingest import (
    ChangeResult,
    Message,
    corpus_lock,
    ingest,
    ingest_messages,
    recover,
    remove,
    replace_file,
)
from etl.model import DOC_KINDS
from etl.paths import Paths
from etl.pipeline import build, read_lexicon
from etl.read import i18n
from etl.read.export import DOCUMENT_FORMATS, FORMATS, export, export_document
from etl.read.i18n import DEFAULT_LANGUAGE, LANGUAGES
from etl.read.query import DIMENSIONS
from etl.repair import repair_if_needed


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    paths = Paths.from_env()
    try:
        if args.command == "build":
            with corpus_lock(paths):
                recover(paths)
                build(paths, verify=args.verify)
        elif args.command == "ingest":
            result = ingest(
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
            for level, text in translated(ingest_messages(result), cli_language()):
                print(f"{'warning: ' if level == 'warning' else ''}{text}")
        elif args.command == "remove":
            _report_change(remove(paths, args.document), "removed")
        elif args.command == "replace":
            _report_change(replace_file(paths, args.document, Path(args.file)), "replaced")
        elif args.command == "repair":
            text = Path(args.file).read_text(encoding="utf-8") if args.file else sys.stdin.read()
            sys.stdout.write(repair_if_needed(text, read_lexicon(paths)))
        elif args.command == "export" and args.format in DOCUMENT_FORMATS:
            cities = [c.strip() for c in args.cities.split(",") if c.strip()]
            if args.city:
                cities = [args.city]
            out = export_document(
                paths.db, args.format, Path(args.out), args.lang, cities, args.dimension
            )
            print(f"wrote {out}")
        elif args.command == "export":
            for path in export(paths.db, args.format, Path(args.out)):
                print(f"wrote {path}")
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


def _report_change(result: ChangeResult, done: str) -> None:
    """What a removal or replacement did, and the review decisions it left stale."""
    passages = f"; it now has {result.items} passages" if done == "replaced" else ""
    print(f"{done} {result.doc_id} ({result.title}){passages}")
    if result.newly_stale:
        print(
            f"{len(result.newly_stale)} review decisions no longer apply; "
            "they stay in review.csv and apply again if their passages come back:"
        )
        for message in result.newly_stale:
            print(f"  {message}")


def cli_language() -> str:
    """The user's language from the locale environment (LC_ALL, LC_MESSAGES, LANG); Swedish
    unless it names English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "en" if value.lower().startswith("en") else i18n.DEFAULT_LANGUAGE
    return i18n.DEFAULT_LANGUAGE


def translated(messages: list[Message], lang: str) -> list[tuple[str, str]]:
    """Ingest messages → (level, text) in `lang`, numbers in its style."""
    result = []
    for level, key, values in messages:
        kinds = values["kinds"]
        assert isinstance(kinds, dict)
        text = i18n.t(key, lang).format(
            name=values["name"],
            items=i18n.fmt_number(int(str(values["items"])), lang),
            share=i18n.fmt_share(float(str(values["share"])), lang),
            kinds=", ".join(
                f"{i18n.t(f'kind.{k}', lang).lower()}: {i18n.fmt_number(n, lang)}"
                for k, n in kinds.items()
            ),
        )
        result.append((level, text))
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m etl", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    build_cmd = commands.add_parser(
        "build", help="rebuild the database from data/raw and the manifest"
    )
    build_cmd.add_argument(
        "--verify",
        action="store_true",
        help="read every file in data/raw again, also those whose size and times are unchanged",
    )
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
    remove_cmd = commands.add_parser(
        "remove", help="take document DOC (its id or file name) out of the corpus and rebuild"
    )
    remove_cmd.add_argument("document", metavar="DOC")
    replace_cmd = commands.add_parser(
        "replace", help="put FILE in place of document DOC, keeping its description, and rebuild"
    )
    replace_cmd.add_argument("document", metavar="DOC")
    replace_cmd.add_argument("file", metavar="FILE")
    repair_cmd = commands.add_parser("repair", help="print FILE (or stdin) with Swedish repaired")
    repair_cmd.add_argument("file", nargs="?")
    export_cmd = commands.add_parser(
        "export", help="write the tables for other tools, the deck or an ECCAR report draft"
    )
    export_cmd.add_argument("--format", required=True, choices=FORMATS + DOCUMENT_FORMATS)
    export_cmd.add_argument("out")
    export_cmd.add_argument("--lang", choices=LANGUAGES, default=DEFAULT_LANGUAGE)
    export_cmd.add_argument(
        "--cities", default="", help="pptx: the cities to compare, comma-separated (default all)"
    )
    export_cmd.add_argument("--city", default="", help="eccar-docx: the city the report is for")
    export_cmd.add_argument(
        "--dimension", choices=DIMENSIONS, default=DIMENSIONS[0], help="pptx: heatmap dimension"
    )
    return parser


if __name__ == "__main__":
    sys.exit(main())
