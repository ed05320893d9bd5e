"""Grouping a prompt's shared answers into themes by what they say.

The answers' embeddings (stored with them when they were given) are clustered by average-linkage
agglomerative clustering on cosine distance, cut where groups stop being alike
(``DISTANCE``), so the number of groups follows the answers rather than being fixed. Each group
is labelled with its most central answer: the one most like the rest of its group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import AgglomerativeClustering

DISTANCE = 0.75  # average cosine distance at which two groups are kept apart
LABEL_WORDS = 12


@dataclass(frozen=True)
class Cluster:
    label: str  # a short label: the start of its most central answer
    central: int  # the index of that answer
    members: tuple[int, ...]  # indices of its answers, most central first


def short(text: str, words: int = LABEL_WORDS) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else "")


def cluster(vectors: list[list[float]], texts: list[str],
            distance: float = DISTANCE) -> list[Cluster]:
    """Clusters of the answers, largest first (ties: in order of their first answer)."""
    if not vectors:
        return []
    x = np.asarray(vectors, dtype="float32")
    x /= np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-9)
    if len(x) == 1:
        labels = np.zeros(1, dtype=int)
    else:
        labels = AgglomerativeClustering(n_clusters=None, metric="cosine", linkage="average",
                                         distance_threshold=distance).fit_predict(x)
    out = []
    for label in dict.fromkeys(labels.tolist()):
        members = np.flatnonzero(labels == label)
        similarity = (x[members] @ x[members].T).mean(axis=1)
        order = members[np.argsort(-similarity, kind="stable")]
        central = int(order[0])
        out.append(Cluster(short(texts[central]), central, tuple(int(i) for i in order)))
    return sorted(out, key=lambda c: (-len(c.members), min(c.members)))
