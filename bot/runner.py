"""Starting the bot: real Telegram (polling or webhook), or local chat mode against the emulator."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram.ext import Application

from bot.app import build_application, start_in_running_loop, stop_in_running_loop
from bot.settings import Settings
from content.loader import load_directory
from content.sync import import_directory
from storage import directory as directory_repo
from storage.db import create_engine, session_factory
from storage.migrate import upgrade

log = logging.getLogger(__name__)

LOCAL_TOKEN = "1000000001:LOCAL-chat-mode-token-not-secret"
LOCAL_LOG = Path("var/integrationsbot.log")


async def prepare_database(settings: Settings, engine: AsyncEngine | None = None) -> None:
    """Apply migrations; load the content files (default: the bundled sample) into an empty directory."""
    own = engine is None
    engine = engine or create_engine(settings.database_url)
    try:
        await upgrade(engine)
        async with session_factory(engine)() as session, session.begin():
            if not await directory_repo.has_services(session):
                report = await import_directory(session, load_directory(settings.content_path))
                log.info("loaded the content files from %s: %s", settings.content_path, report.summary())
    finally:
        if own:
            await engine.dispose()


def run_telegram(settings: Settings) -> None:
    """Real Telegram: webhook mode when WEBHOOK_URL is set, else long polling."""
    asyncio.run(prepare_database(settings))
    app = build_application(settings)
    if settings.webhook_url:
        log.info("starting in webhook mode on %s:%s", settings.webhook_listen, settings.webhook_port)
        app.run_webhook(
            listen=settings.webhook_listen,
            port=settings.webhook_port,
            url_path=settings.webhook_url.rstrip("/").rsplit("/", 1)[-1] or "telegram",
            webhook_url=settings.webhook_url,
            secret_token=settings.webhook_secret.get_secret_value() if settings.webhook_secret else None,
            allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"],
        )
    else:
        log.info("starting with long polling")
        app.run_polling(allowed_updates=["message", "edited_message", "callback_query", "my_chat_member"])


async def run_local(settings: Settings) -> None:
    """No token: start the Bot API emulator on loopback and chat with the bot in this terminal."""
    from bot.emulator import BotAPIEmulator
    from bot.localchat import run_local_chat
    from bot.personas import PERSONAS, staff_ids

    emulator = BotAPIEmulator(token=LOCAL_TOKEN, bot_username="integrationsbot_local")
    await emulator.start()
    local = settings.model_copy(
        update={
            "telegram_api_url": emulator.api_url,
            "admin_ids": sorted({*settings.admin_ids, *staff_ids()}),
        }
    )
    await prepare_database(local)
    app = build_application(local, token=LOCAL_TOKEN)
    for persona in PERSONAS.values():
        emulator.add_user(
            user_id=persona.user_id, first_name=persona.first_name, language_code=persona.language_code
        )
    try:
        await start_in_running_loop(app)
        try:
            await _grant_persona_roles(app)
            await run_local_chat(emulator, PERSONAS, start_persona="client-ar")
        finally:
            await stop_in_running_loop(app)
    finally:
        await emulator.stop()


async def _grant_persona_roles(app: Application) -> None:
    """Give the personas their roles; volunteers get a ready profile so requests can reach them."""
    from bot import volunteers
    from bot.personas import PERSONAS
    from storage import volunteers as volunteer_repo
    from storage.models import Role

    state = app.bot_data
    for persona in PERSONAS.values():
        if persona.role is None:
            continue
        await state.users.set_role(persona.user_id, persona.role, state.clock().date())
        if persona.role is Role.VOLUNTEER:
            async with state.sessions() as session, session.begin():
                profile = await volunteers.start_profile(session, persona.user_id, persona.first_name)
                if not profile.approved:
                    profile.approved = True
                    profile.languages = sorted({persona.language_code or "de", "de"})
                    profile.skills = [skill.slug for skill in await volunteer_repo.skills(session)]
                    profile.areas = list(state.settings.volunteer_areas)
                    profile.availability = {day: list(volunteers.PARTS) for day in volunteers.DAYS}
