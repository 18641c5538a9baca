"""`integrationsbot content validate|import|export`: the office's content files and the database."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from content.loader import ContentError, load_directory
from content.sync import export_csv, export_directory, import_directory
from storage.db import create_engine, session_factory
from storage.migrate import upgrade

__all__ = ["add_subparser", "run", "run_with_url"]


def add_subparser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add `content` with the subcommands validate, import and export."""
    parser = subparsers.add_parser("content", help="service directory files (content/FORMAT.md): "
                                                   "validate, import, export")
    sub = parser.add_subparsers(dest="content_command", required=True, metavar="{validate,import,export}")
    validate = sub.add_parser("validate", help="check a content directory and list every problem")
    validate.add_argument("path", type=Path, help="directory with categories.yaml and services/")
    imp = sub.add_parser("import", help="validate, then load a content directory into the database")
    imp.add_argument("path", type=Path, help="directory with categories.yaml and services/")
    imp.add_argument("--prune", action="store_true",
                     help="delete categories and services that are not in the files")
    export = sub.add_parser("export", help="write the directory from the database")
    export.add_argument("path", help="yaml: a directory; csv: a file ('-' for standard output)")
    export.add_argument("--format", choices=("yaml", "csv"), default="yaml",
                        help="yaml: the content files; csv: a spreadsheet of services and translation states")
    return parser


async def run(args: argparse.Namespace, engine: AsyncEngine | None) -> int:
    """Run a `content` subcommand on a migrated database; the exit code. `validate` needs no engine."""
    command = args.content_command
    if command in ("validate", "import"):
        try:
            directory = load_directory(args.path)
        except ContentError as exc:
            for problem in exc.problems:
                print(problem)
            print(f"{len(exc.problems)} problem(s) in {args.path}", file=sys.stderr)
            return 1
        if command == "validate":
            print(f"{args.path}: {len(directory.categories)} categories, {len(directory.services)} services, "
                  "no problems")
            return 0
    if engine is None:
        raise ValueError(f"content {command} needs a database engine")
    sessions = session_factory(engine)
    if command == "import":
        # One transaction: a failure part-way leaves the database as it was.
        async with sessions() as session, session.begin():
            report = await import_directory(session, directory, prune=args.prune)
        print(report.summary(prune=args.prune))
        if report.not_in_files:
            names = ", ".join(f"{kind} {slug}" for kind, slug in report.not_in_files)
            print(f"in the database but not in the files (kept; --prune deletes them): {names}")
        return 0
    async with sessions() as session:
        if args.format == "csv":
            count = await export_csv(session, sys.stdout if args.path == "-" else args.path)
            if args.path != "-":
                print(f"{args.path}: {count} services")
            return 0
        written = await export_directory(session, args.path)
    print(f"{args.path}: wrote {len(written)} files")
    others = _not_written(Path(args.path), written)
    if others:
        print(f"not in the database, left alone: {', '.join(p.name for p in others)}", file=sys.stderr)
    return 0


async def run_with_url(args: argparse.Namespace, database_url: str) -> int:
    """`run` on an engine of its own: migrate the database first (not needed to validate)."""
    if args.content_command == "validate":
        return await run(args, None)
    engine = create_engine(database_url)
    try:
        await upgrade(engine)
        return await run(args, engine)
    finally:
        await engine.dispose()


def _not_written(root: Path, written: list[Path]) -> list[Path]:
    """Service files in an export directory that the export did not write (left over from before)."""
    return sorted(set((root / "services").glob("*.yaml")) - set(written))
