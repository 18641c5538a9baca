"""The one place that builds the PTB application."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import AIORateLimiter, Application, ApplicationBuilder, ContextTypes, Defaults

import handlers
from bot.commands import client_commands, set_chat_menu
from bot.context import AppState, BotContext
from bot.directory import Clock, load_directory
from bot.hours import HolidayCalendar
from bot.http import AiohttpRequest
from bot.i18n import translator
from bot.languages import LANGUAGES
from bot.outbox import Dispatcher
from bot.persistence import DatabasePersistence
from bot.ratelimit import RateLimiter
from bot.settings import Settings
from bot.users import UserService
from storage import users
from storage.db import create_engine, session_factory
from storage.models import User

log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_application(
    settings: Settings,
    *,
    token: str | None = None,
    engine: AsyncEngine | None = None,
    clock: Callable[[], dt.datetime] = utc_now,
    rate_limit: bool = True,
) -> Application:
    """Build the bot; nothing connects until the application is initialised."""
    builder = (
        ApplicationBuilder()
        .token(token or settings.token or "")
        .base_url(settings.telegram_api_url)
        .base_file_url(settings.telegram_api_url.removesuffix("/bot") + "/file/bot")
        .request(AiohttpRequest(connection_pool_size=16))  # replies and callback answers in parallel
        .get_updates_request(AiohttpRequest(connection_pool_size=1))
        .context_types(ContextTypes(context=BotContext, bot_data=AppState))
        .defaults(
            Defaults(
                parse_mode=ParseMode.HTML,
                tzinfo=settings.tz,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        )
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
    )
    if rate_limit:  # replies: PTB's limiter keeps Telegram's limits and retries a 429 after retry_after
        builder = builder.rate_limiter(
            AIORateLimiter(overall_max_rate=settings.telegram_rate_limit, max_retries=3)
        )
    engine = engine or create_engine(settings.database_url)
    sessions = session_factory(engine)
    app = builder.persistence(DatabasePersistence(sessions)).build()
    state: AppState = app.bot_data
    state.settings = settings
    state.engine = engine
    state.sessions = sessions
    state.clock = clock
    state.users = UserService(state.sessions)
    state.hours_clock = Clock(settings.tz, HolidayCalendar(settings.holiday_state))
    state.outbox = Dispatcher(
        sessions=state.sessions,
        bot=Bot(
            app.bot.token, base_url=settings.telegram_api_url, request=AiohttpRequest(connection_pool_size=32)
        ),
        limiter=RateLimiter(per_second=settings.telegram_rate_limit),
        clock=clock,
        on_blocked=lambda user_id: state.users.forget(user_id, changed=False),
    )
    handlers.register_all(app)
    return app


async def _post_init(app: Application) -> None:
    state: AppState = app.bot_data
    async with state.sessions() as session, session.begin():
        await users.ensure_admins(session, state.settings.admin_ids, today=state.clock().date())
    await reload_directory(app)
    await state.outbox.bot.initialize()
    state.outbox_task = asyncio.create_task(state.outbox.run(), name="outbox-dispatcher")
    await _set_command_menus(app)
    state.users.on_change = lambda user_id: _refresh_chat_menu_soon(app, user_id)
    async with state.sessions() as session:
        team = await users.non_clients(session)
    state.menu_task = asyncio.create_task(_set_team_menus(app, team), name="team-command-menus")


async def reload_directory(app: Application) -> None:
    """Read the service directory into memory again (at start, after an import or an edit)."""
    state: AppState = app.bot_data
    async with state.sessions() as session:
        state.directory = await load_directory(session)


async def _set_command_menus(app: Application) -> None:
    settings: Settings = app.bot_data.settings
    try:
        default = translator(settings.default_language, settings.timezone)
        await app.bot.set_my_commands(client_commands(default))
        for code in LANGUAGES:
            await app.bot.set_my_commands(
                client_commands(translator(code, settings.timezone)), language_code=code
            )
    except TelegramError as exc:  # the menu is a convenience: never a reason not to start
        log.warning("could not set the command menus: %s", exc)


async def _set_team_menus(app: Application, team: list[tuple[int, str, str | None]]) -> None:
    """Volunteers' and staff members' own command lists (in the background: may be many)."""
    settings: Settings = app.bot_data.settings
    for user_id, role, language in team:
        tr = translator(language or settings.default_language, settings.timezone)
        await set_chat_menu(app.bot, user_id, role, tr)


def _refresh_chat_menu_soon(app: Application, user_id: int) -> None:
    """After a change of role or language: that chat's command list, without delaying the update."""

    async def refresh() -> None:
        async with app.bot_data.sessions() as session:
            user = await session.get(User, user_id)
        if user is not None:
            settings: Settings = app.bot_data.settings
            tr = translator(user.language or settings.default_language, settings.timezone)
            await set_chat_menu(app.bot, user_id, user.role, tr)

    task = asyncio.create_task(refresh())
    _BACKGROUND.add(task)
    task.add_done_callback(_BACKGROUND.discard)


_BACKGROUND: set[asyncio.Task[None]] = set()


async def _post_stop(app: Application) -> None:
    """Stop sending from the outbox before the application's connections close."""
    for name in ("outbox_task", "menu_task"):
        task = getattr(app.bot_data, name, None)
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            setattr(app.bot_data, name, None)


async def _post_shutdown(app: Application) -> None:
    await app.bot_data.outbox.bot.shutdown()
    await app.bot_data.engine.dispose()


async def start_in_running_loop(app: Application, *, poll_timeout: int = 10) -> None:
    """What `run_polling` does, for callers that own the event loop (local chat, tests, benchmarks)."""
    await app.initialize()
    if app.post_init is not None:
        await app.post_init(app)
    await app.start()
    assert app.updater is not None
    await app.updater.start_polling(poll_interval=0.0, timeout=poll_timeout)


async def stop_in_running_loop(app: Application) -> None:
    assert app.updater is not None
    if app.updater.running:
        await app.updater.stop()
    if app.running:
        await app.stop()
    if app.post_stop is not None:
        await app.post_stop(app)
    await app.shutdown()
    if app.post_shutdown is not None:
        await app.post_shutdown(app)
