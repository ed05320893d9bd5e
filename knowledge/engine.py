"""The front door of the knowledge base: ``build``, ``save``, ``load``, ``ensure``, ``search``.

Chunking, embedding and the index live in their own modules; this one joins them. A passage is
indexed by its own text and by each question its source's metadata lists for it, and a search
scores a passage by its best-matching row.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import tomllib

from knowledge import details
from knowledge.chunking import Chunk, chunk_document, sentences_of
from knowledge.documents import SourceError, find_sources, load_document, metadata_path
from knowledge.embedding import Embedder
from knowledge.index import IndexLoadError, IndexOutdated, VectorIndex
from knowledge.lexical import LexicalIndex

if TYPE_CHECKING:
    from knowledge.verifier import Verifier

CHUNKER_VERSION = "2"  # bump when chunking or row layout changes, so indexes are rebuilt
METHODS = ("dense", "bm25", "hybrid")
RRF_K = 60  # reciprocal-rank fusion constant (Cormack, Clarke and Buettcher, 2009)
# A detail a question asks for is looked for in its closest passage and in any other this close
# to it: the passages an answer would quote (actions/report.py quotes a second one this close).
EVIDENCE_MARGIN = 0.06
SYNONYMS_FILE = Path(__file__).with_name("synonyms.toml")


class QueryExpander:
    """Adds the report's own term to a query that uses an everyday word for it."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self._rules = [
            (term, re.compile(r"\b(?:" + "|".join(map(re.escape, words)) + r")\b", re.I))
            for term, words in table.items() if words
        ]

    @classmethod
    def from_file(cls, path: Path = SYNONYMS_FILE) -> QueryExpander:
        return cls(tomllib.loads(path.read_text(encoding="utf-8")) if path.exists() else {})

    def expand(self, query: str) -> str:
        lowered = query.lower()
        extra = [t for t, rx in self._rules if rx.search(query) and t.lower() not in lowered]
        return f"{query} ({'; '.join(extra)})" if extra else query


@dataclass(frozen=True)
class Coverage:
    """How close a query, as written (before query expansion), comes to the passages and to
    the questions the sources do not answer (cosine similarities; 0.0 where there is none), and
    the detail it asks for that none of its closest passages gives (``knowledge.details``)."""

    passage: float
    not_covered: float
    missing: str | None = None
    answered: float | None = None  # the verifier's probability that the passage answers it

    def covered(self, threshold: float, margin: float, verify: float = 0.0) -> bool:
        """Answerable: close enough to a passage, not asking for a detail the passages lack,
        and either judged answered by the passage with probability ``verify`` (where there is
        a verifier) or, without one, closer to the passage than to any question the sources say
        they do not answer (by ``margin``). With the verifier, that margin refused answerable
        questions and nothing the verifier let through (the blind3 and blind4 sets, each judged
        by verifiers trained without it)."""
        if self.missing is not None or self.passage < threshold:
            return False
        if self.answered is not None and verify:
            return self.answered >= verify
        return self.passage >= self.not_covered + margin


@dataclass(frozen=True)
class Hit:
    """One search result."""

    rank: int
    score: float
    chunk: Chunk

    def to_dict(self) -> dict[str, object]:
        return {
            "rank": self.rank,
            "score": round(self.score, 4),
            "chunk_id": self.chunk.chunk_id,
            "section": self.chunk.heading,
            "source": self.chunk.source,
            "text": self.chunk.text,
        }


def sources_hash(paths: Iterable[Path]) -> str:
    """A hash of the source files, their metadata and the chunker's version."""
    h = hashlib.sha256(f"chunker={CHUNKER_VERSION}".encode())
    for path in sorted(Path(p) for p in paths):
        for f in (path, metadata_path(path)):
            if f.exists():
                h.update(f.name.encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()


def rows_for(chunks: list[Chunk]) -> tuple[list[str], list[int]]:
    """The texts to embed and, for each, the chunk it stands for: the chunk's text, each of its
    sentences when it has several (a long passage's embedding blurs its parts), and its
    questions."""
    texts: list[str] = []
    rows: list[int] = []
    for i, chunk in enumerate(chunks):
        if chunk.kind == "not_covered":
            own = list(chunk.questions)
        else:
            sentences = [s for s in sentences_of(chunk.text) if len(s) >= 40]
            own = [chunk.text, *(sentences if len(sentences) >= 2 else []), *chunk.questions]
        for text in own:
            texts.append(text)
            rows.append(i)
    return texts, rows


def chunk_sources(sources: list[Path],
                  on_source: Callable[[Path], None] | None = None) -> list[Chunk]:
    """Read and chunk every source file; a bad one raises SourceError before any embedding."""
    chunks: list[Chunk] = []
    for f in find_sources(sources):
        if on_source:
            on_source(f)
        chunks.extend(chunk_document(load_document(f)))
    return chunks


class KnowledgeBase:
    """Chunks of the sources and their vector index, searched with one embedder."""

    def __init__(
        self, index: VectorIndex, embedder: Embedder, expander: QueryExpander | None = None,
        method: str = "hybrid",
    ) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown retrieval method {method!r}; use one of {METHODS}")
        self.index = index
        self.embedder = embedder
        self.expander = expander if expander is not None else QueryExpander.from_file()
        self.method = method
        self._lexical: LexicalIndex | None = None
        self._skip = frozenset(i for i, c in enumerate(index.chunks) if c.kind == "not_covered")
        self._anchors: np.ndarray | None = None  # vectors of the "not covered" questions
        # knowledge.verifier, attached by whoever judges coverage with it (the action server)
        self.verifier: Verifier | None = None

    @property
    def not_covered_ids(self) -> frozenset[int]:
        """The chunks that list questions the sources do not answer."""
        return self._skip

    @property
    def lexical(self) -> LexicalIndex:
        if self._lexical is None:  # the passages' rows only: "not covered" is for coverage
            pairs = [(c, t) for c, t in zip(self.index.rows, self.index.row_texts, strict=True)
                     if self.chunks[c].kind != "not_covered"]
            self._lexical = LexicalIndex([self.expander.expand(t) for _, t in pairs],
                                         [c for c, _ in pairs])
        return self._lexical

    def with_method(self, method: str) -> KnowledgeBase:
        """The same index searched another way."""
        kb = KnowledgeBase(self.index, self.embedder, self.expander, method)
        kb._lexical, kb._anchors, kb.verifier = self._lexical, self._anchors, self.verifier
        return kb

    @property
    def chunks(self) -> list[Chunk]:
        return self.index.chunks

    @property
    def manifest(self) -> dict[str, object]:
        return self.index.manifest

    @classmethod
    def build(cls, sources: list[Path], embedder: Embedder, progress: bool = False,
              method: str = "hybrid") -> KnowledgeBase:
        """Read, chunk and embed ``sources`` (files or folders) into a new knowledge base."""
        return cls.from_chunks(sources, chunk_sources(sources), embedder, progress, method)

    @classmethod
    def from_chunks(cls, sources: list[Path], chunks: list[Chunk], embedder: Embedder,
                    progress: bool = False, method: str = "hybrid") -> KnowledgeBase:
        """Embed chunks already read from ``sources`` (see :func:`chunk_sources`)."""
        files = find_sources(sources)
        texts, rows = rows_for(chunks)
        vectors = embedder.embed(texts, progress=progress)
        manifest = {
            "model": embedder.name,
            "source_paths": [str(Path(p).resolve()) for p in sources],
            "sources": [f.name for f in files],
            "sources_hash": sources_hash(files),
        }
        index = VectorIndex.create(chunks, rows, texts, vectors, manifest)
        return cls(index, embedder, method=method)

    def save(self, folder: Path) -> None:
        self.index.save(folder)

    @property
    def source_paths(self) -> list[Path]:
        return [Path(p) for p in self.manifest.get("source_paths", [])]  # type: ignore[union-attr]

    def is_stale(self) -> bool:
        """True when the sources it was built from changed (or are gone) since."""
        try:
            return self.manifest.get("sources_hash") != sources_hash(
                find_sources(self.source_paths))
        except SourceError:
            return True

    @classmethod
    def load(cls, folder: Path, embedder: Embedder, check_sources: bool = True,
             method: str = "hybrid") -> KnowledgeBase:
        """Load a saved index; refuse one built with another model, or (``check_sources``)
        one whose sources changed since it was built."""
        kb = cls(VectorIndex.load(folder, embedder.name, embedder.dimension), embedder,
                 method=method)
        if check_sources and kb.is_stale():
            raise IndexLoadError(f"the knowledge sources changed since the index in {folder} "
                                 "was built: run `praxis index` to rebuild it")
        return kb

    @classmethod
    def ensure(
        cls, folder: Path, sources: list[Path], embedder: Embedder, progress: bool = False,
        method: str = "hybrid",
    ) -> tuple[KnowledgeBase, bool]:
        """Load the index in ``folder``, building it first when there is none (from
        ``sources``) or when the sources it was built from changed (from those again).
        Return the knowledge base and whether it was (re)built. A mismatched model or a
        corrupt index is refused, not silently replaced."""
        paths = sources
        if Path(folder, "manifest.json").exists():
            try:
                kb = cls.load(folder, embedder, check_sources=False, method=method)
                if not kb.is_stale():
                    return kb, False
                if kb.source_paths and all(p.exists() for p in kb.source_paths):
                    paths = kb.source_paths  # rebuild from what it was built from
            except IndexOutdated:  # written by an older Praxis: rebuild
                pass
        kb = cls.build(paths, embedder, progress=progress, method=method)
        kb.save(folder)
        return kb, True

    def chunk(self, chunk_id: str) -> Chunk | None:
        return next((c for c in self.chunks if c.chunk_id == chunk_id), None)

    def section(self, title: str) -> Chunk | None:
        """The first chunk whose section (or cited heading) is ``title``."""
        return next((c for c in self.chunks if title in (c.section, c.heading)), None)

    def search(self, query: str, k: int = 3) -> list[Hit]:
        return self.search_many([query], k)[0]

    def search_many(self, queries: list[str], k: int = 3) -> list[list[Hit]]:
        """The best ``k`` passages for each query, best first.

        ``dense``: cosine similarity of the query to a passage's best row. ``bm25``: BM25 over
        the same rows. ``hybrid``: the two rankings fused by reciprocal rank; a hit's score is
        still its cosine similarity, so one threshold means the same for dense and hybrid.
        """
        return [hits for hits, _ in self._lookup(queries, k, coverage=False)]

    def coverage(self, query: str) -> Coverage:
        """How close ``query`` comes to a passage and to a question the sources do not answer."""
        return self._lookup([query], 1)[0][1]

    def coverage_many(self, queries: list[str]) -> list[Coverage]:
        """:meth:`coverage` for several queries at once."""
        return [c for _, c in self._lookup(queries, 1)]

    def lookup(self, query: str, k: int = 3) -> tuple[list[Hit], Coverage]:
        """:meth:`search` and :meth:`coverage` together, in one call to the model."""
        return self._lookup([query], k)[0]

    def _lookup(self, queries: list[str], k: int,
                coverage: bool = True) -> list[tuple[list[Hit], Coverage]]:
        expanded = [self.expander.expand(q) for q in queries]
        # Coverage is judged on the query as written: the report's own terms that expansion
        # adds pull every question towards the passages, answerable or not.
        changed = [n for n, (q, e) in enumerate(zip(queries, expanded, strict=True)) if q != e]
        extra = [queries[n] for n in changed] if coverage else []
        vectors = self.embedder.embed(expanded + extra)
        searched = vectors[:len(queries)]
        pool = k if self.method == "dense" else min(len(self.chunks), max(k * 10, 50))
        # the dense rankings leave out the "not covered" questions: they only score coverage
        dense = self.index.search(searched, pool, skip=self._skip)
        coverages = [Coverage(0.0, 0.0)] * len(queries)
        if coverage:
            written = searched.copy()
            written[changed] = vectors[len(queries):]
            closest = self.index.search(written, 3, skip=self._skip)
            anchors = self._anchor_vectors() @ written.T if self._skip else None
            answered: list[float | None] = [None] * len(queries)
            if self.verifier is not None:
                asked = [n for n, found in enumerate(closest) if found]
                probabilities = self.verifier.probability(
                    [(queries[n], self.chunks[closest[n][0][0]].text) for n in asked])
                for n, p in zip(asked, probabilities, strict=True):
                    answered[n] = float(p)
            coverages = [Coverage(passage=found[0][1] if found else 0.0,
                                  not_covered=float(anchors[:, n].max())
                                  if anchors is not None else 0.0,
                                  missing=details.missing(
                                      queries[n], (self.chunks[i].text for i, score in found
                                                   if score >= found[0][1] - EVIDENCE_MARGIN)),
                                  answered=answered[n])
                         for n, found in enumerate(closest)]
        out = []
        for q, found, cov in zip(expanded, dense, coverages, strict=True):
            if self.method == "dense":
                ranked = found[:k]
            elif self.method == "bm25":
                ranked = self.lexical.search(q, k)
            else:
                cosine = dict(found)
                fused: dict[int, float] = {}
                for ranking in (found, self.lexical.search(q, pool)):
                    for rank, (i, _) in enumerate(ranking, 1):
                        fused[i] = fused.get(i, 0.0) + 1.0 / (RRF_K + rank)
                best = sorted(fused, key=lambda i: (-fused[i], -cosine.get(i, 0.0)))[:k]
                ranked = [(i, cosine.get(i, 0.0)) for i in best]
            out.append((self._hits(ranked), cov))
        return out

    def _anchor_vectors(self) -> np.ndarray:
        if self._anchors is None:
            self._anchors = self.index.vectors_of(
                [r for r, c in enumerate(self.index.rows)
                 if self.chunks[c].kind == "not_covered"])
        return self._anchors

    def _hits(self, found: list[tuple[int, float]]) -> list[Hit]:
        return [Hit(rank, score, self.chunks[i]) for rank, (i, score) in enumerate(found, 1)]
