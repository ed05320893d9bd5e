"""Routing on the held-out set (tests/routing/heldout.yml), which nothing is tuned or chosen on:
the trained model in the Rasa env, with the risk detector judging each message as the guard
does live (``python -m bot.routing_eval``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def test_the_labelled_sets_are_large_enough_and_apart():
    sets = {p.stem: yaml.safe_load(p.read_text(encoding="utf-8"))["items"]
            for p in sorted(Path(__file__).parent.glob("*.yml"))}
    sets = {name: [i for i in items if i.get("text")] for name, items in sets.items()}
    assert sum(len(items) for items in sets.values()) >= 250
    texts = {name: {i["text"].strip().lower() for i in items} for name, items in sets.items()}
    # writers apart still both write "pause" or "new reflection": only short messages may recur
    shared = texts["heldout"] & (texts["dev"] | texts["dev2"])
    assert all(len(t.split()) <= 6 for t in shared)


@pytest.fixture(scope="module")
def heldout():
    done = subprocess.run([str(RASA_PYTHON), "-m", "bot.routing_eval", "--set", "heldout",
                           "--json"], cwd=ROOT, capture_output=True, text=True, timeout=900,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_heldout_routing_does_not_fall_below_the_figure_recorded(heldout):
    """What routing reaches on the held-out set (README "How answers are related to the
    report"), kept from regressing."""
    assert heldout["items"] >= 150
    # 0.888 recorded (151 of 170); one message less is allowed, for the risk detector's verdict
    # on a borderline message moving between bfloat16 and float32
    assert heldout["accuracy"] >= 0.88


@pytest.mark.xfail(strict=True, reason="the held-out target is not met yet: 0.888 of 0.95 "
                   "(README)")
def test_heldout_routing_target(heldout):
    assert heldout["accuracy"] >= 0.95
