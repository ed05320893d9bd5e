"""The fine-tuned risk classifier: trained, kept beside the index, and trained again only when
its exemplars change (on a handful of exemplars and one epoch, so that it is quick)."""

from __future__ import annotations

import numpy as np
import pytest

from actions import risk, risk_classifier

EXEMPLARS = [risk.Labelled(text, kind) for text, kind in [
    ("I want to end my life tonight", "life"),
    ("I keep thinking everyone would be better off without me", "suicidal"),
    ("I cannot stop crying at my desk", "distress"),
    ("my manager shouts at me in front of students", "mistreatment"),
    ("I am exhausted and signed off with stress", "stress"),
    ("show me my past reflections", "none"),
    ("the booking system is hopeless", "none"),
    ("we ran three group workshops this term", "none"),
]]
TEXTS = ["I want to end my life", "open my journal"]


@pytest.fixture(scope="module")
def kept(embedder, tmp_path_factory):
    folder = tmp_path_factory.mktemp("safety") / risk_classifier.FOLDER
    classifier, trained = risk_classifier.ensure(folder, embedder.name, EXEMPLARS, risk.LABELS,
                                                 epochs=1)
    return folder, classifier, trained


def test_training_shows_each_epoch_and_the_time_left(embedder, tmp_path, capsys):
    risk_classifier.ensure(tmp_path / risk_classifier.FOLDER, embedder.name, EXEMPLARS,
                           risk.LABELS, progress=True, epochs=2)
    shown = capsys.readouterr().err
    assert "risk classifier: epoch 1/2" in shown and "risk classifier: epoch 2/2" in shown
    assert shown.count("s left") == 2


def test_it_is_trained_and_kept_whole(kept, embedder):
    folder, classifier, trained = kept
    assert trained and risk_classifier.is_current(folder, embedder.name, EXEMPLARS)
    info = risk_classifier.manifest_of(folder)
    assert info["examples"] == len(EXEMPLARS) and info["labels"] == list(risk.LABELS)
    assert not folder.with_name(folder.name + ".partial").exists()
    rows = classifier.probabilities(TEXTS)
    assert rows.shape == (2, len(risk.LABELS)) and np.allclose(rows.sum(axis=1), 1, atol=1e-5)


def test_a_kept_classifier_is_loaded_not_trained_again(kept, embedder):
    folder, classifier, _ = kept
    again, trained = risk_classifier.ensure(folder, embedder.name, EXEMPLARS, risk.LABELS,
                                            epochs=1)
    assert not trained
    assert np.allclose(again.probabilities(TEXTS), classifier.probabilities(TEXTS), atol=1e-6)


def test_other_exemplars_or_another_model_make_it_stale(kept, embedder):
    folder, _, _ = kept
    more = [*EXEMPLARS, risk.Labelled("I am dreading the careers fair", "none")]
    assert not risk_classifier.is_current(folder, embedder.name, more)
    assert not risk_classifier.is_current(folder, "another-model", EXEMPLARS)


def test_an_unreadable_classifier_is_trained_again_not_a_crash(embedder, tmp_path):
    folder = tmp_path / risk_classifier.FOLDER
    risk_classifier.ensure(folder, embedder.name, EXEMPLARS, risk.LABELS, epochs=1)
    (folder / "head.npz").write_bytes(b"not an archive")
    classifier, trained = risk_classifier.ensure(folder, embedder.name, EXEMPLARS, risk.LABELS,
                                                 epochs=1)
    assert trained and classifier.probabilities(TEXTS).shape == (2, len(risk.LABELS))
