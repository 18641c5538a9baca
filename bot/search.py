"""Typo-tolerant search across every language, script and synonym of the service directory.

Each service contributes the names and keywords of all twelve languages, normalised (case,
diacritics, Arabic-script letter variants). They are indexed twice: as whole *phrases* (exact
match, e.g. "bike repair") and as single *words*. A query word is compared with rapidfuzz only to
the distinct words of its own script, so a query costs milliseconds even with thousands of
services; a substring scan finds parts of German compounds ("werkstatt" in "fahrradwerkstatt").
A service scores by its best-matching words; names weigh more than keywords. Pure logic.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

_WORD = re.compile(r"\w+", re.UNICODE)
_ARABIC_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_ARABIC_FOLD = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ى": "ي",
        "ی": "ي",
        "ې": "ي",
        "ة": "ه",
        "ك": "ک",
        "ؤ": "و",
        "ئ": "ي",
        "ۍ": "ي",
        "ہ": "ه",
    }
)
_COMBINING = re.compile("[\u0300-\u036f]")
_LATIN_FOLD = str.maketrans({"ß": "ss", "ı": "i", "ø": "o", "æ": "ae", "ł": "l"})

NAME_WEIGHT = 1.0
KEYWORD_WEIGHT = 0.9
MIN_SCORE = 72.0  # rapidfuzz ratio: "fahrad" ~ "fahrrad" is 92, unrelated words stay far below
SUGGEST_SCORE = 55.0  # looser, for suggestions when nothing matched
PART_SCORE = 88.0  # the query is a part of a longer word


def normalise(text: str) -> str:
    """Case-fold, strip Latin/Cyrillic diacritics (ü→u, й→и), fold Arabic-script letter variants."""
    text = _ARABIC_MARKS.sub("", text.casefold()).translate(_ARABIC_FOLD).translate(_LATIN_FOLD)
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _COMBINING.sub("", decomposed)).strip()


def script_of(word: str) -> str:
    """A coarse script key (Latin, Cyrillic, Arabic, Ethiopic, ...) from the word's first letter."""
    for char in word:
        if char.isalpha():
            return unicodedata.name(char, "OTHER").split(" ", 1)[0]
    return "OTHER"


@dataclass(frozen=True)
class Hit:
    service_id: int
    score: float


@dataclass
class _Bucket:
    """The distinct words of one script, with a newline-joined copy for fast substring scans."""

    words: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    _joined: str | None = None
    _starts: list[int] = field(default_factory=list)

    def add(self, word: str, term_id: int) -> None:
        self.words.append(word)
        self.ids.append(term_id)
        self._joined = None

    def containing(self, part: str) -> list[int]:
        """Term ids of the words that contain `part` (found by str.find in C, not a Python loop)."""
        if self._joined is None:
            self._joined = "\n".join(self.words)
            self._starts, position = [], 0
            for word in self.words:
                self._starts.append(position)
                position += len(word) + 1
        found, start = [], self._joined.find(part)
        while start != -1:
            index = bisect.bisect_right(self._starts, start) - 1
            found.append(self.ids[index])
            start = self._joined.find(part, self._starts[index] + len(self.words[index]) + 1)
        return found


@dataclass
class SearchIndex:
    """Built once from the directory (and again after edits); queries only read it."""

    _words: dict[str, int] = field(default_factory=dict)  # word -> term id
    _phrases: dict[str, dict[int, float]] = field(default_factory=dict)  # phrase -> service -> weight
    _postings: list[dict[int, float]] = field(default_factory=list)  # term id -> service -> weight
    _buckets: dict[str, _Bucket] = field(default_factory=lambda: defaultdict(_Bucket))

    def add(self, service_id: int, names: Iterable[str], keywords: Iterable[str]) -> None:
        for texts, weight in ((names, NAME_WEIGHT), (keywords, KEYWORD_WEIGHT)):
            for text in texts:
                phrase = normalise(text)
                if not phrase:
                    continue
                _keep_max(self._phrases.setdefault(phrase, {}), service_id, weight)
                for word in _WORD.findall(phrase):
                    if len(word) >= 3 and not word.isdigit():
                        _keep_max(self._postings[self._term(word)], service_id, weight)

    def _term(self, word: str) -> int:
        term_id = self._words.get(word)
        if term_id is None:
            term_id = self._words[word] = len(self._postings)
            self._postings.append({})
            self._buckets[script_of(word)].add(word, term_id)
        return term_id

    def search(self, query: str, limit: int = 20, *, min_score: float = MIN_SCORE) -> list[Hit]:
        """Services matching the query, best first. A lower `min_score` gives "did you mean" ideas."""
        phrase = normalise(query)
        query_words = list(dict.fromkeys(w for w in _WORD.findall(phrase) if len(w) >= 2))
        if not query_words:
            return []
        scores: dict[int, float] = defaultdict(float)
        for word in query_words:
            best: dict[int, float] = {}
            for term_id, score in self._matches(word, min_score):
                for service_id, weight in self._postings[term_id].items():
                    _keep_max(best, service_id, score * weight)
            for service_id, value in best.items():
                scores[service_id] += value
        for service_id, weight in self._phrases.get(phrase, {}).items():  # "bike repair" as typed
            scores[service_id] += 50.0 * weight
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [Hit(service_id, round(score, 1)) for service_id, score in ranked[:limit]]

    def _matches(self, word: str, min_score: float) -> list[tuple[int, float]]:
        exact = self._words.get(word)
        if len(word) < 4:  # too short for typos or parts: only the word itself
            return [(exact, 100.0)] if exact is not None else []
        bucket = self._buckets.get(script_of(word))
        if bucket is None:
            return []
        found = {
            bucket.ids[index]: score
            for _word, score, index in process.extract(
                word, bucket.words, scorer=fuzz.ratio, score_cutoff=min_score, limit=30
            )
        }
        for term_id in bucket.containing(word):
            found.setdefault(term_id, PART_SCORE)
        return list(found.items())

    def __len__(self) -> int:
        return len(self._postings)


def _keep_max(scores: dict[int, float], key: int, value: float) -> None:
    if value > scores.get(key, 0.0):
        scores[key] = value
