"""Settings: the environment over `.env` over defaults, read in one place."""

from __future__ import annotations

from dataclasses import fields

import pytest

from praxis import config


def test_defaults(tmp_path):
    s = config.load(env_file=tmp_path / "none", environ={})
    assert (s.rasa_port, s.action_port, s.host) == (5005, 5055, "127.0.0.1")
    assert s.rasa_base_url == "http://127.0.0.1:5005"
    assert s.action_url == "http://127.0.0.1:5055/webhook"
    assert s.sources == [config.ROOT / "knowledge" / "sources"]
    assert s.safety_url == "http://127.0.0.1:5055/safety"
    assert s.path(s.support_services).exists()
    custom = config.load(env_file=tmp_path / "none",
                         environ={"ACTION_ENDPOINT_URL": "http://praxis-actions:5055/webhook"})
    assert custom.safety_url == "http://praxis-actions:5055/safety"


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


def test_widget_origins_default_to_the_demo_page_and_can_be_set(tmp_path):
    s = config.load(env_file=tmp_path / "none", environ={"WEB_PORT": "8100"})
    assert s.web_base_url == "http://127.0.0.1:8100"
    assert s.allowed_origins == ["http://127.0.0.1:8100", "http://localhost:8100",
                                 "http://127.0.0.1:5005"]
    s = config.load(env_file=tmp_path / "none", environ={
        "CORS_ORIGINS": "https://careers.example.ac.uk/, https://staff.example.ac.uk"})
    assert s.allowed_origins == ["https://careers.example.ac.uk", "https://staff.example.ac.uk",
                                 "http://127.0.0.1:5005"]
    assert config.load(env_file=tmp_path / "none",
                       environ={"CORS_ORIGINS": "*"}).allowed_origins == "*"


def test_the_session_key_is_the_secret_or_a_private_file_made_once(tmp_path):
    key_file = tmp_path / "var" / "session.key"
    s = config.load(env_file=tmp_path / "none", environ={})
    first = s.session_key(key_file)
    assert len(first) == 64 and key_file.stat().st_mode & 0o777 == 0o600
    assert s.session_key(key_file) == first  # kept across restarts
    secret = "from-env-" + "x" * 32
    named = config.load(env_file=tmp_path / "none", environ={"SESSION_SECRET": secret})
    assert named.session_key(key_file) == secret.encode()


def test_teams_token_url_is_the_bot_s_own_tenant_unless_set(tmp_path):
    def load(**env):
        return config.load(env_file=tmp_path / "none", environ=env)

    assert load().teams_token_endpoint == \
        "https://login.microsoftonline.com/botframework.com/oauth2/v2.0/token"
    assert load(TEAMS_TENANT_ID="t-1").teams_token_endpoint == \
        "https://login.microsoftonline.com/t-1/oauth2/v2.0/token"
    assert load(TEAMS_TOKEN_URL="http://127.0.0.1:9/token").teams_token_endpoint == \
        "http://127.0.0.1:9/token"
    assert load(TEAMS_ALLOWED_TENANTS=" a, b ,").teams_tenants == {"a", "b"}


def test_switches_read_as_booleans_and_a_bad_one_is_named(tmp_path):
    def load(**env):
        return config.load(env_file=tmp_path / "none", environ=env)

    assert load().reflection_followups is True and load().depth_estimate is True
    assert load(REFLECTION_FOLLOWUPS="false", DEPTH_ESTIMATE="0").reflection_followups is False
    with pytest.raises(config.SettingsError, match="DEPTH_ESTIMATE='maybe'"):
        load(DEPTH_ESTIMATE="maybe")
    assert load().store_url == f"sqlite:///{config.ROOT / 'var' / 'praxis.db'}"


def test_env_example_names_every_setting():
    example = (config.ROOT / ".env.example").read_text()
    named = {line.lstrip("# ").split("=")[0] for line in example.splitlines() if "=" in line}
    missing = {f.name.upper() for f in fields(config.Settings)} - named
    assert not missing, f".env.example does not mention {sorted(missing)}"
