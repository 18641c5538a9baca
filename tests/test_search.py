"""Search: typo-tolerant, across languages, scripts and synonyms, over the bundled sample directory."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from bot.search import SearchIndex, normalise

SAMPLE = Path(__file__).resolve().parent.parent / "content" / "sample" / "services"


@pytest.fixture(scope="module")
def index() -> tuple[SearchIndex, dict[int, str]]:
    idx, slugs = SearchIndex(), {}
    for number, path in enumerate(sorted(SAMPLE.glob("*.yaml")), start=1):
        data = yaml.safe_load(path.read_text("utf-8"))
        slugs[number] = data["slug"]
        idx.add(number, data["name"].values(), [k for words in data["keywords"].values() for k in words])
    return idx, slugs


@pytest.mark.parametrize(
    "query",
    [
        "fahrad",
        "Fahrradwerkstatt",
        "велосипед",
        "دراجة",
        "bisiklet",
        "bike repair",
        "werkstatt",
        "FAHRRAD",
        "velo",
        "دوچرخه",
        "ቢሽክለታ",
    ],
)
def test_bike_workshop_found_in_every_script(index, query: str) -> None:  # type: ignore[no-untyped-def]
    idx, slugs = index
    hits = idx.search(query)
    assert hits, query
    assert "bike-workshop" in [slugs[h.service_id] for h in hits[:3]], (
        query,
        [slugs[h.service_id] for h in hits],
    )


@pytest.mark.parametrize(
    ("query", "slug"),
    [
        ("schuldnerberatung", "debt-counselling"),
        ("Schuldner", "debt-counselling"),
        ("борги", "debt-counselling"),
        ("jobcentre", "jobcenter"),
        ("Ausländerbehörde", "immigration-office"),
        ("auslanderbehorde", "immigration-office"),
        ("Kleiderkammer", "clothing-store"),
    ],
)
def test_typos_and_languages(index, query: str, slug: str) -> None:  # type: ignore[no-untyped-def]
    idx, slugs = index
    assert slug in [slugs[h.service_id] for h in idx.search(query)[:3]], query


def test_nothing_for_nonsense(index) -> None:  # type: ignore[no-untyped-def]
    idx, _ = index
    assert idx.search("qqqxxzz") == []
    assert idx.search("  ") == []
    assert idx.search("!!!") == []


def test_best_first(index) -> None:  # type: ignore[no-untyped-def]
    idx, _ = index
    hits = idx.search("Fahrradwerkstatt")
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


def test_normalise_folds_scripts() -> None:
    assert normalise("Bürgerbüro") == "burgerburo"
    assert normalise("Straße") == "strasse"
    assert normalise("دَرّاجة") == normalise("دراجه")
    assert normalise("كتاب") == normalise("کتاب")
    assert normalise("ЙОД") == "иод"
