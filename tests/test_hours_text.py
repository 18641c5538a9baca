"""Opening hours in words: structure, not wording (the catalogs may not translate these msgids yet)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.extract import extract_from_file

from bot.hours import BERLIN, DayKind, DayPlan, HolidayCalendar, OpeningHours, Slot, status_at, week_plan
from bot.hours_text import day_line, pick_reason, status_line, week_lines
from bot.i18n import FSI, PDI, translator
from bot.languages import LANGUAGES

D = dt.date
NI = HolidayCalendar("NI")
HOURS = OpeningHours.model_validate({
    "weekly": {"mon": [["09:00", "12:00"], ["14:00", "16:00"]], "tue": [["09:00", "12:00"]], "wed": "all_day",
               "thu": "appointment", "fri": [["20:00", "02:00"]]},
    "exceptions": [
        {"date": D(2026, 12, 24), "closed": True, "reason": {"de": "Heiligabend", "en": "Christmas Eve"}},
        {"from": D(2026, 12, 28), "to": D(2026, 12, 31), "closed": True},
        {"date": D(2026, 12, 23), "slots": [["10:00", "12:00"]]},
        {"date": D(2026, 11, 30), "closed": True},
    ],
})
CLOSED_FOR_WORKS = OpeningHours.model_validate({
    "weekly": {"mon": "all_day"},
    "temporarily_closed": {"until": D(2027, 1, 15), "reason": {"de": "Umbau"}},
})


def at(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=BERLIN)


def line(lang: str, now: dt.datetime, hours: OpeningHours = HOURS) -> str:
    text = status_line(status_at(hours, now, NI), translator(lang), now)
    assert "{" not in text and "}" not in text
    return text


@pytest.mark.parametrize("lang", ["de", "en", "ar"])
def test_open_now_names_the_closing_time(lang: str) -> None:
    tr = translator(lang)
    now = at(2026, 11, 23, 10)  # monday, open until 12:00
    status = status_at(HOURS, now, NI)
    assert status.closes_at is not None
    text = line(lang, now)
    assert tr.time(status.closes_at) in text
    if tr.rtl:
        assert f"{FSI}{tr.time(status.closes_at)}{PDI}" in text
    else:
        assert FSI not in text


def test_past_midnight_closing_time() -> None:
    tr = translator("de")
    assert tr.time(dt.time(2)) in line("de", at(2026, 11, 28, 0, 30))  # friday's slot into saturday


@pytest.mark.parametrize("lang", ["de", "en", "ar"])
def test_opens_today_tomorrow_weekday_or_date(lang: str) -> None:
    tr = translator(lang)
    later_today = line(lang, at(2026, 11, 23, 13))  # monday lunch break
    tomorrow = line(lang, at(2026, 11, 23, 17))  # tuesday 09:00
    weekday = line(lang, at(2026, 11, 28, 10))  # saturday; monday 30th is closed, so tuesday 09:00
    assert tr.time(dt.time(14)) in later_today
    assert tr.time(dt.time(9)) in tomorrow and tr.time(dt.time(9)) in weekday
    assert tr.weekday(D(2026, 12, 1)) in weekday and tr.weekday(D(2026, 12, 1)) not in tomorrow
    assert len({later_today, tomorrow.replace(tr.time(dt.time(9)), tr.time(dt.time(14)))}) == 2
    if tr.rtl:
        assert f"{FSI}{tr.time(dt.time(14))}{PDI}" in later_today


def test_opens_on_a_date_more_than_six_days_ahead() -> None:
    special = {"date": D(2026, 12, 10), "slots": [["10:00", "12:00"]]}
    hours = OpeningHours.model_validate({"exceptions": [special]})
    tr = translator("en")
    text = line("en", at(2026, 12, 1, 10), hours)
    assert tr.short_date(D(2026, 12, 10)) in text and tr.time(dt.time(10)) in text


@pytest.mark.parametrize("lang", ["de", "en", "ar"])
def test_closed_for_a_reason(lang: str) -> None:
    holiday = line(lang, at(2026, 12, 25, 10))
    assert "Erster Weihnachtstag" in holiday
    eve = line(lang, at(2026, 12, 24, 10))
    assert ("Christmas Eve" if lang == "en" else "Heiligabend") in eve
    if lang == "ar":
        assert f"{FSI}Erster Weihnachtstag{PDI}" in holiday and f"{FSI}Heiligabend{PDI}" in eve


@pytest.mark.parametrize("lang", ["de", "en", "ar"])
def test_temporarily_closed(lang: str) -> None:
    tr = translator(lang)
    text = line(lang, at(2026, 12, 1, 10), CLOSED_FOR_WORKS)
    assert tr.date(D(2027, 1, 14), "medium") in text and "Umbau" in text  # the last closed day
    no_reason = CLOSED_FOR_WORKS.model_copy(update={"temporarily_closed": None})
    assert line(lang, at(2026, 12, 1, 10), no_reason) != text
    forever = OpeningHours.model_validate({"temporarily_closed": {"until": None}})
    forever_with_reason = OpeningHours.model_validate({"temporarily_closed": {"reason": {"de": "Umbau"}}})
    assert "Umbau" in line(lang, at(2026, 12, 1, 10), forever_with_reason)
    assert line(lang, at(2026, 12, 1, 10), forever) not in (text, "")
    dated_only = OpeningHours.model_validate({"temporarily_closed": {"until": D(2027, 1, 15)}})
    assert tr.date(D(2027, 1, 14), "medium") in line(lang, at(2026, 12, 1, 10), dated_only)


def test_open_24_hours_appointment_and_closed_lines_differ() -> None:
    tr = translator("en")
    always = OpeningHours.model_validate({"weekly": {"wed": "all_day", "thu": "all_day"}})
    lines = {
        line("en", at(2026, 11, 25, 10), always),  # open 24 hours
        line("en", at(2026, 11, 26, 10)),  # by appointment
        line("en", at(2026, 11, 25, 10), OpeningHours()),  # closed, never opens
    }
    assert len(lines) == 3
    assert tr.time(dt.time(0)) in line("en", at(2026, 11, 25, 10))  # all day, closes at midnight


def test_pick_reason_falls_back_to_german() -> None:
    reason = {"de": "Umbau", "en": "Renovation"}
    assert pick_reason(reason, "en") == "Renovation"
    assert pick_reason(reason, "ar") == "Umbau"
    assert pick_reason({"en": "Renovation"}, "ar") == "Renovation"
    assert pick_reason("Erster Weihnachtstag", "ar") == "Erster Weihnachtstag"
    assert pick_reason(None, "de") is None


@pytest.mark.parametrize("lang", ["de", "en", "ar"])
def test_day_lines(lang: str) -> None:
    tr = translator(lang)
    day = D(2026, 12, 21)
    slots = (Slot(dt.time(9), dt.time(12)), Slot(dt.time(14), dt.time(16)))
    open_line = day_line(DayPlan(day, DayKind.OPEN, slots), tr)
    for t in (9, 12, 14, 16):
        assert tr.time(dt.time(t)) in open_line
    assert open_line.count(FSI) == (2 if tr.rtl else 0)
    special = day_line(DayPlan(day, DayKind.SPECIAL, slots[:1]), tr)
    assert tr.time(dt.time(9)) in special and special != day_line(DayPlan(day, DayKind.OPEN, slots[:1]), tr)
    holiday = day_line(DayPlan(day, DayKind.HOLIDAY, holiday="Reformationstag"), tr)
    assert "Reformationstag" in holiday
    closed = day_line(DayPlan(day, DayKind.EXCEPTION_CLOSED, reason={"de": "Betriebsferien"}), tr)
    assert "Betriebsferien" in closed
    kinds = [DayKind.ALL_DAY, DayKind.APPOINTMENT, DayKind.CLOSED, DayKind.TEMPORARILY_CLOSED]
    texts = [day_line(DayPlan(day, kind), tr) for kind in kinds]
    assert len(set(texts)) == len(texts)
    for text in [*texts, open_line, special, holiday, closed]:
        assert text and "{" not in text and "}" not in text


@pytest.mark.parametrize("lang", ["de", "en", "ar"])
def test_week_lines(lang: str) -> None:
    tr = translator(lang)
    start, today = D(2026, 12, 21), D(2026, 12, 23)
    plans = week_plan(HOURS, start, NI)
    lines = week_lines(plans, tr, today)
    assert len(lines) == 7
    for plan, text in zip(plans, lines, strict=True):
        weekday = format_date(plan.day, "EEE", locale=tr.locale)
        assert text.startswith(weekday) and day_line(plan, tr) in text
        assert (text != f"{weekday} {day_line(plan, tr)}") == (plan.day == today)
        assert "{" not in text


def test_every_language_formats_without_leftover_placeholders() -> None:
    moments = [at(2026, 11, 23, 10), at(2026, 11, 23, 13), at(2026, 11, 24, 13), at(2026, 11, 25, 10),
               at(2026, 11, 26, 10), at(2026, 12, 24, 10), at(2026, 12, 25, 10), at(2026, 12, 29, 10)]
    for lang in LANGUAGES:
        for now in moments:
            assert line(lang, now)
        line(lang, at(2026, 12, 1, 10), CLOSED_FOR_WORKS)
        assert all("{" not in text for text in week_lines(week_plan(HOURS, D(2026, 12, 21), NI),
                                                           translator(lang), D(2026, 12, 21)))


def test_msgids_are_extractable() -> None:
    path = Path(__file__).resolve().parent.parent / "bot" / "hours_text.py"
    keywords = {"gettext": None, "pgettext": ((1, "c"), 2)}
    found = {m[1] if isinstance(m[1], str) else m[1][0]
             for m in extract_from_file("python", str(path), keywords=keywords)}
    for msgid in ("Open now · closes {time}", "Open now · open 24 hours", "Closed · opens {time}",
                  "Closed · opens tomorrow {time}", "Closed · opens {weekday} {time}",
                  "Closed · opens {date} {time}", "By appointment", "Closed today (public holiday: {name})",
                  "Closed today ({reason})", "Temporarily closed until {date} ({reason})",
                  "Temporarily closed ({reason})", "Temporarily closed until further notice", "Closed",
                  "Open 24 hours", "Closed (public holiday: {name})", "Closed ({reason})",
                  "{slots} (special hours)"):
        assert msgid in found
