"""Telegram handlers, one module per feature. Each exposes `register(app)`.

Handler groups (order matters, as in PTB's rules-bot):
  -2  gatekeeping (flood limit, ignored chats)
  -1  user and language resolution (`handlers.identity`)
   0  features, in the order below; within a group the first matching handler wins,
      so the catch-all (`handlers.fallback`) is registered last
  the error handler last of all
"""

from __future__ import annotations

from telegram.ext import Application

from handlers import (
    admin,
    announcements,
    appointments,
    audit,
    directory,
    editing,
    emergency,
    errors,
    fallback,
    gate,
    help_requests,
    identity,
    menu,
    news,
    privacy,
    shifts,
    staff,
    start,
    stats,
    topics,
    volunteers,
)

FEATURES = (
    start,
    menu,
    admin,
    directory,
    emergency,
    privacy,
    appointments,
    announcements,
    topics,
    news,
    volunteers,
    help_requests,
    shifts,
    staff,
    editing,
    audit,
    stats,
)


def register_all(app: Application) -> None:
    gate.register(app)  # group -2: flood control
    identity.register(app)
    fallback.register_first(app)
    for feature in FEATURES:
        feature.register(app)
    directory.register_search(app)  # free text is a search, after every feature's own text handlers
    fallback.register(app)
    errors.register(app)
