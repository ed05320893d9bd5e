"""The risk detector on the held-out safety set (tests/safety/heldout.yml), which nothing is
tuned or chosen on; and its behaviour on the messages a new user tried."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions import risk

HELDOUT = Path(__file__).resolve().parents[1] / "safety" / "heldout.yml"


@pytest.fixture(scope="module")
def detector(embedder):
    return risk.RiskDetector(embedder.embed)


@pytest.fixture(scope="module")
def heldout(detector):
    messages = risk.read_labelled(HELDOUT)
    return risk.score(messages, detector.assess([m.text for m in messages]))


def test_the_labelled_sets_are_large_enough_and_apart():
    sets = {p.stem: risk.read_labelled(p) for p in (HELDOUT, HELDOUT.with_name("dev.yml"))}
    held = sets["heldout"]
    assert sum(m.kind != risk.NONE for m in held) + sum(
        m.kind != risk.NONE for m in sets["dev"]) >= 250
    assert sum(m.kind == risk.NONE for m in held) + sum(
        m.kind == risk.NONE for m in sets["dev"]) >= 250
    training = {m.text.strip().lower() for f in risk.TRAINING for m in risk.read_labelled(f)}
    # writers apart still both write "yes" or "skip": only such few-word replies may recur
    assert all(len(t.split()) <= 3 for t in training & {m.text.strip().lower() for m in held})


def test_heldout_figures_do_not_fall_below_those_recorded(heldout):
    """What the detector reaches on the held-out set (README "Safety"), kept from regressing."""
    assert heldout["life_recall"] >= 0.98
    assert heldout["risk_recall"] >= 0.91
    assert heldout["false_alarms"] <= 0.12


@pytest.mark.xfail(strict=True, reason="two held-out targets are not met yet: any risk 0.917 "
                   "of 0.95, false alarms 0.118 of at most 0.05 (risk to life 0.984 meets 0.98)")
def test_heldout_targets(heldout):
    assert risk.meets_targets(heldout)


def test_the_messages_a_new_user_tried(detector):
    verdicts = detector.assess([
        "Honestly, everyone would be better off if I just wasn't around",
        "I've been signed off with stress and I feel I've let the whole team down",
        "I dread Mondays so much I'm physically sick before I get to campus",
        "My head of service belittles me in every meeting and I've stopped eating",
        "I think my manager is a bully",
        "I can't go on leave until after the careers fair",
        "The booking system is hopeless",
    ])
    kinds = [v.kind for v in verdicts]
    assert kinds[0] in risk.LIFE_KINDS
    assert kinds[1] == kinds[2] == "stress"
    assert kinds[3] in ("distress", "suicidal", "mistreatment")  # signposted, at least
    assert kinds[4] == "mistreatment"
    assert kinds[5] is None and kinds[6] is None


@pytest.mark.xfail(strict=True, reason="read as mistreatment alone: the model does not yet "
                   "weigh the stopped eating (distress 0.03)")
def test_mistreatment_with_distress_gets_both_replies(detector):
    [verdict] = detector.assess(["My head of service belittles me in every meeting and I've "
                                 "stopped eating"])
    assert verdict.kind == "distress" and "mistreatment" in verdict.also


def test_the_phrase_floor_is_never_overruled(detector):
    [verdict] = detector.assess(["i want to die"])
    assert verdict.kind in risk.LIFE_KINDS and "phrases" in verdict.by
