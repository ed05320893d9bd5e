"""The risk detector on the held-out safety set (tests/safety/heldout.yml), which nothing is
tuned or chosen on; and its behaviour on the messages a new user tried."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions import risk, risk_classifier
from praxis import config
from praxis.safety_phrases import phrase_kind

HELDOUT = Path(__file__).resolve().parents[1] / "safety" / "heldout.yml"


@pytest.fixture(scope="module")
def detector(embedder):
    """The detector as the action server makes it, with the classifier `make setup` trained."""
    folder = config.get().safety_model_path
    assert risk_classifier.is_current(folder / risk_classifier.FOLDER, embedder.name,
                                      risk.exemplars()), "no risk classifier: run `make setup`"
    return risk.open_detector(embedder, folder)


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
    # the same in bfloat16 and float32 (0.971, 0.963 and 0.068): a CPU without AVX-512 BF16
    # passes it too
    assert heldout["life_recall"] >= 0.97
    assert heldout["risk_recall"] >= 0.96
    assert heldout["false_alarms"] <= 0.07


@pytest.mark.xfail(strict=True, reason="two held-out targets are not met yet: risk to life 0.971 "
                   "of 0.98, false alarms 0.068 of at most 0.05; any risk 0.963 meets 0.95 "
                   "(README Safety)")
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


def test_mistreatment_with_distress_gets_both_replies(detector):
    [verdict] = detector.assess(["My head of service belittles me in every meeting and I've "
                                 "stopped eating"])
    assert verdict.kind == "distress" and "mistreatment" in verdict.also


def test_the_phrase_floor_is_never_overruled(detector):
    [verdict] = detector.assess(["i want to die"])
    assert verdict.kind in risk.LIFE_KINDS and "phrases" in verdict.by


@pytest.mark.parametrize("text,kind", [
    ("I think my manager is a bully", "mistreatment"),
    ("Honestly, she's bullying me and everyone can see it", "mistreatment"),
    ("I'm being bullied by the head of school", "mistreatment"),
    ("We ran a session on the anti-bullying policy for placement hosts", None),
    ("Is there a bullying and harassment policy I should point students to?", None),
    ("Years ago a manager bullied me; it shaped how I lead my own team", None),
])
def test_the_phrase_floor_names_bullying_but_not_talk_of_it(text, kind):
    assert phrase_kind(text) == kind


def test_the_fitted_detector_is_kept_and_fitted_again_only_when_its_exemplars_change(
        embedder, tmp_path, monkeypatch):
    exemplars = tmp_path / "safety_training.yml"
    exemplars.write_text(
        "messages:\n"
        "  - {text: I want to end my life tonight, kind: life}\n"
        "  - {text: I keep thinking everyone would be better off without me, kind: suicidal}\n"
        "  - {text: I cannot stop crying at my desk, kind: distress}\n"
        "  - {text: my manager shouts at me in front of students, kind: mistreatment}\n"
        "  - {text: I am exhausted and signed off with stress, kind: stress}\n"
        "  - {text: show me my past reflections, kind: none}\n"
        "  - {text: the booking system is hopeless, kind: none}\n"
        "  - {text: we ran three group workshops this term, kind: none}\n", encoding="utf-8")
    monkeypatch.setattr(risk, "TRAINING", [exemplars])
    folder = tmp_path / "index"
    fitted = risk.RiskDetector.cached(embedder.embed, folder, "model float32")
    [kept] = folder.glob("risk-*.pickle")
    again = risk.RiskDetector.cached(embedder.embed, folder, "model float32")
    texts = ["I want to end my life", "open my journal"]
    assert (again.probabilities(texts) == fitted.probabilities(texts)).all()
    assert again.fingerprint == fitted.fingerprint and list(folder.glob("risk-*")) == [kept]

    kept.write_bytes(b"not a pickle")  # unreadable: fitted again, not a crash
    assert risk.RiskDetector.cached(embedder.embed, folder, "model float32").fingerprint \
        == fitted.fingerprint
    with exemplars.open("a", encoding="utf-8") as f:
        f.write("  - {text: I am dreading the careers fair, kind: none}\n")
    changed = risk.RiskDetector.cached(embedder.embed, folder, "model float32")
    assert changed.fingerprint != fitted.fingerprint
    [replaced] = folder.glob("risk-*.pickle")
    assert replaced != kept  # the old fit is removed, not left to pile up
