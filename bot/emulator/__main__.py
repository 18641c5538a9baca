"""Run the emulator standalone: ``python -m bot.emulator --port 8081``."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from .server import BotAPIEmulator


def _parse_user(spec: str) -> tuple[int, str, str]:
    """``ID:NAME:LANG`` (e.g. ``1001:Amina:ar``)."""
    parts = spec.split(":")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError("expected ID:NAME:LANG")
    return int(parts[0]), parts[1], parts[2]


async def _serve(args: argparse.Namespace) -> None:
    emu = BotAPIEmulator(
        token=args.token,
        bot_username=args.bot_username,
        host=args.host,
        port=args.port,
        strict_html=not args.lenient_html,
        record_calls=not args.no_record,
    )
    for user_id, name, lang in args.user:
        emu.add_user(user_id, first_name=name, language_code=lang)
    await emu.start()
    print(f"Telegram Bot API emulator for @{emu.bot_username}", flush=True)
    print(f"TELEGRAM_API_URL={emu.api_url}", flush=True)
    print(f"TELEGRAM_FILE_URL={emu.file_url}", flush=True)
    print(f"control API: {emu.control_url}/", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await emu.stop()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bot.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="bind address (default: loopback only)")
    parser.add_argument("--port", type=int, default=8081, help="port, 0 picks a free one (default 8081)")
    parser.add_argument("--token", default="123456:TEST", help="the bot token the emulator accepts")
    parser.add_argument("--bot-username", default="integrationsbot_local")
    parser.add_argument("--user", action="append", default=[], type=_parse_user, metavar="ID:NAME:LANG",
                        help="pre-create a simulated user (repeatable)")
    parser.add_argument("--lenient-html", action="store_true",
                        help="accept a bare & and unknown entities like Telegram does (default: strict)")
    parser.add_argument("--no-record", action="store_true", help="do not keep a record of every call")
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
