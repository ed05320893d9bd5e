"""Answering a free question about the report by quoting it, or saying it does not cover it."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import PraxisAction
from actions.citations import TextOnly, message
from knowledge.engine import EVIDENCE_MARGIN as SECOND_PASSAGE_MARGIN


def what_it_covers() -> str:
    from actions.themes import THEMES

    findings = "; ".join(t.section for t in THEMES.values())
    return (
        "It covers the study's aims, its eight key findings "
        f"({findings}), how the study was done, and its funding."
    )


class ActionAnswerReport(PraxisAction):
    """Quote the best passage(s) for the user's question, with section and source."""

    def name(self) -> str:
        return "action_answer_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        question = (tracker.latest_message.get("text") or "").strip()
        s = self.settings
        hits, coverage = self.retriever.lookup(question, k=3)
        hits = [h for h in hits if h.score >= s.report_threshold]
        if coverage.missing and hits and replace(coverage, missing=None).covered(
                s.report_threshold, s.coverage_margin, s.verify_threshold):
            # on the subject, but asking for a detail the passages lack: say which, and show
            # what the report does say
            dispatcher.utter_message(**message(
                f"The report summary doesn't give {coverage.missing}, so I won't guess. What "
                "it does say nearest to your question: ", hits[0].chunk))
            return []
        if not coverage.covered(s.report_threshold, s.coverage_margin, s.verify_threshold):
            hits = []
        if not hits:
            dispatcher.utter_message(
                text="The report summary doesn't cover that, so I won't guess. " + what_it_covers()
            )
            return []
        best = hits[0]
        parts: list[Any] = [TextOnly("From the report: "), best.chunk]
        for other in hits[1:2]:
            if best.score - other.score <= SECOND_PASSAGE_MARGIN:
                parts += ["\n\nAlso relevant: ", other.chunk]
        dispatcher.utter_message(**message(*parts))
        return []
