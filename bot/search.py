"""Typo-tolerant search across every language, script and synonym of the service directory.

Each service contributes *terms*: its names and keywords in all twelve languages, as whole phrases
and as single words, normalised (case, diacritics, Arabic letter variants). A query word is matched
against the distinct terms with rapidfuzz; a service scores by its best-matching terms, names
weigh more than keywords. Pure logic: no Telegram, no database.
"""

from __future__ import annotations

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
MIN_SCORE = 72.0


def normalise(text: str) -> str:
    """Case-fold, strip Latin/Cyrillic diacritics (ü→u, й→и), fold Arabic-script letter variants."""
    text = _ARABIC_MARKS.sub("", text.casefold()).translate(_ARABIC_FOLD).translate(_LATIN_FOLD)
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _COMBINING.sub("", decomposed)).strip()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


@dataclass(frozen=True)
class Hit:
    service_id: int
    score: float


@dataclass
class SearchIndex:
    """Built once from the directory (and again after edits); queries are read-only."""

    _terms: list[str] = field(default_factory=list)
    _postings: list[dict[int, float]] = field(default_factory=list)  # term index -> service -> weight
    _term_ids: dict[str, int] = field(default_factory=dict)

    def add(self, service_id: int, names: Iterable[str], keywords: Iterable[str]) -> None:
        for texts, weight in ((names, NAME_WEIGHT), (keywords, KEYWORD_WEIGHT)):
            for text in texts:
                phrase = normalise(text)
                if not phrase:
                    continue
                self._post(phrase, service_id, weight)
                for word in _WORD.findall(phrase):
                    if len(word) >= 3:
                        self._post(word, service_id, weight * 0.95)

    def _post(self, term: str, service_id: int, weight: float) -> None:
        index = self._term_ids.get(term)
        if index is None:
            index = self._term_ids[term] = len(self._terms)
            self._terms.append(term)
            self._postings.append({})
        postings = self._postings[index]
        postings[service_id] = max(postings.get(service_id, 0.0), weight)

    def search(self, query: str, limit: int = 20) -> list[Hit]:
        """Services matching the query, best first."""
        phrase = normalise(query)
        query_words = [w for w in _WORD.findall(phrase) if len(w) >= 2]
        if not query_words:
            return []
        scores: dict[int, float] = defaultdict(float)
        for word in dict.fromkeys(query_words):
            best: dict[int, float] = {}
            for _term, score, index in self._matches(word):
                for service_id, weight in self._postings[index].items():
                    value = score * weight
                    if value > best.get(service_id, 0.0):
                        best[service_id] = value
            for service_id, value in best.items():
                scores[service_id] += value
        if len(query_words) > 1:  # the whole phrase as typed ("bike repair") counts once more
            for _term, score, index in self._matches(phrase):
                for service_id, weight in self._postings[index].items():
                    scores[service_id] += score * weight * 0.5
        ranked = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
        return [Hit(service_id, round(score, 1)) for service_id, score in ranked[:limit]]

    def _matches(self, word: str) -> list[tuple[str, float, int]]:
        exact = self._term_ids.get(word)
        if exact is not None and len(word) < 4:
            return [(word, 100.0, exact)]
        found = process.extract(word, self._terms, scorer=fuzz.ratio, score_cutoff=MIN_SCORE, limit=25)
        if len(word) >= 4:  # part of a compound: "werkstatt" finds "fahrradwerkstatt"
            seen = {index for _t, _s, index in found}
            found += [
                (term, 90.0, index)
                for index, term in enumerate(self._terms)
                if index not in seen and word in term
            ]
        return found

    def __len__(self) -> int:
        return len(self._terms)
