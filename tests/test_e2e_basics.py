"""End to end through the Bot API emulator: start, languages, menu, fallbacks, errors."""

from __future__ import annotations

import asyncio

import pytest

from bot.i18n import translator
from bot.languages import LANGUAGES
from tests.harness import BotHarness

WELCOME = (
    "👋 Welcome! I am the assistant of the {office}. Ask me about services, opening hours "
    "and help in your language. Choose from the menu or just write what you are looking for."
)


async def test_start_in_ukrainian_shows_menu(bot: BotHarness) -> None:
    olena = bot.user("uk", first_name="Olena")
    await olena.send("/start")
    reply = await olena.next_message()
    uk = translator("uk")
    assert uk.gettext("🆘 Emergency numbers") in reply.button_texts
    assert reply.text == uk.gettext(WELCOME).format(office="Integrationsbüro")
    assert reply.text != WELCOME.format(office="Integrationsbüro")  # translated, not the English source


async def test_start_in_arabic_isolates_office_name(bot: BotHarness) -> None:
    amina = bot.user("ar", first_name="Amina")
    await amina.send("/start")
    reply = await amina.next_message()
    assert "\u2068Integrationsbüro\u2069" in reply.text
    assert translator("ar").gettext("🌍 Language") in reply.button_texts


async def test_unsupported_language_gets_picker_first(bot: BotHarness) -> None:
    juma = bot.user("sw", first_name="Juma")
    await juma.send("/start")
    picker = await juma.next_message()
    assert [lang.native_name for lang in LANGUAGES.values()] == picker.button_texts
    assert picker.text.count("\n") == len(LANGUAGES) - 1  # the prompt once in every language
    await juma.press("ትግርኛ")
    welcome = await juma.wait_for(lambda m: m.text.startswith("👋"))
    assert translator("ti").gettext("❓ Help") in welcome.button_texts


async def test_language_switch_survives_restart(bot: BotHarness) -> None:
    user = bot.user("de")
    await user.send("/language")
    await user.next_message()
    await user.press("فارسی / دری")
    await user.wait_for(lambda m: translator("fa").gettext("❓ Help") in m.button_texts)
    await bot.restart()
    await user.send("/menu")
    expected = translator("fa").gettext("What can I help you with? Choose below.")
    await user.wait_for(lambda m: m.text == expected)


@pytest.mark.parametrize("kind", ["unknown_command", "sticker", "photo", "voice", "edited"])
async def test_unknown_input_gets_a_friendly_hint_with_menu(bot: BotHarness, kind: str) -> None:
    user = bot.user("ru")
    await user.send("/menu")
    await user.next_message()
    if kind == "unknown_command":
        await user.send("/frobnicate")
    elif kind == "sticker":
        await user.send_sticker()
    elif kind == "photo":
        await user.send_photo()
    elif kind == "voice":
        await user.send_voice()
    else:
        sent = await user.send("hello")
        await user.next_message()
        await user.edit(sent["message"]["message_id"], "hello again")
    reply = await user.next_message()
    ru = translator("ru")
    assert ru.gettext("❓ Help") in reply.button_texts
    assert reply.text


async def test_emergency_numbers_in_pashto(bot: BotHarness) -> None:
    user = bot.user("ps")
    await user.send("/start")
    await user.next_message()
    await user.press(translator("ps").gettext("🆘 Emergency numbers"))
    card = await user.wait_for(lambda m: "116 016" in m.text)
    for number in ("112", "110", "0800 111 0 111", "0800 111 0 222", "116 016"):
        assert f"\u2068{number}\u2069" in card.text


async def test_stale_button_is_answered_politely(bot: BotHarness) -> None:
    user = bot.user("en")
    await user.send("/menu")
    menu = await user.next_message()
    update = await user.press(data="svc:open:99999999", message=menu)
    answer = await user.answer_for(update)
    assert answer.text == "This button is no longer valid."


async def test_command_menus_registered_per_language(bot: BotHarness) -> None:
    commands = bot.emulator.commands  # scope/language -> list of commands
    for code in LANGUAGES:
        described = {c["command"]: c["description"] for c in commands[("default", code)]}
        assert described["language"] == translator(code).gettext("Choose your language")


async def test_invite_link_waits_for_the_language_choice(bot: BotHarness) -> None:
    from handlers.start import register_deep_link

    async def follow(update, context, code: str) -> None:  # type: ignore[no-untyped-def]
        await context.bot.send_message(update.effective_chat.id, f"followed {code} in {context.tr.lang}")

    register_deep_link("tst", follow)
    user = bot.user("sw")  # an app language the bot does not speak: the picker comes first
    await user.send("/start tst-abc123")
    await user.next_message()
    await user.press("Soomaali")
    followed = await user.wait_for(lambda m: m.text.startswith("followed"))
    assert followed.text == "followed abc123 in so"


async def test_unknown_deep_link_is_refused_politely(bot: BotHarness) -> None:
    user = bot.user("en")
    await user.send("/start nope-123")
    reply = await user.next_message()
    assert reply.text == "This link is not valid (any more). Here is the menu."


async def test_staff_and_volunteers_get_their_own_command_menus(bot: BotHarness) -> None:
    from storage.models import Role

    admin = bot.user("ar", user_id=900001)  # ADMIN_IDS
    helper = bot.user("uk")
    await helper.send("/start")
    await helper.next_message()
    await bot.app.bot_data.users.set_role(helper.user_id, Role.VOLUNTEER, bot.clock().date())
    await bot.restart()  # menus of the team are set at start
    commands = bot.emulator.commands

    async def menu_of(user_id: int) -> list[str]:
        for _ in range(100):
            if (f"chat:{user_id}", "") in commands:
                return [c["command"] for c in commands[(f"chat:{user_id}", "")]]
            await asyncio.sleep(0.05)
        raise AssertionError(f"no command menu for chat {user_id}")

    assert {"admin", "staff", "audit", "start"} <= set(await menu_of(admin.user_id))
    volunteer_menu = await menu_of(helper.user_id)
    assert {"mytasks", "shifts", "start"} <= set(volunteer_menu) and "admin" not in volunteer_menu
    described = {c["command"]: c["description"] for c in commands[(f"chat:{helper.user_id}", "")]}
    assert described["shifts"] == translator("uk").gettext("Weekly shifts")
