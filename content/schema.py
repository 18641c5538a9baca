"""Pydantic models of the content files (content/FORMAT.md): `categories.yaml` and `services/<slug>.yaml`.

Cross-file rules are checked with a validation context, which `content.loader` builds from the raw files:

* `ServiceFile.model_validate(data, context={"stem": "bike-workshop", "categories": {"mobility", ...}})`
  checks that the slug equals the file name and that every category exists;
* `CategoryFile.model_validate(item, context={"categories": {"leisure": None, "sports": "leisure"}})`
  (slug -> parent slug of every category) checks that a parent exists and has no parent itself.

Without a context those checks are skipped.
"""

from __future__ import annotations

import difflib
import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from bot.hours import OpeningHours
from bot.languages import LANGUAGES, SOURCE_LANGUAGE

__all__ = [
    "LANGS",
    "NAME_MAX",
    "SLUG_RE",
    "Address",
    "CategoryFile",
    "ContactFile",
    "Location",
    "ServiceFile",
]

LANGS: tuple[str, ...] = tuple(LANGUAGES)  # de en uk ru ar fa ps tr ku ti so fr; de is the source
SLUG_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NAME_MAX = 80
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
_URL_RE = re.compile(r"^https?://[^\s/?#@]+\.[^\s/?#@]+(?:[/?#]\S*)?$")
_PHONE_RE = re.compile(r"^\+?[0-9 ()/\-]+$")
_SPOKEN_RE = re.compile(r"^[a-z]{2,3}$")
_POSTCODE_RE = re.compile(r"^\d{5}$")


def _error(message: str, **context: Any) -> PydanticCustomError:
    """A validation error whose message is formatted here (pydantic's templates know no `!r`)."""
    return PydanticCustomError("content", message.format(**context) if context else message)


# --- scalar types ------------------------------------------------------------------------------------
def _non_empty(value: str) -> str:
    if not value.strip():
        raise _error("must not be empty")
    return value


Text = Annotated[str, AfterValidator(_non_empty)]
Str100 = Annotated[str, StringConstraints(max_length=100), AfterValidator(_non_empty)]
Str200 = Annotated[str, StringConstraints(max_length=200), AfterValidator(_non_empty)]


def _slug(value: str) -> str:
    if not SLUG_RE.fullmatch(value):
        raise _error("{value!r} is not a valid slug: lowercase letters, digits and single hyphens "
                     "(e.g. bike-workshop)", value=value)
    if len(value) > 64:
        raise _error("a slug has at most 64 characters")
    return value


Slug = Annotated[str, AfterValidator(_slug)]


def _email(value: str) -> str:
    if not _EMAIL_RE.fullmatch(value) or len(value) > 200:
        raise _error("{value!r} does not look like an e-mail address (name@example.org)", value=value)
    return value


def _url(value: str) -> str:
    if not _URL_RE.fullmatch(value) or len(value) > 500:
        raise _error("{value!r} does not look like a web address: it starts with https:// or http://",
                     value=value)
    return value


def _phone(value: str) -> str:
    if not _PHONE_RE.fullmatch(value) or sum(c.isdigit() for c in value) < 5 or len(value) > 64:
        raise _error('{value!r} does not look like a phone number, e.g. "+49 5371 94410"', value=value)
    return value


def _postcode(value: str) -> str:
    if not _POSTCODE_RE.fullmatch(value):
        raise _error('{value!r} is not a German postcode: five digits in quotes, e.g. "38540"', value=value)
    return value


Email = Annotated[str, AfterValidator(_email)]
Url = Annotated[str, AfterValidator(_url)]
Phone = Annotated[str, AfterValidator(_phone)]
Postcode = Annotated[str, AfterValidator(_postcode)]


# --- translated texts ----------------------------------------------------------------------------------
def _lang_key(value: object) -> str:
    if not isinstance(value, str) or value not in LANGUAGES:
        raise _error("unknown language code {value!r}: use one of {codes}", value=value,
                     codes=" ".join(LANGS))
    return value


LangKey = Annotated[str, BeforeValidator(_lang_key)]


def _german_required(value: dict[str, Any]) -> dict[str, Any]:
    if SOURCE_LANGUAGE not in value:
        raise _error("the German text (de) is missing: German is the source language and required")
    return value


def _short(value: dict[str, str]) -> dict[str, str]:
    for lang, text in value.items():
        if len(text) > NAME_MAX:
            raise _error("the {lang} name has {length} characters: at most {limit}",
                         lang=lang, length=len(text), limit=NAME_MAX)
    return value


def _keyword(value: str) -> str:
    if "\n" in value:
        raise _error("a keyword is a single line")
    return value


TranslatedText = Annotated[dict[LangKey, Text], AfterValidator(_german_required)]
ShortText = Annotated[dict[LangKey, Text], AfterValidator(_german_required), AfterValidator(_short)]
Keyword = Annotated[str, AfterValidator(_non_empty), AfterValidator(_keyword)]
Keywords = Annotated[
    dict[LangKey, Annotated[list[Keyword], Field(min_length=1)]], AfterValidator(_german_required)
]


# --- other field types ---------------------------------------------------------------------------------
def _appointment(value: object) -> object:
    if isinstance(value, bool):
        raise _error('put the value in quotes: "no", "yes" or "recommended" (YAML reads unquoted '
                     "{word} as {value})", word="no" if value is False else "yes", value=str(value).lower())
    return value


Appointment = Annotated[Literal["no", "yes", "recommended"], BeforeValidator(_appointment)]


def _spoken(value: object) -> object:
    if isinstance(value, bool):
        raise _error('put the code in quotes (YAML reads unquoted no/yes/on/off as {value}): e.g. "no"',
                     value=str(value).lower())
    if isinstance(value, str) and not _SPOKEN_RE.fullmatch(value):
        raise _error("{value!r} is not a language code: two or three lowercase letters (ISO 639, e.g. pl)",
                     value=value)
    return value


SpokenLanguage = Annotated[str, BeforeValidator(_spoken)]


def _known_category(value: str, info: ValidationInfo) -> str:
    known = (info.context or {}).get("categories")
    if known is not None and value not in known:
        close = difflib.get_close_matches(value, sorted(known), n=1)
        if close:
            raise _error("unknown category {value!r} (did you mean {close!r}?)", value=value, close=close[0])
        raise _error("unknown category {value!r}: categories.yaml has {known}", value=value,
                     known=", ".join(sorted(known)) or "none")
    return value


KnownCategory = Annotated[Slug, AfterValidator(_known_category)]


def _none_is_empty(value: object) -> object:
    return [] if value is None else value


# --- models --------------------------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Address(_Model):
    street: Str200
    postcode: Postcode
    city: Str100


class Location(_Model):
    """WGS84 coordinates."""

    lat: Annotated[float, Field(ge=-90, le=90)]
    lon: Annotated[float, Field(ge=-180, le=180)]


class CategoryFile(_Model):
    """One entry of categories.yaml."""

    slug: Slug
    emoji: Annotated[str, StringConstraints(max_length=16)] = ""
    order: StrictInt = 0
    parent: Slug | None = None
    name: TranslatedText

    @field_validator("parent")
    @classmethod
    def _one_level(cls, value: str | None, info: ValidationInfo) -> str | None:
        parents: dict[str, str | None] | None = (info.context or {}).get("categories")
        if value is None:
            return value
        if value == info.data.get("slug"):
            raise _error("a category cannot be its own parent")
        if parents is None:
            return value
        if value not in parents:
            raise _error("unknown parent category {value!r}", value=value)
        if parents[value] is not None:
            raise _error("the parent category {value!r} has a parent itself: only one level of nesting",
                         value=value)
        return value


class ContactFile(_Model):
    """A contact person of a service."""

    name: Str200
    role: TranslatedText | None = None
    phone: Phone | None = None
    email: Email | None = None
    hours: OpeningHours | None = None


class ServiceFile(_Model):
    """One services/<slug>.yaml file; fields in the order of content/FORMAT.md."""

    slug: Slug
    categories: Annotated[list[KnownCategory], Field(min_length=1)]
    provider: Str200
    name: ShortText
    description: TranslatedText
    audience: TranslatedText | None = None
    fee: TranslatedText | None = None
    free: StrictBool
    appointment: Appointment
    appointment_info: TranslatedText | None = None
    address: Address
    location: Location | None = None
    phone: Phone | None = None
    email: Email | None = None
    website: Url | None = None
    booking_url: Url | None = None
    languages_spoken: list[SpokenLanguage]
    wheelchair_accessible: StrictBool
    keywords: Keywords
    contacts: Annotated[list[ContactFile], BeforeValidator(_none_is_empty)] = []
    hours: OpeningHours

    @field_validator("slug")
    @classmethod
    def _file_name(cls, value: str, info: ValidationInfo) -> str:
        stem = (info.context or {}).get("stem")
        if stem is not None and value != stem:
            raise _error("the slug {value!r} must equal the file name without .yaml ({stem!r})",
                         value=value, stem=stem)
        return value

    @field_validator("categories", "languages_spoken")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        seen: set[str] = set()
        for item in value:
            if item in seen:
                raise _error("{item!r} is listed twice", item=item)
            seen.add(item)
        return value

    @field_validator("free")
    @classmethod
    def _fee_only_when_not_free(cls, value: bool, info: ValidationInfo) -> bool:
        if value and info.data.get("fee") is not None:
            raise _error("free is true but a fee is given: set free: false or remove the fee")
        return value
