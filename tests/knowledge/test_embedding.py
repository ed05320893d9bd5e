"""The embedding's precision: bfloat16 (where the CPU has it) gives the float32 vectors and the
same retrieval, and a precision that does not exist is refused with its name."""

from __future__ import annotations

import numpy as np
import pytest

from bench.retrieval import SETS, load_set
from knowledge.embedding import Embedder, ModelError, native_bfloat16, resolve_precision
from knowledge.engine import KnowledgeBase
from praxis import config
from tests.conftest import SOURCES


@pytest.fixture(scope="module")
def both():
    return Embedder(precision="float32"), Embedder(precision="bfloat16")


def test_auto_is_bfloat16_only_where_the_cpu_has_it():
    assert resolve_precision("auto") == ("bfloat16" if native_bfloat16() else "float32")
    assert resolve_precision("float32") == "float32"
    with pytest.raises(ModelError, match="float16"):
        resolve_precision("float16")


def test_an_unknown_precision_setting_is_refused():
    with pytest.raises(config.SettingsError, match="EMBEDDING_PRECISION='int8'"):
        config.load(environ={"EMBEDDING_PRECISION": "int8"})
    assert config.load(environ={"EMBEDDING_PRECISION": "bfloat16"}).embedding_precision == \
        "bfloat16"


def test_bfloat16_vectors_are_the_float32_vectors(both, kb):
    exact, fast = both
    texts = [c.text for c in kb.chunks][:120]
    a, b = exact.embed(texts), fast.embed(texts)
    assert a.dtype == b.dtype == np.float32 and a.shape == b.shape
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-5)
    cosine = (a * b).sum(axis=1)
    assert cosine.min() > 0.9999, cosine.min()


def test_bfloat16_retrieves_what_float32_retrieves(both):
    """Every question of the test set, answerable or not: the same first passage and nearly
    the same coverage score under both precisions."""
    data = load_set(SETS["tests"])
    queries = [q["q"] for q in data["answerable"]] + list(data["unanswerable"])
    exact, fast = (KnowledgeBase.build([SOURCES], e) for e in both)
    first = [[h[0].chunk.chunk_id for h in k.search_many(queries, 1)] for k in (exact, fast)]
    assert first[0] == first[1]
    cov = [np.array([c.passage for c in k.coverage_many(queries)]) for k in (exact, fast)]
    assert np.abs(cov[0] - cov[1]).max() < 0.005
