"""Logging set-up that never prints the bot token."""

from __future__ import annotations

import logging
from pathlib import Path


class RedactingFormatter(logging.Formatter):
    """Replaces secrets (the bot token, the webhook secret) wherever they appear in a record."""

    def __init__(self, fmt: str, secrets: list[str]) -> None:
        super().__init__(fmt)
        self._secrets = [s for s in secrets if s]

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return text


def setup_logging(secrets: list[str], level: int = logging.INFO, file: Path | None = None) -> None:
    """Log to stderr, or to `file` (local chat mode, where the terminal belongs to the chat)."""
    handler: logging.Handler = (
        logging.FileHandler(file, encoding="utf-8") if file else logging.StreamHandler()
    )
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s", secrets))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # httpx logs every request URL, which contains the token: keep it quiet.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
