"""Who you can be in local chat mode: clients in several languages, a volunteer and staff."""

from __future__ import annotations

from dataclasses import dataclass

from storage.models import Role


@dataclass(frozen=True)
class Persona:
    key: str
    user_id: int
    first_name: str
    language_code: str | None  # what "their Telegram app" reports
    description: str
    role: Role | None = None  # None: a plain client


PERSONAS: dict[str, Persona] = {
    p.key: p
    for p in (
        Persona("client-ar", 7001, "Amina", "ar", "client, Arabic"),
        Persona("client-uk", 7002, "Olena", "uk", "client, Ukrainian"),
        Persona("client-fa", 7003, "Reza", "fa", "client, Farsi/Dari"),
        Persona("client-ti", 7004, "Selam", "ti", "client, Tigrinya"),
        Persona("client-tr", 7005, "Emre", "tr", "client, Turkish"),
        Persona("client-sw", 7006, "Juma", "sw", "client whose app language (Swahili) is not supported"),
        Persona("volunteer", 7101, "Jens", "de", "volunteer, German", Role.VOLUNTEER),
        Persona("staff", 7201, "Frau Weber", "de", "office staff (admin), German", Role.ADMIN),
    )
}


def staff_ids() -> list[int]:
    return [p.user_id for p in PERSONAS.values() if p.role is Role.ADMIN]
