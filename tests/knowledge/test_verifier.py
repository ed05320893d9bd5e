"""The answer verifier: what it is trained on, that it is saved, reloaded and retrained when its
data changes, and what the one `praxis index` trained does with questions the summary does or
does not answer."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from knowledge import verifier
from knowledge.embedding import autocast
from praxis import config

QUESTIONS = {
    "answerable": [{"q": "who paid for the study?", "expected": ["Funding"]},
                   {"q": "what do leaders need to do?", "expected": ["Leadership's role"]}],
    "unanswerable": ["how were the interviewees recruited?", "what is the best CV font?"],
}


@pytest.fixture
def questions(tmp_path):
    path = tmp_path / "set.yml"
    path.write_text(yaml.safe_dump(QUESTIONS), encoding="utf-8")
    return path


def test_training_pairs_come_from_the_sources_and_the_labelled_questions(kb, questions):
    pairs = verifier.training_pairs(kb, [questions])
    texts = {c.text: c for c in kb.chunks}
    pointers = [(q, c.text) for c in kb.chunks if c.kind != "not_covered" for q in c.questions]
    positives = {(q, p) for q, p, y in pairs if y == 1.0}
    assert set(pointers) <= positives
    assert ("who paid for the study?", kb.section("Funding").text) in positives
    for q in QUESTIONS["unanswerable"]:
        mine = [p for question, p, y in pairs if question == q]
        assert len(mine) == verifier.NEGATIVE_PASSAGES
        assert all(texts[p].kind != "not_covered" for p in mine)
        assert all(y == 0.0 for question, _, y in pairs if question == q)
    anchors = [q for c in kb.chunks if c.kind == "not_covered" for q in c.questions]
    assert len(pairs) == (len(pointers) + len(QUESTIONS["answerable"])
                          + verifier.NEGATIVE_PASSAGES * (len(anchors) + 2))


def test_trained_saved_reloaded_and_retrained_when_its_questions_change(kb, questions,
                                                                         tmp_path, capsys):
    folder = tmp_path / "verifier"
    trained, fresh = verifier.ensure(kb, folder, [questions], epochs=1, progress=True)
    assert fresh and (folder / verifier.MANIFEST).exists()
    shown = capsys.readouterr().err  # each member's epochs, the time so far and left
    assert f"answer verifier: member {verifier.MEMBERS}/{verifier.MEMBERS}, epoch 1/1" in shown
    assert shown.count("s left") == verifier.MEMBERS
    info = verifier.manifest_of(folder)
    assert info["pairs"] == len(verifier.training_pairs(kb, [questions]))
    assert info["members"] == verifier.MEMBERS == len(list(folder.glob("member-*"))) > 1
    pairs = [("who paid for the study?", kb.section("Funding").text),
             ("what is the best CV font?", kb.section("Funding").text)]
    p = trained.probability(pairs)
    assert p.shape == (2,) and ((p >= 0) & (p <= 1)).all()
    # the members start from different seeds, so they differ; the verifier gives their mean
    with autocast(trained.precision):
        each = [m.predict(pairs, show_progress_bar=False) for m in trained.members]
    assert not np.allclose(each[0], each[1], atol=1e-4)
    assert np.allclose(p, np.mean(each, axis=0), atol=1e-3)
    again, fresh = verifier.ensure(kb, folder, [questions], epochs=1)
    assert not fresh
    assert np.allclose(again.probability(pairs), p, atol=1e-3)
    assert verifier.load_for(kb, folder, [questions]) is not None
    questions.write_text(questions.read_text() + '  - "another question?"\n')
    assert verifier.load_for(kb, folder, [questions]) is None  # trained on other questions
    assert trained.probability([]).shape == (0,)


def test_the_served_verifier_tells_answered_from_unanswered(served_kb):
    s = config.get()
    funding = served_kb.coverage("Who funded this research?")
    assert funding.answered is not None and funding.answered >= s.verify_threshold
    assert funding.covered(s.report_threshold, s.coverage_margin, s.verify_threshold)
    recruited = served_kb.coverage("how did they find the careers advisers to interview?")
    assert not recruited.covered(s.report_threshold, s.coverage_margin, s.verify_threshold)
