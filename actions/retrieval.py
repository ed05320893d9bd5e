"""The retriever the actions use, and the process-wide knowledge base behind it."""

from __future__ import annotations

import logging
import threading
from typing import Protocol

from actions.depth import DepthEstimator
from actions.risk import RiskDetector, open_detector
from knowledge.chunking import Chunk
from knowledge.engine import Coverage, Hit, KnowledgeBase
from praxis import config

log = logging.getLogger(__name__)


class Retriever(Protocol):
    """What an action needs of the knowledge base."""

    def search(self, query: str, k: int = 3) -> list[Hit]: ...

    def section(self, title: str) -> Chunk | None: ...

    def chunk(self, chunk_id: str) -> Chunk | None: ...

    def lookup(self, query: str, k: int = 3) -> tuple[list[Hit], Coverage]: ...


_lock = threading.Lock()
_kb: KnowledgeBase | None = None


def knowledge_base() -> KnowledgeBase:
    """The knowledge base of this process, loaded once on first use. It is built by
    ``praxis index`` (``make run`` does that); a missing, stale or mismatched index is refused
    with :class:`knowledge.index.IndexLoadError`, whose message names the fix."""
    global _kb
    with _lock:
        if _kb is None:
            from knowledge.embedding import Embedder

            settings = config.get()
            embedder = Embedder(settings.embedding_model, precision=settings.embedding_precision)
            _kb = KnowledgeBase.load(settings.index_path, embedder,
                                     method=settings.retrieval_method)
            if settings.verify_threshold:
                from knowledge import verifier

                _kb.verifier = verifier.load_for(_kb, settings.index_path / verifier.FOLDER)
                if _kb.verifier is None:
                    log.warning("no answer verifier for this index: run `praxis index` to "
                                "train it; until then questions are judged without it")
            log.info("knowledge base ready: %s chunks, model %s",
                     _kb.manifest.get("chunk_count"), _kb.manifest.get("model"))
        return _kb


_depth: DepthEstimator | None = None


def depth_estimator() -> DepthEstimator:
    """The depth estimate of this process, made once from the knowledge base's embedder."""
    global _depth
    kb = knowledge_base()
    with _lock:
        if _depth is None:
            _depth = DepthEstimator(kb.embedder.embed)
        return _depth


_risk: RiskDetector | None = None


def risk_detector() -> RiskDetector:
    """The risk detector of this process, made once for the knowledge base's embedder."""
    global _risk
    kb = knowledge_base()
    with _lock:
        if _risk is None:
            _risk = open_detector(kb.embedder, config.get().safety_model_path)
            log.info("risk detector ready (exemplars %s)", _risk.fingerprint)
        return _risk
