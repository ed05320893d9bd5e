"""Nearest-neighbour benchmark for the retrieval index: exact search against IVF and HNSW.

``python -m bench.ann [--sizes N ...] [--queries Q] [--seed S]`` prints, for each index type and
database size, the single-query latency (p50 and p95 in milliseconds, one query at a time as the
chatbot sends them, FAISS default thread count), recall@10 against exact search, the build time
and the search parameter chosen. For IVF (``nprobe``) and HNSW (``efSearch``) the smallest setting
that reaches the target recall@10 is chosen, so the latencies compare indexes at equal quality.

Similarity is cosine, computed as inner product on unit vectors, as in the knowledge index. The
vectors are synthetic but shaped like sentence embeddings: unit vectors drawn from a mixture of
Gaussians around random unit centroids (topics), not uniform noise. Uniform random vectors in 384
dimensions are all nearly orthogonal, so every index finds "neighbours" that mean nothing and IVF
has no cluster structure to exploit; clustered data gives both the locality ANN indexes rely on
and dense regions where telling the true top-10 apart is hard. Queries come from the same mixture
but are not in the database.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Sequence
from typing import Any

import faiss
import numpy as np

CENTROIDS = 1_000  # topics in the mixture
SPREAD = (0.5, 1.25)  # range of per-topic noise norms (cosine to the centroid ~0.9 to ~0.6)
BLOCK = 50_000  # rows generated at a time
TRAIN_MAX = 50_000  # IVF training sample
WARMUP = 5  # untimed queries before each latency measurement
NPROBES = (1, 2, 4, 8, 16, 32, 64, 128)
EF_SEARCHES = (16, 32, 64, 128, 256, 512)
HNSW_M = 16
HNSW_EF_CONSTRUCTION = 40


def _sample(
    rng: np.random.Generator, centroids: np.ndarray, spreads: np.ndarray, weights: np.ndarray,
    n: int,
) -> np.ndarray:
    """Draw ``n`` unit vectors from the Gaussian mixture.

    Args:
        rng: Seeded generator.
        centroids: (c, dim) unit topic centroids.
        spreads: (c,) expected norm of the isotropic noise added to each centroid.
        weights: (c,) topic probabilities.
        n: Number of vectors.

    Returns:
        A (n, dim) C-contiguous float32 array of unit vectors, filled block by block so peak
        memory stays near the size of the result.
    """
    dim = centroids.shape[1]
    out = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, BLOCK):
        rows = min(BLOCK, n - start)
        topic = rng.choice(len(centroids), size=rows, p=weights)
        block = rng.standard_normal((rows, dim), dtype=np.float32)
        block *= spreads[topic, None] / np.float32(math.sqrt(dim))
        block += centroids[topic]
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start : start + rows] = block
    return out


def make_data(n: int, dim: int, queries: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Build a database and a query set from one seeded mixture.

    Topics differ in size (log-normal weights) and tightness (``SPREAD``), as real topics do.
    The mixture and the queries depend only on ``seed`` and ``dim``, so every size is measured
    with the same queries against databases drawn from the same distribution.

    Args:
        n: Database size.
        dim: Vector dimension.
        queries: Number of queries.
        seed: Seed for ``numpy.random.default_rng``.

    Returns:
        ``(database, queries)``, both float32 arrays of unit rows.
    """
    rng = np.random.default_rng(seed)
    centroids = rng.standard_normal((CENTROIDS, dim), dtype=np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    spreads = rng.uniform(*SPREAD, size=CENTROIDS).astype(np.float32)
    weights = rng.lognormal(0.0, 1.0, size=CENTROIDS)
    mixture = (centroids, spreads, weights / weights.sum())
    xq = _sample(np.random.default_rng([seed, 1]), *mixture, queries)
    xb = _sample(np.random.default_rng([seed, 2]), *mixture, n)
    return xb, xq


def recall_at_k(approx: np.ndarray, exact: np.ndarray) -> float:
    """Mean over queries of |approx top-k ∩ exact top-k| / k (ids of -1 never match)."""
    hits = (approx[:, :, None] == exact[:, None, :]).any(axis=2).sum(axis=1)
    return float(np.mean(hits / exact.shape[1]))


def latency_ms(index: faiss.Index, xq: np.ndarray, k: int) -> tuple[float, float]:
    """Time single-query searches and return their (p50, p95) in milliseconds.

    Args:
        index: A built index with its search parameter already set.
        xq: Queries; each is searched on its own, after ``WARMUP`` untimed queries.
        k: Neighbours per query.
    """
    for i in range(min(WARMUP, len(xq))):
        index.search(xq[i : i + 1], k)
    times = np.empty(len(xq))
    for i in range(len(xq)):
        start = time.perf_counter()
        index.search(xq[i : i + 1], k)
        times[i] = time.perf_counter() - start
    p50, p95 = np.percentile(times * 1000.0, [50, 95])
    return float(p50), float(p95)


def _tune(
    index: faiss.Index, name: str, values: Sequence[int], xq: np.ndarray, exact: np.ndarray,
    target: float,
) -> tuple[int, float]:
    """Set search parameter ``name`` to the smallest value reaching ``target`` recall@k.

    Returns:
        The value left set (the largest tried if none reaches ``target``) and its recall@k.
    """
    space = faiss.ParameterSpace()
    for value in values:
        space.set_index_parameter(index, name, value)
        recall = recall_at_k(index.search(xq, exact.shape[1])[1], exact)
        if recall >= target:
            break
    return value, recall


def _result(
    index: faiss.Index, xq: np.ndarray, k: int, recall: float, build_s: float,
    params: dict[str, int],
) -> dict[str, Any]:
    """Time single queries on ``index`` and assemble one result entry."""
    p50, p95 = latency_ms(index, xq, k)
    return {"p50": round(p50, 4), "p95": round(p95, 4), "recall_at_10": round(recall, 4),
            "build_s": round(build_s, 3), "params": params}


def _ivf(xb: np.ndarray, seed: int) -> tuple[faiss.Index, float]:
    """Train (on at most ``TRAIN_MAX`` rows) and fill an IVF index; return it and its build time."""
    n, dim = xb.shape
    start = time.perf_counter()
    nlist = max(1, round(4 * math.sqrt(n)))
    index = faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.seed = seed
    sample = np.random.default_rng(seed).choice(n, size=min(n, TRAIN_MAX), replace=False)
    index.train(xb[np.sort(sample)])
    index.add(xb)
    return index, time.perf_counter() - start


def _hnsw(xb: np.ndarray) -> tuple[faiss.Index, float]:
    """Build an HNSW graph over ``xb``; return it and its build time."""
    start = time.perf_counter()
    index = faiss.IndexHNSWFlat(xb.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.add(xb)
    return index, time.perf_counter() - start


def measure(
    sizes: Sequence[int] = (10_000, 100_000, 1_000_000), dim: int = 384, queries: int = 200,
    k: int = 10, seed: int = 0, target_recall: float = 0.95, hnsw_max: int = 100_000,
) -> dict[str, dict[str, dict[str, Any]]]:
    """Measure exact, IVF and HNSW search on clustered unit vectors for each database size.

    Args:
        sizes: Database sizes.
        dim: Vector dimension (384, as all-MiniLM-L6-v2).
        queries: Queries per size, used both for tuning and for the latency percentiles.
        k: Neighbours per query (recall is reported as ``recall_at_10`` for the default 10).
        seed: Seed for the synthetic data and the IVF sample and k-means.
        target_recall: Recall@k the IVF and HNSW search parameters are tuned to reach.
        hnsw_max: Largest size HNSW is built for: at 1,000,000 vectors its build alone took
            about 164 s here (IVF: about 35 s) and would push `make bench` past its budget.

    Returns:
        ``{"flat"|"ivf"|"hnsw": {str(size): {"p50", "p95", "recall_at_10", "build_s",
        "params"}}}`` with latencies in milliseconds and build times in seconds.
    """
    out: dict[str, dict[str, dict[str, Any]]] = {"flat": {}, "ivf": {}, "hnsw": {}}
    for n in sizes:
        xb, xq = make_data(n, dim, queries, seed)
        start = time.perf_counter()
        index = faiss.IndexFlatIP(dim)
        index.add(xb)
        build_s = time.perf_counter() - start
        exact = index.search(xq, k)[1]
        out["flat"][str(n)] = _result(index, xq, k, 1.0, build_s, {})
        del index  # each index holds a copy of xb: keep one alive at a time

        index, build_s = _ivf(xb, seed)
        nprobes = [p for p in NPROBES if p <= index.nlist]
        nprobe, recall = _tune(index, "nprobe", nprobes, xq, exact, target_recall)
        params = {"nlist": index.nlist, "nprobe": nprobe}
        out["ivf"][str(n)] = _result(index, xq, k, recall, build_s, params)
        del index

        if n > hnsw_max:
            del xb
            continue
        index, build_s = _hnsw(xb)
        ef, recall = _tune(index, "efSearch", EF_SEARCHES, xq, exact, target_recall)
        params = {"M": HNSW_M, "efConstruction": HNSW_EF_CONSTRUCTION, "efSearch": ef}
        out["hnsw"][str(n)] = _result(index, xq, k, recall, build_s, params)
        del index, xb
    return out


def main(argv: Sequence[str] | None = None) -> None:
    """Parse the command line, run :func:`measure` and print its result as JSON."""
    parser = argparse.ArgumentParser(prog="bench.ann", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.sizes, queries=args.queries, seed=args.seed), indent=2))


if __name__ == "__main__":
    main()
