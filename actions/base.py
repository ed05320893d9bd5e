"""Shared behaviour of Praxis actions: access to the retriever and the settings."""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action

from actions.depth import DepthEstimator
from actions.retrieval import Retriever, depth_estimator, knowledge_base
from praxis import config


class ReportAccess:
    """The retriever, settings and depth estimate an action uses. Each can be passed in (tests
    do); by default they are the process's own."""

    def __init__(self, retriever: Retriever | None = None,
                 settings: config.Settings | None = None,
                 depth: DepthEstimator | None = None) -> None:
        self._retriever = retriever
        self._settings = settings
        self._depth = depth

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


class PraxisAction(ReportAccess, Action, ABC):
    """Base of Praxis actions. Abstract, so the action server does not register it."""

    @abstractmethod
    def name(self) -> str: ...
