"""Retrieval quality on everyday practitioner questions, written apart from the indexed
material. Prints recall@1, recall@3 and MRR, and asserts the targets of the benchmark issue:
recall@3 >= 0.95 and recall@1 >= 0.8 with the default method on tests/knowledge/questions.yml
(one of the sets the method is tuned on); abstention >= 0.9 on the unanswerable questions with
at most one answerable question refused. Abstention is asserted on that tuning set, as a guard,
and against its target on bench/questions_blind3.yml, the set never tuned on, where it is not
reached (0.68; 0.62 on blind4; see the README's Performance section): an expected failure."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

QUESTIONS = Path(__file__).with_name("questions.yml")
BLIND = Path(__file__).parents[2] / "bench" / "questions_blind3.yml"


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
               if not c.covered(s.report_threshold, s.coverage_margin)]
    wrongly = [q for q, c in zip(ans, kb.coverage_many(ans), strict=True)
               if not c.covered(s.report_threshold, s.coverage_margin)]
    rate = len(refused) / len(una)
    print(f"\nabstention on {len(una)} unanswerable questions: {rate:.2f}; "
          f"answerable refused: {len(wrongly)} {wrongly}")
    assert len(una) >= 15
    return rate, wrongly


def test_questions_the_report_cannot_answer_are_refused(kb):
    rate, wrongly = abstention(kb)
    assert rate >= 0.95 and len(wrongly) <= 1


@pytest.mark.xfail(strict=True, reason="abstention target of the benchmark issue not reached on "
                   "the set never tuned on")
def test_abstention_reaches_its_target_on_the_untuned_set(kb):
    rate, wrongly = abstention(kb, BLIND)
    assert rate >= 0.9 and len(wrongly) <= 1
