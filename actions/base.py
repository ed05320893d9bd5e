"""Shared behaviour of Praxis actions: access to the retriever and the settings, and whose
conversation a tracker is."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

import numpy as np
from rasa_sdk import Action, Tracker

from actions.depth import DepthEstimator
from actions.retrieval import Retriever, depth_estimator, knowledge_base
from praxis import config
from store.reflections import Owner


class ReportAccess:
    """The retriever, settings and depth estimate an action uses. Each can be passed in (tests
    do); by default they are the process's own."""

    def __init__(self, retriever: Retriever | None = None,
                 settings: config.Settings | None = None,
                 depth: DepthEstimator | None = None,
                 embed: Callable[[list[str]], np.ndarray] | None = None) -> None:
        self._retriever = retriever
        self._settings = settings
        self._depth = depth
        self._embed = embed

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            self._retriever = knowledge_base()
        return self._retriever

    @property
    def settings(self) -> config.Settings:
        return self._settings or config.get()

    @property
    def depth(self) -> DepthEstimator:
        if self._depth is None:
            self._depth = depth_estimator()
        return self._depth

    @property
    def embed(self) -> Callable[[list[str]], np.ndarray]:
        """The knowledge base's embedder: texts to normalised vectors."""
        if self._embed is None:
            self._embed = knowledge_base().embedder.embed
        return self._embed


class PraxisAction(ReportAccess, Action, ABC):
    """Base of Praxis actions. Abstract, so the action server does not register it."""

    @abstractmethod
    def name(self) -> str: ...


def owner_of(tracker: Tracker) -> Owner:
    """Whose conversation this is, and when the turn being answered began (so that a deletion
    that came after it wins over its writes)."""
    started = next((e.get("timestamp") for e in reversed(tracker.events)
                    if e.get("event") == "user"), None)
    return Owner(tracker.sender_id, tracker.get_latest_input_channel() or "unknown",
                 float(started) if isinstance(started, (int, float)) else None)
