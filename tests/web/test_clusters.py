"""Grouping answers by what they say, on fixed answers embedded with the real model."""

from __future__ import annotations

from web.clusters import cluster, short

ANSWERS = [
    "My manager decided to cut the careers fair budget without asking our team.",
    "Senior leaders took the decision on the fair's budget over our heads.",
    "The budget for our events was cut by management without any consultation.",
    "Students keep asking for more one-to-one appointments than we can offer.",
    "Demand from students for individual guidance appointments is far above our capacity.",
    "I call myself a careers consultant now because 'adviser' sounded junior.",
]


def test_answers_on_one_matter_fall_together_and_apart_from_others(embedder):
    vectors = embedder.embed(ANSWERS).tolist()
    groups = cluster(vectors, ANSWERS)
    members = [set(g.members) for g in groups]
    assert {0, 1, 2} in members and {3, 4} in members and {5} in members
    budget = next(g for g in groups if 0 in g.members)
    assert budget.central in (0, 1, 2) and budget.label == short(ANSWERS[budget.central])
    assert [len(g.members) for g in groups] == sorted((len(g.members) for g in groups),
                                                      reverse=True)


def test_edge_cases():
    assert cluster([], []) == []
    [one] = cluster([[1.0, 0.0]], ["Only one answer here"])
    assert one.members == (0,) and one.label == "Only one answer here"
    assert short("one two three four five", 3) == "one two three…"
