"""Content files (content/FORMAT.md): validation with file:line, import, translation states, export."""

from __future__ import annotations

import argparse
import csv
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.hours import OpeningHours
from content import cli
from content.loader import ContentError, Directory, Problem, load_directory
from content.schema import LANGS, ServiceFile
from content.sync import (
    export_csv,
    export_directory,
    import_directory,
    source_hash,
    translation_state,
)
from storage.db import session_factory
from storage.models import Category, Contact, Service, ServiceCategory, Text

SAMPLE = Path(__file__).resolve().parents[1] / "content" / "sample"

MINIMAL = """\
slug: {slug}
categories: [{category}]
provider: Testverein
name: {{de: Testdienst, en: Test service}}
description:
  de: Ein Dienst zum Testen.
  en: A service for testing.
free: true
appointment: "no"
address: {{street: Teststraße 1, postcode: "38540", city: Auenbrück}}
languages_spoken: [de]
wheelchair_accessible: false
keywords: {{de: [Test]}}
hours:
  weekly:
    mon: [["09:00", "12:00"]]
"""


def load_yaml(path: Path) -> Any:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def sample() -> Directory:
    return load_directory(SAMPLE)


def sample_files(root: Path = SAMPLE) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*.yaml"))


def first_category() -> str:
    return str(load_yaml(SAMPLE / "categories.yaml")[0]["slug"])


def service_text(slug: str, **replace: str) -> str:
    text = MINIMAL.format(slug=slug, category=first_category())
    for old, new in replace.items():
        assert old in text
        text = text.replace(old, new)
    return text


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(number for number, line in enumerate(lines, 1) if needle in line)


def command(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_subparser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["content", *argv])


async def import_dir(engine: AsyncEngine, directory: Directory, *, prune: bool = False) -> Any:
    async with session_factory(engine)() as session, session.begin():
        return await import_directory(session, directory, prune=prune)


async def db_state(engine: AsyncEngine) -> list[Any]:
    """Everything the import writes, comparable."""
    async with session_factory(engine)() as session:
        state: list[Any] = []
        for model, order in ((Category, Category.slug), (Service, Service.slug), (Contact, Contact.id),
                             (ServiceCategory, ServiceCategory.service_id), (Text, Text.id)):
            rows = await session.scalars(select(model).order_by(order))
            state.append([{c: getattr(r, c) for c in model.__table__.columns.keys()} for r in rows])
        return state


async def texts_of(engine: AsyncEngine, slug: str, field: str) -> dict[str, Text]:
    async with session_factory(engine)() as session:
        service_id = await session.scalar(select(Service.id).where(Service.slug == slug))
        rows = await session.scalars(select(Text).where(
            Text.owner_type == "service", Text.owner_id == service_id, Text.field == field))
        return {row.lang: row for row in rows}


# --- validation ------------------------------------------------------------------------------------------
def test_sample_directory_validates() -> None:
    directory = sample()
    assert directory.categories and directory.services
    assert [s.slug for s in directory.services] == sorted(s.slug for s in directory.services)


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """The sample categories with two of the sample services: quicker where the whole set adds nothing."""
    root = tmp_path / "small"
    (root / "services").mkdir(parents=True)
    shutil.copy(SAMPLE / "categories.yaml", root)
    for name in sample_files()[1:3]:
        shutil.copy(SAMPLE / name, root / name)
    return root


@pytest.fixture
def broken(tmp_path: Path) -> Path:
    """The sample directory plus one broken file per kind of mistake, and a too deep category."""
    root = tmp_path / "broken"
    shutil.copytree(SAMPLE, root)
    services = root / "services"
    (services / "typo.yaml").write_text(service_text(
        "typo", **{"wheelchair_accessible:": "wheelchair_accesible:"}), encoding="utf-8")
    (services / "overlap.yaml").write_text(service_text(
        "overlap", **{'mon: [["09:00", "12:00"]]': 'mon: [["09:00", "12:00"], ["11:00", "13:00"]]'}),
        encoding="utf-8")
    (services / "no-category.yaml").write_text(service_text(
        "no-category", **{f"categories: [{first_category()}]": "categories: [nowhere]"}), encoding="utf-8")
    (services / "syntax.yaml").write_text(service_text(
        "syntax", **{"free: true": "free: true\n  appointment: [oops"}), encoding="utf-8")
    (services / "no-german.yaml").write_text(service_text(
        "no-german", **{"{de: Testdienst, en: Test service}": "{en: Test service}"}), encoding="utf-8")
    (services / "quotes.yaml").write_text(service_text(
        "wrong-slug", **{'appointment: "no"': "appointment: no", '"38540"': "38540"}), encoding="utf-8")
    with (root / "categories.yaml").open("a", encoding="utf-8") as f:
        f.write("- {slug: zz-top, order: 1, name: {de: Oben}}\n"
                "- {slug: zz-middle, order: 2, parent: zz-top, name: {de: Mitte}}\n"
                "- {slug: zz-bottom, order: 3, parent: zz-middle, name: {de: Unten}}\n")
    return root


def test_broken_directory_lists_every_problem_with_file_line_and_field(broken: Path) -> None:
    with pytest.raises(ContentError) as info:
        load_directory(broken)
    problems = info.value.problems
    found = [str(p) for p in problems]

    def expect(file: str, needle: str, field: str, message: str) -> None:
        line = line_of(broken / file, needle)
        prefix = f"{file}:{line}: {field}: " if field else f"{file}:{line}: "
        assert any(p.startswith(prefix) and message in p for p in found), (prefix, message, found)

    bottom = next(p for p in problems if p.file == "categories.yaml")
    assert bottom.line == line_of(broken / "categories.yaml", "slug: zz-bottom")
    assert bottom.field.endswith("].parent") and "only one level" in bottom.message

    expect("services/typo.yaml", "wheelchair_accesible", "wheelchair_accesible",
           "unknown field (did you mean wheelchair_accessible?)")
    expect("services/typo.yaml", "slug: typo", "wheelchair_accessible", "required field is missing")
    expect("services/overlap.yaml", "mon:", "hours.weekly.mon", "09:00–12:00 and 11:00–13:00 overlap")
    expect("services/no-category.yaml", "categories:", "categories[0]", "unknown category 'nowhere'")
    expect("services/syntax.yaml", "appointment: [oops", "", "YAML syntax error")
    expect("services/no-german.yaml", "name:", "name", "German text (de) is missing")
    expect("services/quotes.yaml", "slug:", "slug", "must equal the file name")
    expect("services/quotes.yaml", "appointment:", "appointment", 'put the value in quotes: "no"')
    expect("services/quotes.yaml", "address:", "address.postcode", 'put the value in quotes, e.g. "38540"')
    broken_files = ("typo", "overlap", "no-category", "syntax", "no-german", "quotes")
    assert {p.file for p in problems} == {"categories.yaml"} | {f"services/{n}.yaml" for n in broken_files}


def test_problem_str() -> None:
    problem = Problem("services/bike-workshop.yaml", 17, "hours.weekly.mon", "slots overlap")
    assert str(problem) == "services/bike-workshop.yaml:17: hours.weekly.mon: slots overlap"
    syntax = Problem("categories.yaml", 3, "", "YAML syntax error")
    assert str(syntax) == "categories.yaml:3: YAML syntax error"


def test_translated_text_rules() -> None:
    base = yaml.safe_load(service_text("x"))
    context = {"stem": "x", "categories": {first_category()}}
    ServiceFile.model_validate(base, context=context)
    for name, bad in (("name", {"de": "x" * 81}), ("name", {"de": "Test", "pl": "Test"}),
                      ("keywords", {"en": ["bike"]}), ("email", "no-at-sign"), ("website", "www.example.org"),
                      ("location", {"lat": 91, "lon": 10}), ("appointment", True)):
        with pytest.raises(ValueError):
            ServiceFile.model_validate({**base, name: bad}, context=context)
    with pytest.raises(ValueError, match="free is true but a fee"):
        ServiceFile.model_validate({**base, "fee": {"de": "5 €"}}, context=context)


# --- import ----------------------------------------------------------------------------------------------
async def test_broken_import_changes_nothing(engine: AsyncEngine, small: Path, broken: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert await cli.run(command("import", str(small)), engine) == 0
    before = await db_state(engine)
    assert await cli.run(command("import", str(broken)), engine) == 1
    out = capsys.readouterr().out
    assert "services/overlap.yaml:" in out and "hours.weekly.mon" in out
    assert await db_state(engine) == before


async def test_import_is_one_transaction(engine: AsyncEngine, small: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    before = await db_state(engine)

    async def fails_late(session: Any, directory: Directory, *, prune: bool = False) -> Any:
        await import_directory(session, directory, prune=prune)
        raise RuntimeError("disk full")

    monkeypatch.setattr(cli, "import_directory", fails_late)
    with pytest.raises(RuntimeError):
        await cli.run(command("import", str(small)), engine)
    assert await db_state(engine) == before


async def test_import_twice_is_unchanged(engine: AsyncEngine, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = shutil.copytree(SAMPLE, tmp_path / "sample")  # a snapshot: others may be adding samples
    directory = load_directory(root)
    total = len(directory.categories) + len(directory.services)
    first = await import_dir(engine, directory)
    assert (first.created, first.updated, first.unchanged, first.deleted) == (total, 0, 0, 0)
    assert await cli.run(command("import", str(root)), engine) == 0
    assert capsys.readouterr().out.strip() == f"created 0, updated 0, unchanged {total}"
    async with session_factory(engine)() as session:
        assert await session.scalar(select(func.count()).select_from(Service)) == len(directory.services)
        texts = list(await session.scalars(select(Text)))
    assert {t.source_hash for t in texts if t.lang == "de"} <= {source_hash(t.text) for t in texts}
    assert all(len(t.source_hash) == 16 for t in texts)


async def test_changed_german_makes_translations_outdated(engine: AsyncEngine, small: Path) -> None:
    directory = load_directory(small)
    service = directory.services[0]
    await import_dir(engine, directory)

    def with_description(**changes: str) -> Directory:
        changed = service.model_copy(update={"description": {**service.description, **changes}})
        return Directory(directory.categories, [changed, *directory.services[1:]])

    report = await import_dir(engine, with_description(de="Ganz neuer deutscher Text."))
    assert report.updated == 1 and report.unchanged == len(directory.categories) + len(directory.services) - 1
    rows = await texts_of(engine, service.slug, "description")
    german = source_hash("Ganz neuer deutscher Text.")
    assert rows["de"].source_hash == german
    assert translation_state(rows["de"], german) == "up_to_date"
    assert {translation_state(rows[lang], german) for lang in rows if lang != "de"} == {"outdated"}

    await import_dir(engine, with_description(de="Ganz neuer deutscher Text.", en="A brand new text."))
    rows = await texts_of(engine, service.slug, "description")
    assert translation_state(rows["en"], german) == "up_to_date"
    others = {lang for lang in rows if lang not in ("de", "en")}
    assert others and {translation_state(rows[lang], german) for lang in others} == {"outdated"}

    # the same files again: nothing changes, outdated stays outdated
    again = await import_dir(engine, with_description(de="Ganz neuer deutscher Text.",
                                                      en="A brand new text."))
    assert again.updated == 0
    without = {k: v for k, v in service.description.items() if k not in ("fr",)}
    changed = service.model_copy(update={"description": {**without, "de": "Ganz neuer deutscher Text."}})
    await import_dir(engine, Directory(directory.categories, [changed, *directory.services[1:]]))
    rows = await texts_of(engine, service.slug, "description")
    assert translation_state(rows.get("fr"), german) == "missing"


CONTACTS = """\
contacts:
  - name: Erika Muster
    role: {de: Beraterin, en: Advisor}
    phone: "+49 5371 1234"
    hours: {weekly: {tue: [["09:00", "12:00"]]}}
  - name: Max Muster
    role: {de: Berater, en: Advisor}
"""


async def orphan_texts(engine: AsyncEngine) -> int:
    """Text rows whose category, service or contact does not exist."""
    async with session_factory(engine)() as session:
        owners = {"category": set(await session.scalars(select(Category.id))),
                  "service": set(await session.scalars(select(Service.id))),
                  "contact": set(await session.scalars(select(Contact.id)))}
        texts = await session.scalars(select(Text))
        return sum(1 for t in texts if t.owner_id not in owners[t.owner_type])


async def test_prune(engine: AsyncEngine, tmp_path: Path, small: Path) -> None:
    root = tmp_path / "more"
    shutil.copytree(small, root)
    with (root / "categories.yaml").open("a", encoding="utf-8") as f:
        f.write("- {slug: zz-extra, order: 999, name: {de: Extra, en: Extra}}\n")
    (root / "services" / "zz-extra.yaml").write_text(
        service_text("zz-extra", **{f"categories: [{first_category()}]": "categories: [zz-extra]"})
        + CONTACTS,
        encoding="utf-8")
    await import_dir(engine, load_directory(root))
    files = load_directory(small)

    kept = await import_dir(engine, files)
    assert kept.deleted == 0
    assert set(kept.not_in_files) == {("category", "zz-extra"), ("service", "zz-extra")}
    async with session_factory(engine)() as session:
        assert await session.scalar(select(Service.id).where(Service.slug == "zz-extra")) is not None

    pruned = await import_dir(engine, files, prune=True)
    assert pruned.deleted == 2 and pruned.summary(prune=True).endswith("deleted 2")
    async with session_factory(engine)() as session:
        assert await session.scalar(select(Service).where(Service.slug == "zz-extra")) is None
        assert await session.scalar(select(Category).where(Category.slug == "zz-extra")) is None
    assert await orphan_texts(engine) == 0
    assert (await import_dir(engine, files, prune=True)).deleted == 0


async def test_contacts_follow_the_file(engine: AsyncEngine, small: Path) -> None:
    root = small
    target = root / "services" / "zz-contacts.yaml"
    target.write_text(service_text("zz-contacts") + CONTACTS, encoding="utf-8")
    await import_dir(engine, load_directory(root))

    # Max goes, Erika's English role changes, Nora is new
    target.write_text(service_text("zz-contacts") + CONTACTS.replace(
        "Max Muster", "Nora Neu").replace("{de: Beraterin, en: Advisor}", "{de: Beraterin, en: Counsellor}"),
        encoding="utf-8")
    report = await import_dir(engine, load_directory(root))
    assert [c for c in report.changes if c[0] != "unchanged"] == [("updated", "service", "zz-contacts")]
    async with session_factory(engine)() as session:
        service_id = await session.scalar(select(Service.id).where(Service.slug == "zz-contacts"))
        contacts = list(await session.scalars(
            select(Contact).where(Contact.service_id == service_id).order_by(Contact.position)))
        assert [c.name for c in contacts] == ["Erika Muster", "Nora Neu"]
        assert contacts[0].hours == {"weekly": {"tue": [["09:00", "12:00"]]}}
        roles = {(t.owner_id, t.lang): t.text for t in await session.scalars(
            select(Text).where(Text.owner_type == "contact", Text.field == "role"))
            if t.owner_id in {c.id for c in contacts}}
    assert roles == {(contacts[0].id, "de"): "Beraterin", (contacts[0].id, "en"): "Counsellor",
                     (contacts[1].id, "de"): "Berater", (contacts[1].id, "en"): "Advisor"}
    target.write_text(service_text("zz-contacts"), encoding="utf-8")
    await import_dir(engine, load_directory(root))
    assert await orphan_texts(engine) == 0


# --- export ----------------------------------------------------------------------------------------------
def _normalized(document: Any) -> Any:
    """What is the same in meaning: null = absent, hours through the model, categories as a set."""
    if isinstance(document, list):
        return [_normalized(item) for item in document]
    out = {k: v for k, v in document.items() if v is not None}
    for key in ("hours",):
        if key in out:
            out[key] = OpeningHours.model_validate(out[key]).to_yaml_dict()
    if "contacts" in out:
        out["contacts"] = [_normalized(contact) for contact in out["contacts"]]
    if isinstance(out.get("categories"), list):
        out["categories"] = sorted(out["categories"])
    return out


async def test_export_round_trip(engine: AsyncEngine, tmp_path: Path) -> None:
    root = shutil.copytree(SAMPLE, tmp_path / "sample")  # a snapshot: others may be adding samples
    await import_dir(engine, load_directory(root))
    out = tmp_path / "export"
    async with session_factory(engine)() as session:
        written = await export_directory(session, out)
    names = sorted(str(p.relative_to(out)) for p in written)
    assert names == sample_files(root)
    for name in names:
        exported, original = load_yaml(out / name), load_yaml(root / name)
        assert _normalized(exported) == _normalized(original), name
    text = (out / "services" / written[-1].name).read_text(encoding="utf-8")
    assert "\\u" not in text and "\\U" not in text  # readable UTF-8, not escapes
    again = await import_dir(engine, load_directory(out))
    assert again.created == again.updated == 0


async def test_csv_export(engine: AsyncEngine, tmp_path: Path) -> None:
    directory = sample()
    await import_dir(engine, directory)
    target = tmp_path / "services.csv"
    async with session_factory(engine)() as session:
        assert await export_csv(session, target) == len(directory.services)
        stream = io.StringIO()
        await export_csv(session, stream)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    assert stream.getvalue() == raw.decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["slug", "name_de", "categories"]
    assert {f"name_{lang}" for lang in LANGS[1:]} <= set(header)
    assert [row[0] for row in body] == [s.slug for s in directory.services]
    first = directory.services[0]
    row = dict(zip(header, body[0], strict=True))
    assert row["name_de"] == first.name["de"]
    for lang in LANGS[1:]:
        assert row[f"name_{lang}"] == ("up_to_date" if lang in first.name else "missing")


async def test_cli_validate_and_export(engine: AsyncEngine, tmp_path: Path, small: Path, broken: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert await cli.run(command("validate", str(SAMPLE)), None) == 0
    assert "no problems" in capsys.readouterr().out
    assert await cli.run(command("validate", str(broken)), None) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 10 and all(line.split(":", 2)[1].isdigit() for line in lines)
    assert await cli.run(command("import", str(small), "--prune"), engine) == 0
    assert capsys.readouterr().out.strip().endswith("deleted 0")
    assert await cli.run(command("export", str(tmp_path / "out")), engine) == 0
    assert (tmp_path / "out" / "categories.yaml").is_file()
    assert await cli.run(command("export", "--format", "csv", str(tmp_path / "s.csv")), engine) == 0
    assert (tmp_path / "s.csv").is_file()
