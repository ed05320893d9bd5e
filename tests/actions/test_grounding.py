"""How answers are related to the report, measured on labelled answers written apart from the
code (tests/grounding/): the held-out part, which nothing is tuned or chosen on, meets the
targets; and the same answer is related the same way in a solo reflection and a group session."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from actions import grounding
from praxis import config

SETS = Path(__file__).resolve().parents[1] / "grounding"


def answers(name):
    return yaml.safe_load((SETS / f"{name}.yml").read_text(encoding="utf-8"))["answers"]


def test_the_labelled_sets_are_large_enough_and_cover_every_theme_and_step():
    held, dev = answers("heldout"), answers("dev")
    assert len(held) + len(dev) >= 160
    pairs = {(a["theme"], a["step"]) for a in held}
    assert len(pairs) == 8 * 4
    assert not {a["text"] for a in held} & {a["text"] for a in dev}
    labels = set(grounding.label_sections())
    assert all(set(a["findings"]) <= labels for a in held + dev)


@pytest.fixture(scope="module")
def heldout(kb):
    return grounding.evaluate(kb, kb.embedder.embed, answers("heldout"),
                              config.Settings().link_threshold)


def test_heldout_targets(heldout):
    assert heldout["precision"] >= grounding.TARGETS["precision"]
    assert heldout["linked_share"] >= grounding.TARGETS["linked_share"]
    # never to the page's introduction or furniture, and only to the theme's own finding
    assert heldout["off_theme_links"] == 0


def test_every_step_is_linked_the_same_way(heldout):
    """Next steps included: a step that acts on the finding is linked, a bare plan is not."""
    assert set(heldout["by_step"]) == set(grounding.STEP_ORDER)
    assert 0 < heldout["by_step"]["next_step"]["linked_share"] < 1
