"""Settings: the environment over `.env` over defaults, read in one place."""

from __future__ import annotations

import pytest

from praxis import config


def test_defaults(tmp_path):
    s = config.load(env_file=tmp_path / "none", environ={})
    assert (s.rasa_port, s.action_port, s.host) == (5005, 5055, "127.0.0.1")
    assert s.rasa_base_url == "http://127.0.0.1:5005"
    assert s.action_url == "http://127.0.0.1:5055/webhook"
    assert s.sources == [config.ROOT / "knowledge" / "sources"]
    assert "116 123" in s.crisis_line


def test_environment_wins_over_dotenv(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("RASA_PORT=6000\nACTION_PORT=6055\nSTAFF_SUPPORT='the staff line'\n")
    s = config.load(env_file=env_file, environ={"RASA_PORT": "7000"})
    assert s.rasa_port == 7000 and s.action_port == 6055
    assert s.staff_support == "the staff line"


def test_relative_paths_are_under_the_project_and_lists_split(tmp_path):
    s = config.load(env_file=tmp_path / "none",
                    environ={"KNOWLEDGE_SOURCES": "knowledge/sources:/data/full-report.pdf"})
    assert s.sources == [config.ROOT / "knowledge/sources", config.ROOT / "/data/full-report.pdf"]


def test_a_bad_value_names_the_setting(tmp_path):
    with pytest.raises(config.SettingsError, match="REPORT_THRESHOLD='high'"):
        config.load(env_file=tmp_path / "none", environ={"REPORT_THRESHOLD": "high"})


def test_round_trip_through_the_environment(tmp_path):
    s = config.load(env_file=tmp_path / "none", environ={"RASA_PORT": "5999"})
    again = config.load(env_file=tmp_path / "none", environ=s.to_env())
    assert again == s
