"""Retrieval quality on everyday practitioner questions, written apart from the indexed
material. Prints recall@1, recall@3 and MRR, and asserts the targets of the benchmark issue:
recall@3 >= 0.95 and recall@1 >= 0.8 with the default method on the test suite's set
(knowledge/questions/practitioners.yml, one of the tuning sets); abstention >= 0.9 on the
unanswerable questions with at most one answerable question refused. Abstention is asserted
without the answer verifier on that tuning set, as a guard of the similarity rules, and with it
(the served index) on the two sets never tuned or trained on, bench/questions_blind5.yml and
bench/questions_blind6.yml, where ranking is asserted too: blind6's recall@3 is 0.935, an
expected failure (see the README's Performance section)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[2]
QUESTIONS = ROOT / "knowledge" / "questions" / "practitioners.yml"
UNTUNED = [ROOT / "bench" / "questions_blind5.yml", ROOT / "bench" / "questions_blind6.yml"]


def evaluate(kb, items, k=10):
    hits = kb.search_many([q["q"] for q in items], k=k)
    ranks = []
    for item, found in zip(items, hits, strict=True):
        sections = [h.chunk.section for h in found]
        ranks.append(next((i + 1 for i, s in enumerate(sections) if s in item["expected"]),
                          None))
    n = len(ranks)
    return {
        "n": n,
        "recall_at_1": sum(r == 1 for r in ranks) / n,
        "recall_at_3": sum(r is not None and r <= 3 for r in ranks) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
        "misses": [item["q"] for item, r in zip(items, ranks, strict=True) if not r or r > 3],
    }


def test_recall_at_3_on_practitioner_questions(kb):
    data = yaml.safe_load(QUESTIONS.read_text(encoding="utf-8"))
    assert len(data["answerable"]) >= 30
    m = evaluate(kb, data["answerable"])
    print(f"\nretrieval on {m['n']} questions: recall@1 {m['recall_at_1']:.3f}, "
          f"recall@3 {m['recall_at_3']:.3f}, MRR {m['mrr']:.3f}")
    for q in m["misses"]:
        print(f"  not in top 3: {q}")
    assert m["recall_at_3"] >= 0.95
    assert m["recall_at_1"] >= 0.8


def abstention(kb, path=QUESTIONS):
    from praxis import config

    s = config.Settings()
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    una = data["unanswerable"]
    ans = [q["q"] for q in data["answerable"]]
    refused = [q for q, c in zip(una, kb.coverage_many(una), strict=True)
               if not c.covered(s.report_threshold, s.coverage_margin, s.verify_threshold)]
    wrongly = [q for q, c in zip(ans, kb.coverage_many(ans), strict=True)
               if not c.covered(s.report_threshold, s.coverage_margin, s.verify_threshold)]
    rate = len(refused) / len(una)
    print(f"\nabstention on {len(una)} unanswerable questions: {rate:.2f}; "
          f"answerable refused: {len(wrongly)} {wrongly}")
    assert len(una) >= 15
    return rate, wrongly


def test_questions_the_report_cannot_answer_are_refused(kb):
    rate, wrongly = abstention(kb)
    assert rate >= 0.95 and len(wrongly) <= 1


@pytest.mark.parametrize("path", [
    UNTUNED[0],
    pytest.param(UNTUNED[1], marks=pytest.mark.xfail(
        strict=True, reason="recall@3 0.935 on blind6: three of its 46 answerable questions, "
        "paraphrased far from the summary's words, are not in the top 3 (target 0.95)")),
], ids=lambda p: p.stem)
def test_ranking_reaches_its_targets_on_the_sets_never_tuned_on(kb, path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    m = evaluate(kb, data["answerable"])
    print(f"\nretrieval on {path.stem}: recall@1 {m['recall_at_1']:.3f}, "
          f"recall@3 {m['recall_at_3']:.3f}; not in top 3: {m['misses']}")
    assert m["recall_at_1"] >= 0.8
    assert m["recall_at_3"] >= 0.95


@pytest.mark.parametrize("path", UNTUNED, ids=lambda p: p.stem)
def test_abstention_reaches_its_target_on_the_sets_never_tuned_on(served_kb, path):
    rate, wrongly = abstention(served_kb, path)
    assert rate >= 0.9 and len(wrongly) <= 1
