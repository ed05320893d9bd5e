"""Answering a free question about the report by quoting it, or saying it does not cover it; and
saying what Praxis is for when asked for something beyond it."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import PraxisAction
from actions.citations import TextOnly, cite, message
from actions.themes import STEPS
from knowledge.chunking import Chunk, sentences_of
from knowledge.engine import EVIDENCE_MARGIN as SECOND_PASSAGE_MARGIN
from praxis.phrasing import asks_about_the_report, asks_for_something_else

# the slots a form waits on for a practitioner's answer
ANSWER_SLOTS = {"reflection_form": set(STEPS), "group_form": {"group_answer"}}


def waiting_slot(tracker: Tracker) -> str | None:
    """The slot a form waits on for the practitioner's answer, if one does."""
    slot = tracker.get_slot("requested_slot")
    return slot if slot in ANSWER_SLOTS.get((tracker.active_loop or {}).get("name") or "",
                                            set()) else None


def what_it_covers() -> str:
    from actions.themes import THEMES

    findings = "; ".join(t.section for t in THEMES.values())
    return (
        "It covers the study's aims, its eight key findings "
        f"({findings}), how the study was done, and its funding."
    )


# "what are the power zones?", "explain the early grounded theory": a question for a definition
DEFINITION = re.compile(r"^\s*(?:so\s+)?(?:what(?:'s| is| are| were| was)|define|explain|"
                        r"what do(?:es)? (?:it|they|you|the report) mean by|meaning of)\s+"
                        r"(?:the |a |an |these |those )?(?P<term>[^?]+)", re.I)


def mentioned_only(question: str, chunks: list[Chunk]) -> tuple[str, str, Chunk] | None:
    """For a question asking what a term means, where the summary only mentions the term (in a
    sentence that does not say what it is): the term, that sentence and its passage."""
    m = DEFINITION.match(question)
    if not m:
        return None
    words = re.findall(r"[a-z'-]+", m["term"].lower())
    for n in (4, 3, 2):
        for i in range(len(words) - n + 1):
            term = " ".join(words[i:i + n])
            found = [(s, c) for c in chunks if c.kind == "passage"
                     for s in sentences_of(c.text) if term in s.lower()]
            if not found:
                continue
            if any(term == c.section.lower() for c in chunks) or any(
                    re.search(rf"\b{re.escape(term)}\b\s*(?:is|are|means?|refers?|-|:)\s",
                              s.lower()) for s, _ in found):
                return None  # a finding's own title, or defined where it is used
            sentence, chunk = found[0]
            return term, sentence.lstrip("• "), chunk
    return None


class ActionAnswerReport(PraxisAction):
    """Quote the best passage(s) for the user's question, with section and source."""

    def name(self) -> str:
        return "action_answer_report"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        question = (tracker.latest_message.get("text") or "").strip()
        slot = waiting_slot(tracker)
        if slot and not asks_about_the_report(question):
            # an answer that mentions the report's subjects or wonders aloud ("why do we only
            # count appointments?"): the form, which runs next, takes it as the answer
            return [SlotSet(slot, question)]
        s = self.settings
        mention = mentioned_only(question, list(getattr(self.retriever, "chunks", [])))
        if mention:
            term, sentence, chunk = mention
            plural = term.endswith("s")
            dispatcher.utter_message(text=(
                f"The report summary mentions {term} but doesn't explain "
                f"{'what they are' if plural else 'what it is'}, so I won't guess. Where it "
                f"mentions {'them' if plural else 'it'}: “{sentence}” {cite(chunk)} The full "
                "report may say more."))
            return []
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


class ActionOutOfScope(PraxisAction):
    """A request beyond what Praxis does. While a prompt waits, a message the intent classifier
    reads as out of scope is the practitioner's answer unless it is put as a request to Praxis
    ("can you write my LinkedIn headline?"): then Praxis says what it is for, and the form,
    which runs next, asks its prompt again, nothing lost."""

    def name(self) -> str:
        return "action_out_of_scope"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        text = (tracker.latest_message.get("text") or "").strip()
        slot = waiting_slot(tracker)
        if slot and not asks_for_something_else(text):
            return [SlotSet(slot, text)]
        dispatcher.utter_message(response="utter_out_of_scope")
        return []
