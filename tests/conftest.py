"""Shared fixtures: the real embedding model and a knowledge base built from the shipped report;
and, for the end-to-end and security tests, one real stack (action server, Rasa server, web app)
on free loopback ports, shared by every test of the session that asks for it, with its Teams
channel pointed at a local fake of Microsoft's Bot Framework services."""

from __future__ import annotations

import shutil
import socket
import uuid
from pathlib import Path
from typing import Any

import pytest

from praxis import config
from praxis.stack import Stack, model_file
from tests.e2e.botframework_fake import FakeBotFramework

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "knowledge" / "sources"


@pytest.fixture(scope="session")
def embedder():
    from knowledge.embedding import Embedder

    return Embedder()


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("index")


@pytest.fixture(scope="session")
def kb(embedder, index_dir):
    """Built afresh from the shipped report into the test index, with the answer verifier that
    `praxis index` (`make setup`) trained for the same sources beside it, so that the test stacks
    judge questions as a deployed one does."""
    from knowledge import verifier
    from knowledge.engine import KnowledgeBase

    kb = KnowledgeBase.build([SOURCES], embedder)
    kb.save(index_dir)
    trained = config.get().index_path / verifier.FOLDER
    assert verifier.is_current(kb, trained), "no answer verifier for the report: run `make setup`"
    shutil.copytree(trained, index_dir / verifier.FOLDER)
    return kb


@pytest.fixture(scope="session")
def served_kb(embedder):
    """The knowledge base as the action server loads it: the index and answer verifier that
    `praxis index` (`make setup`) built."""
    from knowledge import verifier
    from knowledge.engine import KnowledgeBase
    from praxis import config

    folder = config.get().index_path
    kb = KnowledgeBase.load(folder, embedder)
    kb.verifier = verifier.load_for(kb, folder / verifier.FOLDER)
    assert kb.verifier is not None, "no answer verifier: run `make setup`"
    return kb


@pytest.fixture
def make_tracker():
    """Build a rasa-sdk Tracker from a few facts, as the action server would receive it."""
    from rasa_sdk import Tracker

    def make(text: str = "", intent: str = "reflect", slots: dict[str, Any] | None = None,
             entities: list[dict[str, Any]] | None = None, active_loop: str | None = None,
             sender: str = "test-user") -> Tracker:
        return Tracker(
            sender_id=sender,
            slots=dict(slots or {}),
            latest_message={"text": text, "intent": {"name": intent, "confidence": 1.0},
                            "entities": entities or []},
            events=[],
            paused=False,
            followup_action=None,
            active_loop={"name": active_loop} if active_loop else {},
            latest_action_name="action_listen",
        )

    return make


@pytest.fixture
def make_pdf(tmp_path):
    """Write a one-page PDF with a heading line and a wrapped paragraph (fpdf2)."""
    import fpdf

    def make(heading: str, body: str, name: str = "full-report.pdf") -> Path:
        pdf = fpdf.FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", size=12)
        pdf.cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.multi_cell(0, 8, body)
        path = tmp_path / name
        pdf.output(str(path))
        return path

    return make


@pytest.fixture(scope="session")
def free_port():
    """A function returning a loopback port that is free now."""

    def pick() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    return pick


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (which never downloads a browser of its own)."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("Debian's chromium is missing: `make test` installs it (apt-get install "
                    "chromium)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="session")
def botframework(free_port):
    fake = FakeBotFramework(free_port(), app_id=str(uuid.uuid4()), password="test-secret",
                            tenant=str(uuid.uuid4())).start()
    yield fake
    fake.stop()


@pytest.fixture(scope="session")
def stack_settings(index_dir, tmp_path_factory, free_port):
    """Settings for a stack of a test's own: free ports, its own conversations and app store,
    the test index; ``env`` adds or overrides settings."""

    def make(**env: str) -> config.Settings:
        return config.load(environ={
            "RASA_PORT": str(free_port()), "ACTION_PORT": str(free_port()),
            "WEB_PORT": str(free_port()), "INDEX_DIR": str(index_dir),
            "TRACKER_DB": str(tmp_path_factory.mktemp("tracker") / "tracker.db"),
            "DATABASE_URL": f"sqlite:///{tmp_path_factory.mktemp('store') / 'praxis.db'}",
            # every test comes from 127.0.0.1: the per-address limits are tested on their own
            "NEW_SESSIONS_BURST": "100000", "ADDRESS_RATE_LIMIT_BURST": "1000000",
            **env})

    return make


TRAINERS = {"tess": "tess-long-password", "tom": "tom-long-password"}  # test accounts


@pytest.fixture(scope="session")
def trainers() -> dict[str, str]:
    """The stack's trainer accounts: name to password."""
    return TRAINERS


@pytest.fixture(scope="session")
def stack(kb, stack_settings, tmp_path_factory, botframework):
    from web.accounts import entry

    settings = stack_settings(**{
        "TRAINER_ACCOUNTS": " ".join(entry(n, p) for n, p in TRAINERS.items()),
        # channel tests walk fixed paths; the follow-ups have tests/e2e/test_deeper_conversations.py
        "REFLECTION_FOLLOWUPS": "false",
        "TEAMS_APP_ID": botframework.app_id, "TEAMS_APP_PASSWORD": botframework.password,
        "TEAMS_TENANT_ID": botframework.tenant,
        "TEAMS_OPENID_METADATA_URL": botframework.metadata_url,
        "TEAMS_TOKEN_URL": botframework.token_url,
        # the fake's host and port only: another loopback port is off the list
        "TEAMS_SERVICE_URL_HOSTS": f"127.0.0.1:{botframework.port}",
    })
    if not model_file(settings).exists():
        pytest.fail(f"no trained model at {model_file(settings)}: `make test` trains it first")
    s = Stack(settings, log_dir=tmp_path_factory.mktemp("logs"))
    s.start()
    yield s
    s.stop()
    for service in s.services:  # SIGTERM ends each one cleanly
        assert service.process.returncode in (0, -15), service.log_tail()
