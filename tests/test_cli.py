"""The `wgbot` command: settings errors, `ask` without Slack, `import`, URL forms."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import ConfigError, IsolatedSettings
from bot.store import normalize_url
from tests.conftest import CATALOG


@pytest.fixture
def env(db_url, tmp_path, monkeypatch):
    for name in ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("DATABASE_URL", db_url)
    return {"DATABASE_URL": db_url}


def test_ask_prints_the_slack_answer_without_credentials(env):
    result = CliRunner().invoke(main, ["ask", "/talks platform-day"])
    assert result.exit_code == 0, result.output
    assert "14 talks for Platform Engineering Day" in result.output
    assert "Sometimes, Lipstick" in result.output  # all 14 in one answer
    assert "[Details of a talk…]" in result.output
    assert "[Share in channel]" in result.output and "[More]" not in result.output
    result = CliRunner().invoke(main, ["ask", "speakers whitney lee"])
    assert "\nWhitney Lee\n" in result.output and "· for VMware ·" in result.output


def test_ask_refuses_unknown_commands(env):
    result = CliRunner().invoke(main, ["ask", "/coffee now"])
    assert result.exit_code != 0
    assert "I know /talks, /speakers" in result.output


def test_run_without_tokens_names_what_is_missing(env):
    result = CliRunner().invoke(main, ["run"])
    assert result.exit_code != 0
    assert "SLACK_BOT_TOKEN" in result.output and "SLACK_APP_TOKEN" in result.output
    assert "OAuth & Permissions" in result.output and "connections:write" in result.output
    assert "Traceback" not in result.output


def test_settings_reject_wrong_token_kinds():
    with pytest.raises(ConfigError, match="should start with 'xoxb-'"):
        IsolatedSettings(SLACK_BOT_TOKEN="xapp-1", SLACK_APP_TOKEN="xapp-1").require(
            "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN"
        )


def test_import_reports_and_bad_file_changes_nothing(env, tmp_path):
    runner = CliRunner()
    first = runner.invoke(main, ["import", str(CATALOG)])
    assert first.exit_code == 0, first.output
    assert "27 added, 0 changed, 0 removed" in first.output
    again = runner.invoke(main, ["import", str(CATALOG)])
    assert "0 added, 0 changed, 0 removed, 27 unchanged" in again.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("conference: [unclosed\n")
    result = runner.invoke(main, ["import", str(bad)])
    assert result.exit_code != 0
    assert "bad.yaml" in result.output and "line" in result.output
    assert "Nothing was changed." in result.output


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgres://u:p@db:5432/x", "postgresql+psycopg://u:p@db:5432/x"),
        ("postgresql://u@db/x", "postgresql+psycopg://u@db/x"),
        ("sqlite:///var/wgbot.db", "sqlite:///var/wgbot.db"),
    ],
)
def test_database_url_forms(given, expected):
    assert normalize_url(given) == expected
