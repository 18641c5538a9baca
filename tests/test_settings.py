"""Settings: every invalid value stops the start with one line naming the variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.settings import SettingsError, async_database_url, load_settings


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"TIMEZONE": "Mars/Base"}, "TIMEZONE"),
        ({"ADMIN_IDS": "12,abc"}, "ADMIN_IDS"),
        ({"DEFAULT_LANGUAGE": "xx"}, "DEFAULT_LANGUAGE"),
        ({"TELEGRAM_BOT_TOKEN": "not-a-token"}, "TELEGRAM_BOT_TOKEN"),
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"WEBHOOK_PORT": "99999"}, "WEBHOOK_PORT"),
        ({"HOLIDAY_STATE": "XX"}, "HOLIDAY_STATE"),
        ({"WEBHOOK_URL": "https://bot.example/hook"}, "WEBHOOK_SECRET"),
    ],
)
def test_invalid_value_names_the_variable(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], name: str
) -> None:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    assert str(info.value).startswith(name)
    assert "\n" not in str(info.value)


def test_defaults_and_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADMIN_IDS", " 11, 22 ")
    settings = load_settings(_env_file=None)
    assert settings.admin_ids == [11, 22]
    assert settings.timezone == "Europe/Berlin" and settings.default_language == "de"
    assert settings.database_url.startswith("sqlite+aiosqlite:///")
    assert settings.telegram_api_url == "https://api.telegram.org/bot"
    assert async_database_url("postgresql://u@h/db") == "postgresql+asyncpg://u@h/db"


def test_cli_prints_one_line_not_a_traceback(tmp_path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={"TIMEZONE": "Nowhere/Town", "PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "integrationsbot: configuration error: "
        "TIMEZONE: unknown time zone 'Nowhere/Town' (e.g. Europe/Berlin)"
    ]
