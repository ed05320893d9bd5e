"""Building, saving and loading the index; refusing what does not match."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from knowledge.engine import KnowledgeBase
from knowledge.index import FILES, IndexLoadError

SOURCES = Path(__file__).resolve().parents[2] / "knowledge" / "sources"


@pytest.fixture
def saved(kb, tmp_path):
    folder = tmp_path / "index"
    kb.save(folder)
    return folder


def test_files_are_saved_side_by_side_without_pickle(saved, kb):
    assert sorted(p.name for p in saved.iterdir()) == sorted(FILES)
    manifest = json.loads((saved / "manifest.json").read_text())
    assert manifest["model"] == "sentence-transformers/all-MiniLM-L6-v2"
    assert manifest["dimension"] == 384
    assert manifest["chunk_count"] == len(kb.chunks) == 13  # with the "not covered" questions
    assert manifest["row_count"] > manifest["chunk_count"]  # sentences and questions too
    assert len(manifest["sources_hash"]) == 64
    assert manifest["built_at"] and manifest["version"] == 2
    first = json.loads((saved / "chunks.jsonl").read_text().splitlines()[0])
    assert first["section"] == "Introduction"
    assert not list(saved.glob("*.pkl")) and not list(saved.glob("*.pickle"))


def test_round_trip_gives_the_same_results(saved, kb, embedder):
    loaded = KnowledgeBase.load(saved, embedder)
    for q in ("who funded it", "the word guidance", "what should leaders do"):
        a = [(h.chunk.chunk_id, round(h.score, 5)) for h in kb.search(q, 5)]
        b = [(h.chunk.chunk_id, round(h.score, 5)) for h in loaded.search(q, 5)]
        assert a == b


def test_vectors_are_normalised_so_scores_are_cosines(embedder):
    v = embedder.embed(["careers advisers and power", "a second sentence"])
    assert v.dtype == np.float32 and v.shape == (2, 384)
    assert np.allclose(np.linalg.norm(v, axis=1), 1.0, atol=1e-5)


def _edit_manifest(folder: Path, **changes) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text())
    manifest.update(changes)
    path.write_text(json.dumps(manifest))


def test_refuses_an_index_built_with_another_model(saved, embedder):
    _edit_manifest(saved, model="sentence-transformers/all-mpnet-base-v2")
    with pytest.raises(IndexLoadError, match="built with .*all-mpnet.*praxis index"):
        KnowledgeBase.load(saved, embedder)


def test_refuses_another_dimension(saved, embedder):
    _edit_manifest(saved, dimension=768)
    with pytest.raises(IndexLoadError, match="dimension 768"):
        KnowledgeBase.load(saved, embedder)


@pytest.mark.parametrize("name", FILES)
def test_missing_file_names_the_fix(saved, embedder, name):
    (saved / name).unlink()
    with pytest.raises(IndexLoadError, match=f"missing {name}.*praxis index"):
        KnowledgeBase.load(saved, embedder)


def test_corrupt_files_are_refused(saved, embedder):
    (saved / "index.faiss").write_bytes(b"not a faiss index")
    with pytest.raises(IndexLoadError, match="corrupt"):
        KnowledgeBase.load(saved, embedder)


def test_an_older_format_is_refused_on_load_and_rebuilt_by_ensure(saved, embedder):
    _edit_manifest(saved, version=1)
    with pytest.raises(IndexLoadError, match="older format.*praxis index"):
        KnowledgeBase.load(saved, embedder)
    kb, built = KnowledgeBase.ensure(saved, [SOURCES], embedder)
    assert built and KnowledgeBase.load(saved, embedder).manifest["version"] == 2


def test_inconsistent_rows_are_refused(saved, embedder):
    (saved / "rows.json").write_text('[[0, "a"], [1, "b"]]')
    with pytest.raises(IndexLoadError, match="inconsistent"):
        KnowledgeBase.load(saved, embedder)


def test_rebuilt_when_the_sources_change_and_not_otherwise(tmp_path, embedder):
    sources = tmp_path / "sources"
    shutil.copytree(SOURCES, sources)
    folder = tmp_path / "index"
    kb, built = KnowledgeBase.ensure(folder, [sources], embedder)
    assert built and len(kb.chunks) == 13
    before = len(kb.chunks)
    kb, built = KnowledgeBase.ensure(folder, [sources], embedder)
    assert not built
    (sources / "extra.md").write_text(
        "# Local notes\n\nOur careers service ran a pilot of group sessions for final-year "
        "students in 2024 and doubled attendance.\n", encoding="utf-8")
    with pytest.raises(IndexLoadError, match="sources changed"):
        KnowledgeBase.load(folder, embedder)
    kb, built = KnowledgeBase.ensure(folder, [sources], embedder)
    assert built and len(kb.chunks) == before + 1  # the local notes' one chunk
    assert kb.search("did anyone pilot group sessions for final years?", 1)[0].chunk.section \
        == "Local notes"


def test_a_large_corpus_gets_an_approximate_index_that_round_trips(tmp_path):
    from knowledge.chunking import Chunk
    from knowledge.index import VectorIndex

    rng = np.random.default_rng(1)
    centres = rng.normal(size=(40, 32))
    vectors = centres[rng.integers(0, 40, 4000)] + 0.3 * rng.normal(size=(4000, 32))
    vectors = (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype("float32")
    chunks = [Chunk(f"c:{i}", f"S{i}", f"text {i}", "src", "src.md") for i in range(4000)]
    rows = list(range(4000))
    exact = VectorIndex.create(chunks, rows, [c.text for c in chunks], vectors, {"model": "m"})
    approx = VectorIndex.create(chunks, rows, [c.text for c in chunks], vectors, {"model": "m"},
                                flat_limit=1000)
    assert exact.manifest["index_type"] == "flat"
    assert approx.manifest["index_type"] == "ivf" and approx.manifest["nlist"] == 253
    approx.save(tmp_path)
    loaded = VectorIndex.load(tmp_path, "m", 32)
    assert loaded.faiss_index.nprobe == approx.manifest["nprobe"]
    queries = vectors[:50] + 0.05 * rng.normal(size=(50, 32)).astype("float32")
    a = [{i for i, _ in r} for r in exact.search(queries, 10)]
    b = [{i for i, _ in r} for r in loaded.search(queries, 10)]
    recall = np.mean([len(x & y) / 10 for x, y in zip(a, b, strict=True)])
    assert recall >= 0.9
    assert np.allclose(loaded.vectors_of([5, 7]), vectors[[5, 7]], atol=1e-6)
