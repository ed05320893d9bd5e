"""Shared fixtures: the real embedding model and a knowledge base built from the shipped report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

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
    from knowledge.engine import KnowledgeBase

    kb = KnowledgeBase.build([SOURCES], embedder)
    kb.save(index_dir)
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
