"""The vector index on disk: a FAISS inner-product index, its chunks, and a manifest.

Files, side by side in one folder:
``index.faiss`` (FAISS), ``chunks.jsonl`` (one chunk a line, in chunk order), ``rows.json``
(for each index row, the chunk it points to and the text embedded: a passage is indexed by its
text, its sentences and its questions) and
``manifest.json`` (model, dimension, counts, hash of the sources, build time, format version).
No pickle. Loading refuses an index built with another model or dimension, or with missing files.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from knowledge.chunking import Chunk

FORMAT_VERSION = 2
# Up to this many vectors the index is exact (flat). Above it, an inverted-file index: in
# `make bench` flat search took about 14 ms a query at 100,000 vectors, IVF under 0.1 ms at
# recall@10 of about 0.98, and IVF built faster than HNSW at the same recall.
FLAT_LIMIT = 50_000
IVF_NPROBE = 16
FILES = ("index.faiss", "chunks.jsonl", "rows.json", "manifest.json")


class IndexLoadError(RuntimeError):
    """The index on disk is missing, corrupt or does not match; the message names the fix."""


class IndexOutdated(IndexLoadError):
    """The index on disk was written in an older format: rebuilding it is safe."""


def read_chunks(folder: Path) -> list[Chunk]:
    """The chunks of a saved index, in order, without loading its vectors."""
    return [Chunk(**json.loads(line)) for line in
            (Path(folder) / "chunks.jsonl").read_text(encoding="utf-8").splitlines() if line]


@dataclass
class VectorIndex:
    """Vectors (one per row) pointing at chunks, searchable by cosine similarity."""

    faiss_index: Any
    chunks: list[Chunk]
    rows: list[int]
    row_texts: list[str]
    manifest: dict[str, Any]

    @classmethod
    def create(
        cls, chunks: list[Chunk], rows: list[int], row_texts: list[str], vectors: np.ndarray,
        manifest: dict[str, Any], flat_limit: int = FLAT_LIMIT,
    ) -> VectorIndex:
        """Index ``vectors`` (normalised, one per row): exact up to ``flat_limit`` rows,
        inverted-file (IVF) above, so search stays fast for a corpus far larger than a report."""
        if not len(rows) == len(row_texts) == vectors.shape[0]:
            raise ValueError("one row (chunk and text) per vector")
        n, dim = vectors.shape
        if n <= flat_limit:
            index, params = faiss.IndexFlatIP(dim), {"index_type": "flat"}
        else:
            nlist = int(round(4 * n**0.5))
            index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist,
                                       faiss.METRIC_INNER_PRODUCT)
            sample = np.random.default_rng(0).choice(n, size=min(n, 50_000), replace=False)
            index.train(vectors[np.sort(sample)])
            params = {"index_type": "ivf", "nlist": nlist, "nprobe": IVF_NPROBE}
        index.add(vectors)
        _configure(index, params)
        manifest = {
            **manifest,
            "version": FORMAT_VERSION,
            "dimension": int(vectors.shape[1]),
            "chunk_count": len(chunks),
            "row_count": len(rows),
            **params,
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        return cls(index, chunks, rows, row_texts, manifest)

    @cached_property
    def _rows_per_chunk(self) -> Counter[int]:
        return Counter(self.rows)

    def vectors_of(self, rows: list[int]) -> np.ndarray:
        """The stored vectors of some rows."""
        dim = self.faiss_index.d
        if not rows:
            return np.zeros((0, dim), dtype="float32")
        return np.stack([self.faiss_index.reconstruct(int(r)) for r in rows])

    def search(self, vectors: np.ndarray, k: int,
               skip: frozenset[int] = frozenset()) -> list[list[tuple[int, float]]]:
        """For each query vector, the best ``k`` chunks as (chunk index, score), best first.
        A chunk's score is that of its best-matching row. Chunks in ``skip`` are left out, and
        the search goes deep enough that their rows cannot crowd the others out."""
        skipped_rows = sum(self._rows_per_chunk.get(c, 0) for c in skip) if skip else 0
        depth = min(self.faiss_index.ntotal, max(k * 8, 32) + skipped_rows)
        scores, ids = self.faiss_index.search(np.ascontiguousarray(vectors, "float32"), depth)
        out = []
        for row_scores, row_ids in zip(scores, ids, strict=True):
            best: dict[int, float] = {}
            for score, row in zip(row_scores, row_ids, strict=True):
                if row < 0:
                    continue
                chunk = self.rows[row]
                if chunk not in best and chunk not in skip:
                    best[chunk] = float(score)
            out.append(sorted(best.items(), key=lambda kv: -kv[1])[:k])
        return out

    def save(self, folder: Path) -> None:
        """Write the four files atomically (each to a temporary name, then renamed)."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        payloads = {
            "chunks.jsonl": "".join(json.dumps(c.to_dict(), ensure_ascii=False) + "\n"
                                    for c in self.chunks),
            "rows.json": json.dumps([[c, t] for c, t in zip(self.rows, self.row_texts,
                                                            strict=True)], ensure_ascii=False),
            "manifest.json": json.dumps(self.manifest, indent=2, ensure_ascii=False),
        }
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".faiss.tmp")
        os.close(fd)
        faiss.write_index(self.faiss_index, tmp)
        os.replace(tmp, folder / "index.faiss")
        for name in ("chunks.jsonl", "rows.json", "manifest.json"):  # manifest last
            part = folder / f".{name}.tmp"
            part.write_text(payloads[name], encoding="utf-8")
            os.replace(part, folder / name)

    @classmethod
    def load(cls, folder: Path, model: str | None = None, dimension: int | None = None
             ) -> VectorIndex:
        folder = Path(folder)
        missing = [f for f in FILES if not (folder / f).exists()]
        if missing:
            raise IndexLoadError(
                f"the knowledge index in {folder} is missing {', '.join(missing)}: "
                "run `praxis index` to build it"
            )
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as exc:
            raise IndexLoadError(f"the knowledge index in {folder} has a corrupt manifest: "
                                 "run `praxis index` to rebuild it") from exc
        if not isinstance(manifest, dict) or manifest.get("version") != FORMAT_VERSION:
            raise IndexOutdated(f"the knowledge index in {folder} has an older format: "
                                "run `praxis index` to rebuild it")
        try:
            chunks = read_chunks(folder)
            pairs = json.loads((folder / "rows.json").read_text("utf-8"))
            rows = [int(c) for c, _ in pairs]
            row_texts = [str(t) for _, t in pairs]
            index = faiss.read_index(str(folder / "index.faiss"))
        except (ValueError, TypeError, RuntimeError, UnicodeDecodeError) as exc:
            raise IndexLoadError(
                f"the knowledge index in {folder} is corrupt ({exc.__class__.__name__}): "
                "run `praxis index` to rebuild it"
            ) from exc
        if model is not None and manifest.get("model") != model:
            raise IndexLoadError(
                f"the knowledge index in {folder} was built with {manifest.get('model')!r}, "
                f"not the configured model {model!r}: run `praxis index` to rebuild it"
            )
        if dimension is not None and manifest.get("dimension") != dimension:
            raise IndexLoadError(
                f"the knowledge index in {folder} has dimension {manifest.get('dimension')}, "
                f"the model gives {dimension}: run `praxis index` to rebuild it"
            )
        if (index.ntotal != len(rows) or manifest.get("chunk_count") != len(chunks)
                or index.d != manifest.get("dimension")
                or any(not 0 <= r < len(chunks) for r in rows)):
            raise IndexLoadError(f"the knowledge index in {folder} is inconsistent: "
                              "run `praxis index` to rebuild it")
        _configure(index, manifest)
        return cls(index, chunks, rows, row_texts, manifest)


def _configure(index: Any, params: dict[str, Any]) -> None:
    """Search-time settings, which FAISS does not store in the file."""
    if params.get("index_type") == "ivf":
        index.nprobe = int(params.get("nprobe", IVF_NPROBE))
        index.make_direct_map()  # so stored vectors can be read back
