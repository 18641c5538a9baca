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

from handlers import admin, directory, emergency, errors, fallback, identity, menu, start

FEATURES = (start, menu, admin, directory, emergency)


def register_all(app: Application) -> None:
    identity.register(app)
    fallback.register_first(app)
    for feature in FEATURES:
        feature.register(app)
    directory.register_search(app)  # free text is a search, after every feature's own text handlers
    fallback.register(app)
    errors.register(app)
