"""Read a content directory (categories.yaml + services/*.yaml), collecting every problem with file:line."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.hours import HoursException, OpeningHours, TemporaryClosure, Weekly
from content.schema import Address, CategoryFile, ContactFile, Location, ServiceFile

__all__ = ["ContentError", "Directory", "Problem", "load_directory"]

CATEGORIES_FILE = "categories.yaml"
SERVICES_DIR = "services"

Loc = tuple[int | str, ...]
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_TYPE_TAGS = frozenset({"str", "int", "float", "bool", "list", "dict", "tuple", "date", "none", "literal"})
_MODELS: tuple[type[BaseModel], ...] = (
    CategoryFile, ServiceFile, ContactFile, Address, Location, OpeningHours, Weekly, HoursException,
    TemporaryClosure,
)
_FIELD_NAMES = sorted({f.alias or name for m in _MODELS for name, f in m.model_fields.items()})


@dataclass(frozen=True)
class Problem:
    """One problem in a content file; `line` is 1-based (None when unknown), `field` a dotted path."""

    file: str
    line: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.field}: {self.message}" if self.field else f"{where}: {self.message}"


class ContentError(Exception):
    """The content files have problems; `problems` lists all of them in file and line order."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(map(str, self.problems)))


@dataclass
class Directory:
    """A valid content directory: categories in file order, services ordered by slug."""

    categories: list[CategoryFile] = field(default_factory=list)
    services: list[ServiceFile] = field(default_factory=list)


def load_directory(path: str | Path) -> Directory:
    """Load and validate a content directory; raise `ContentError` with every problem found."""
    root = Path(path)
    problems: list[Problem] = []
    if not root.is_dir():
        raise ContentError([Problem(str(root), None, "", "not a directory")])

    directory = Directory()
    parents: dict[str, str | None] | None = None  # None: categories.yaml unreadable, do not check them
    parsed = _parse(root / CATEGORIES_FILE, CATEGORIES_FILE, problems)
    if parsed is not None:
        data, node = parsed
        if not isinstance(data, list):
            problems.append(Problem(CATEGORIES_FILE, _line(node), "",
                                    "categories.yaml must be a list of categories (- slug: ...)"))
        else:
            parents = {item["slug"]: item.get("parent") for item in data
                       if isinstance(item, dict) and isinstance(item.get("slug"), str)}
            directory.categories = _categories(data, node, parents, problems)

    services_dir = root / SERVICES_DIR
    if not services_dir.is_dir():
        problems.append(Problem(SERVICES_DIR, None, "", "the services directory is missing"))
        files: list[Path] = []
    else:
        files = sorted(p for p in services_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
    for file in files:
        name = f"{SERVICES_DIR}/{file.name}"
        if file.suffix == ".yml":
            problems.append(Problem(name, None, "", "rename the file to end in .yaml"))
            continue
        parsed = _parse(file, name, problems)
        if parsed is None:
            continue
        data, node = parsed
        if not isinstance(data, dict):
            problems.append(Problem(name, _line(node), "", "a service file is a mapping of fields "
                                    "(slug: ..., name: ...); see content/FORMAT.md"))
            continue
        context = {"stem": file.stem, "categories": None if parents is None else set(parents)}
        try:
            directory.services.append(ServiceFile.model_validate(data, context=context))
        except ValidationError as exc:
            problems.extend(_problems(name, node, exc.errors()))

    if problems:
        raise ContentError(_sorted_unique(problems))
    directory.services.sort(key=lambda s: s.slug)
    return directory


def _categories(data: list[Any], node: Node | None, parents: dict[str, str | None],
                problems: list[Problem]) -> list[CategoryFile]:
    result: list[CategoryFile] = []
    seen: set[str] = set()
    for index, item in enumerate(data):
        slug = item.get("slug") if isinstance(item, dict) else None
        if isinstance(slug, str):
            if slug in seen:
                problems.append(_problem(CATEGORIES_FILE, node, (index, "slug"),
                                         f"the slug {slug!r} is used by another category already"))
            seen.add(slug)
        try:
            result.append(CategoryFile.model_validate(item, context={"categories": parents}))
        except ValidationError as exc:
            problems.extend(_problems(CATEGORIES_FILE, node, exc.errors(), prefix=(index,)))
    return result


# --- YAML with nodes ---------------------------------------------------------------------------------------
def _parse(path: Path, name: str, problems: list[Problem]) -> tuple[Any, Node | None] | None:
    """The document and its node tree, or None (with a problem recorded) when it cannot be read."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        problems.append(Problem(name, None, "", "file not found"))
        return None
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
        return None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = " ".join(part for part in (exc.context, exc.problem) if part)
        problems.append(Problem(name, mark.line + 1 if mark else None, "", f"YAML syntax error: {what}"))
        return None
    except yaml.YAMLError as exc:
        problems.append(Problem(name, None, "", f"YAML error: {exc}"))
        return None
    finally:
        loader.dispose()
    if data is None:
        problems.append(Problem(name, 1, "", "the file is empty"))
        return None
    problems.extend(_duplicate_keys(name, node))
    return data, node


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when available: ten times faster


def _duplicate_keys(name: str, node: Node | None, path: str = "") -> Iterable[Problem]:
    if isinstance(node, MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, ScalarNode):
                dotted = f"{path}.{key.value}" if path else key.value
                if key.value in seen:
                    yield Problem(name, key.start_mark.line + 1, dotted,
                                  "the key is given twice (YAML would silently keep the last one)")
                seen.add(key.value)
                yield from _duplicate_keys(name, value, dotted)
    elif isinstance(node, SequenceNode):
        for index, item in enumerate(node.value):
            yield from _duplicate_keys(name, item, f"{path}[{index}]")


def _line(node: Node | None) -> int | None:
    return node.start_mark.line + 1 if node is not None else None


def _locate(node: Node | None, loc: Loc) -> tuple[int | None, str]:
    """Line and dotted field path of a pydantic error `loc` (the nearest existing node's line)."""
    line = _line(node)
    path = ""
    current = node
    key_node: Node | None = None
    for position, part in enumerate(loc):
        if part == "[key]":
            if key_node is not None:
                line = _line(key_node)
            continue
        found: tuple[Node, Node] | None = None
        if isinstance(current, MappingNode):
            found = next(((k, v) for k, v in current.value
                          if isinstance(k, ScalarNode) and k.value == str(part)), None)
        elif isinstance(current, SequenceNode) and isinstance(part, int) and 0 <= part < len(current.value):
            item = current.value[part]
            found = (item, item)
        if found is not None:
            key_node, current = found
            line = _line(key_node)
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
            continue
        last = position == len(loc) - 1
        if isinstance(part, str) and last and _IDENTIFIER.fullmatch(part) and part not in _TYPE_TAGS:
            path += f".{part}" if path else part  # a missing field
        elif isinstance(part, int):
            path += f"[{part}]"
        current = None if isinstance(part, int) else current  # a union tag: skip it
    return line, path


def _message(error: Any) -> str:
    kind, value, loc = error["type"], error.get("input"), error["loc"]
    if kind == "extra_forbidden":
        name = str(loc[-1]) if loc else ""
        close = difflib.get_close_matches(name, _FIELD_NAMES, n=1)
        return f"unknown field{f' (did you mean {close[0]}?)' if close else ''}"
    if kind == "missing":
        return "required field is missing"
    message = str(error["msg"])
    message = message.removeprefix("Value error, ")
    if kind in ("string_type", "literal_error") and isinstance(value, bool):
        return f"{message}: put the value in quotes (YAML reads unquoted yes/no/on/off as true/false)"
    if kind == "string_type" and isinstance(value, int | float):
        return f'{message}: put the value in quotes, e.g. "{value}"'
    return message


def _problem(name: str, node: Node | None, loc: Loc, message: str) -> Problem:
    line, path = _locate(node, loc)
    return Problem(name, line, path, message)


def _problems(name: str, node: Node | None, errors: Iterable[Any], prefix: Loc = ()) -> list[Problem]:
    return [_problem(name, node, (*prefix, *error["loc"]), _message(error)) for error in errors]


def _sorted_unique(problems: list[Problem]) -> list[Problem]:
    unique = list(dict.fromkeys(problems))
    return sorted(unique, key=lambda p: (p.file != CATEGORIES_FILE, p.file, p.line or 0))
