"""The typed context every handler receives: who is asking, in which language, and a DB session."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from telegram.ext import Application, CallbackContext, ExtBot

from bot.i18n import Translator, translator
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.announcements import AnnouncementService, LiveReports
    from bot.appointments import AppointmentService
    from bot.directory import Clock as HoursClock
    from bot.directory import Directory
    from bot.outbox import Dispatcher
    from bot.topics import TopicService
    from bot.users import UserService, UserView


class AppState:
    """What the whole application shares (PTB's `bot_data`), filled once by `bot.app`."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Callable[[], dt.datetime]  # the current time; tests move it
    hours_clock: HoursClock  # time zone and public holidays for opening hours
    directory: Directory  # the service directory, in memory (bot.directory)
    users: UserService  # users with their language and role (cached briefly)
    outbox: Dispatcher  # sends what the bot says on its own initiative (bot.outbox)
    outbox_task: asyncio.Task[None] | None
    menu_task: asyncio.Task[None] | None  # volunteers' and staff members' command lists, set at start
    # Feature services, attached by the feature modules when they register:
    appointments: AppointmentService
    announcements: AnnouncementService
    topics: TopicService
    live_reports: LiveReports


class BotContext(CallbackContext[ExtBot, dict, dict, AppState]):
    """`context` in every handler. `user` and `tr` are set in group -1 by `handlers.identity`."""

    def __init__(self, application: Application, chat_id: int | None = None, user_id: int | None = None):
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)
        self.user: UserView | None = None
        self.language_just_set = False  # this update is the user's first in a supported language
        self.tr: Translator = translator(
            application.bot_data.settings.default_language, application.bot_data.settings.timezone
        )

    @property
    def settings(self) -> Settings:
        return self.bot_data.settings

    def session(self) -> AsyncSession:
        return self.bot_data.sessions()

    def _(self, message: str) -> str:
        return self.tr.gettext(message)

    @property
    def is_staff(self) -> bool:
        return bool(self.user and self.user.is_staff)
