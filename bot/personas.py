"""Who you can be in local chat mode: a client in each language, volunteers and staff."""

from __future__ import annotations

from dataclasses import dataclass

from bot.languages import LANGUAGES
from storage.models import Role


@dataclass(frozen=True)
class Persona:
    key: str
    user_id: int
    first_name: str
    language_code: str | None  # what "their Telegram app" reports
    description: str
    role: Role | None = None  # None: a plain client


_CLIENT_NAMES = {
    "de": "Lena",
    "en": "Sam",
    "uk": "Olena",
    "ru": "Dmitri",
    "ar": "Amina",
    "fa": "Reza",
    "ps": "Gul",
    "tr": "Emre",
    "ku": "Rojda",
    "ti": "Selam",
    "so": "Hodan",
    "fr": "Awa",
}


def _personas() -> list[Persona]:
    clients = [
        Persona(
            f"client-{code}", 7001 + n, _CLIENT_NAMES[code], code, f"client, {LANGUAGES[code].native_name}"
        )
        for n, code in enumerate(LANGUAGES)
    ]
    return [
        *clients,
        Persona("client-sw", 7099, "Juma", "sw", "client whose app language (Swahili) is not supported"),
        Persona("volunteer", 7101, "Jens", "de", "volunteer, German", Role.VOLUNTEER),
        Persona("volunteer-fa", 7102, "Shirin", "fa", "volunteer, Farsi/Dari", Role.VOLUNTEER),
        Persona("staff", 7201, "Frau Weber", "de", "office staff (admin), German", Role.ADMIN),
        Persona("staff-ar", 7202, "Herr Haddad", "ar", "office staff (admin), Arabic", Role.ADMIN),
    ]


PERSONAS: dict[str, Persona] = {p.key: p for p in _personas()}


def staff_ids() -> list[int]:
    return [p.user_id for p in PERSONAS.values() if p.role is Role.ADMIN]
