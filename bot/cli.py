"""Command line: `integrationsbot run | migrate | content ...` (also `python -m bot ...`)."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.logs import setup_logging
from bot.settings import Settings, SettingsError, load_settings
from content import cli as content_cli


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="integrationsbot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bot (local chat mode when TELEGRAM_BOT_TOKEN is not set)")
    sub.add_parser("migrate", help="apply the database migrations")
    content_cli.add_subparser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"integrationsbot: configuration error: {exc}", file=sys.stderr)
        return 2
    command = args.command or "run"
    try:
        return _dispatch(command, args, settings)
    except KeyboardInterrupt:
        return 130


def _dispatch(command: str, args: argparse.Namespace, settings: Settings) -> int:
    from bot import runner

    webhook_secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else ""
    secrets = [settings.token or "", webhook_secret]
    if command == "content":
        return asyncio.run(content_cli.run_with_url(args, settings.database_url))
    if command == "migrate":
        setup_logging(secrets)
        asyncio.run(runner.prepare_database(settings))
        print("database is up to date")
        return 0
    if settings.token:
        setup_logging(secrets)
        runner.run_telegram(settings)
        return 0
    runner.LOCAL_LOG.parent.mkdir(parents=True, exist_ok=True)
    setup_logging(secrets, file=runner.LOCAL_LOG)
    logging.getLogger(__name__).info("local chat mode")
    asyncio.run(runner.run_local(settings))
    return 0


if __name__ == "__main__":
    sys.exit(main())
