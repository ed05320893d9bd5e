"""Known answers: questions whose passage is beyond doubt."""

from __future__ import annotations

import pytest

from knowledge.engine import QueryExpander

KNOWN = [
    ("Who funded this research?", "Funding"),
    ("What does the report say about the term guidance?", "Language and identity crisis"),
    ("What should university leaders do to support innovation?", "Leadership's role"),
    ("How was the study carried out?", "About the study"),
    ("Are practitioners resistant to group-based guidance?", "Contrasting perspectives"),
    ("Where can I download the full report as a PDF?", "Document details"),
    ("Who is the author?", "Document details"),
    ("Why do practitioners need power?", "Power, a multifaceted need"),
]


@pytest.mark.parametrize("query,section", KNOWN)
def test_known_answers_come_first(kb, query, section):
    hits = kb.search(query, k=3)
    assert hits[0].chunk.section == section, [h.chunk.section for h in hits]
    assert [h.rank for h in hits] == [1, 2, 3]


@pytest.mark.parametrize("method", ["dense", "bm25", "hybrid"])
def test_each_method_ranks_and_scores(kb, method):
    searcher = kb.with_method(method)
    hits = searcher.search("What should university leaders do to support innovation?", k=5)
    assert [h.rank for h in hits] == list(range(1, 6))
    assert hits[0].chunk.section == "Leadership's role"
    if method != "hybrid":  # hybrid ranks by fused rank; its score is the cosine
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    if method == "hybrid":
        dense = {h.chunk.chunk_id: h.score for h in kb.with_method("dense").search(
            "What should university leaders do to support innovation?", k=13)}
        assert all(abs(dense[h.chunk.chunk_id] - h.score) < 1e-6 for h in hits)


def test_a_query_with_no_known_words_has_no_bm25_results(kb):
    assert kb.with_method("bm25").search("zzqx wibble", k=3) == []


def test_results_are_distinct_passages(kb):
    hits = kb.search("power", k=10)
    ids = [h.chunk.chunk_id for h in hits]
    assert len(ids) == len(set(ids)) == 10


def test_everyday_words_are_expanded_to_the_reports_terms():
    expander = QueryExpander.from_file()
    assert "career development practitioners" in expander.expand("what do careers advisers do?")
    assert "higher education institution" in expander.expand("my uni ignores us")
    assert expander.expand("nothing to expand here") == "nothing to expand here"
    # a term already in the query is not added again
    q = "career development practitioners and their managers"
    assert expander.expand(q).count("career development practitioners") == 1
