"""Directory speed: search, a category page and "open now" over a generated directory.

Generates N services (default 5,000) in twelve languages from the bundled sample services
(names and keywords varied per copy), builds the in-memory directory exactly as the bot does,
and prints p50/p95/max in milliseconds for:
  - search: typo-tolerant queries in Latin, Cyrillic, Arabic and Ethiopic script over all N services;
  - category page: one category of 500 services, ordered open-first, first page of buttons labelled;
  - open now: which of 500 services are open at a moment (status of each).
Run: .venv/bin/python bench/directory.py [--services 5000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import time
from pathlib import Path

import yaml

from bot.directory import Clock, Directory, ServiceEntry, is_open, open_first
from bot.directory_text import list_label
from bot.hours import HolidayCalendar, OpeningHours
from bot.i18n import translator
from bot.search import SearchIndex

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "fahrad",
    "Fahrradwerkstatt",
    "велосипед",
    "دراجة",
    "bisiklet",
    "bike repair",
    "deutschkurs",
    "schuldnerberatung",
    "психолог",
    "مشاوره",
    "ጀርመንኛ",
    "kleiderkammer",
    "jobcenter",
    "arzt",
    "sprachcafe",
    "ausländerbehörde",
    "hausaufgaben",
    "bibliothek",
    "ምኽሪ",
    "Tafel essen",
]
VILLAGES = [
    "Auenbrück",
    "Ohlenbüttel",
    "Lindenhagen",
    "Wiesenrode",
    "Hohenfeld",
    "Brackstedt",
    "Mühlenau",
    "Kirchdorf",
    "Neuhof",
    "Grünwalde",
]


def generate(count: int, seed: int = 7) -> list[ServiceEntry]:
    rng = random.Random(seed)
    samples = [
        yaml.safe_load(p.read_text("utf-8"))
        for p in sorted((ROOT / "content/sample/services").glob("*.yaml"))
    ]
    entries = []
    for i in range(count):
        src = samples[i % len(samples)]
        village = rng.choice(VILLAGES)
        suffix = f"{village} {i}"
        names = {lang: f"{text} {suffix}" for lang, text in src["name"].items()}
        keywords = {
            lang: "\n".join(words + [f"{village.lower()}{i % 97}"]) for lang, words in src["keywords"].items()
        }
        entries.append(
            ServiceEntry(
                id=i + 1,
                slug=f"{src['slug']}-{i}",
                provider=src.get("provider", ""),
                street="Hauptstraße 1",
                postcode="38540",
                city=village,
                lat=52.48 + rng.uniform(-0.05, 0.05),
                lon=10.35 + rng.uniform(-0.05, 0.05),
                phone=None,
                email=None,
                website=None,
                booking_url=None,
                languages_spoken=["de"],
                free=True,
                wheelchair_accessible=False,
                appointment=str(src.get("appointment", "no")),
                hours=OpeningHours.model_validate(src["hours"]),
                category_ids=[1],
                texts={"name": names, "description": src["description"], "keywords": keywords},
            )
        )
    return entries


def build(entries: list[ServiceEntry]) -> Directory:
    index = SearchIndex()
    for e in entries:
        index.add(
            e.id, e.texts["name"].values(), [k for t in e.texts["keywords"].values() for k in t.split("\n")]
        )
    return Directory(
        categories=[],
        services={e.id: e for e in entries},
        index=index,
        by_category={1: [e.id for e in entries]},
    )


def measure(label: str, runs: int, fn) -> None:  # type: ignore[no-untyped-def]
    times = []
    for i in range(runs):
        start = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(f"{label:<44} p50 {statistics.median(times):7.2f} ms   p95 {p95:7.2f} ms   max {times[-1]:7.2f} ms")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--services", type=int, default=5000)
    parser.add_argument("--page-services", type=int, default=500)
    args = parser.parse_args()

    start = time.perf_counter()
    entries = generate(args.services)
    directory = build(entries)
    print(
        f"generated {len(entries)} services in 12 languages, {len(directory.index)} distinct search terms, "
        f"built in {time.perf_counter() - start:.1f} s"
    )
    clock = Clock(translator("de").tz, HolidayCalendar("NI"))
    tr = translator("ar")
    base = dt.datetime(2026, 11, 24, 9, 0, tzinfo=dt.UTC)
    page = entries[: args.page_services]

    measure(
        f"search over {len(entries)} services",
        300,
        lambda i: directory.search(QUERIES[i % len(QUERIES)], limit=40),
    )

    def category_page(i: int) -> None:
        now = base + dt.timedelta(minutes=37 * i)
        ordered = open_first(page, now, clock, tr.lang)
        [list_label(s, st, tr) for s, st in ordered[:8]]

    measure(f"category page of {len(page)} services (open first)", 200, category_page)
    measure(
        f"open now over {len(page)} services",
        200,
        lambda i: [s for s in page if is_open(s, base + dt.timedelta(minutes=53 * i), clock)],
    )


if __name__ == "__main__":
    main()
