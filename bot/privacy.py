"""What each feature stores about a person, and how to export and erase it (/mydata, /deleteme).

Every feature that stores personal data registers a `PersonalData` entry: `export` returns what
is stored about the user with field names a person can read; `erase` deletes it (or, where the
office must keep a record, pseudonymises it) in the caller's transaction. `/mydata` and
`/deleteme` walk the registry, so a new feature cannot forget to take part.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

Export = Callable[[AsyncSession, int], Awaitable[Any]]
Erase = Callable[[AsyncSession, int], Awaitable[None]]


@dataclass(frozen=True)
class PersonalData:
    name: str  # the section name in the export, e.g. "saved services"
    export: Export
    erase: Erase
    order: int = 50  # erase order: dependants first (lower numbers run first)


REGISTRY: dict[str, PersonalData] = {}


def register(entry: PersonalData) -> None:
    REGISTRY[entry.name] = entry


async def export_all(session: AsyncSession, user_id: int) -> dict[str, Any]:
    return {name: await entry.export(session, user_id) for name, entry in sorted(REGISTRY.items())}


async def erase_all(session: AsyncSession, user_id: int) -> None:
    for entry in sorted(REGISTRY.values(), key=lambda e: e.order):
        await entry.erase(session, user_id)
