"""BM25 keyword search over the same rows as the vector index (bm25s, English stemming).

It is built in memory from the rows' texts when an index is loaded: for the report that takes
milliseconds, for 100,000 chunks a few seconds, so nothing more is stored on disk.
"""

from __future__ import annotations

import bm25s
import Stemmer

_STEMMER = Stemmer.Stemmer("english")


def _tokens(texts: list[str]):
    return bm25s.tokenize(texts, stopwords="en", stemmer=_STEMMER, show_progress=False)


class LexicalIndex:
    """BM25 scores for rows; a chunk scores as its best row."""

    def __init__(self, texts: list[str], rows: list[int]) -> None:
        self.rows = rows
        self._bm25 = bm25s.BM25()
        self._bm25.index(_tokens(texts), show_progress=False)
        self._n = len(texts)

    def search(self, query: str, k: int) -> list[tuple[int, float]]:
        """The best ``k`` chunks as (chunk index, BM25 score), best first; only chunks that
        share a word with the query."""
        tokens = _tokens([query])
        if not tokens.ids or not tokens.ids[0]:
            return []
        depth = min(self._n, max(k * 8, 32))
        docs, scores = self._bm25.retrieve(tokens, k=depth, show_progress=False)
        best: dict[int, float] = {}
        for row, score in zip(docs[0], scores[0], strict=True):
            if score <= 0:
                continue
            chunk = self.rows[int(row)]
            best.setdefault(chunk, float(score))
        return sorted(best.items(), key=lambda kv: -kv[1])[:k]
