"""The guided reflection: theme choice, the prompts, grounding each answer, and the summary.

One Rasa form, ``reflection_form``, runs every theme: its slots are the theme and the four steps of
"What? So what? Now what?", and the prompts come from the chosen theme (``actions.themes``). The
first prompt quotes the theme's key finding; each answer is related to the report passage closest
to what the practitioner wrote, or said plainly to go beyond the report.
"""

from __future__ import annotations

import asyncio
import logging
from abc import ABC, abstractmethod
from datetime import datetime, timezone
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import grounding
from actions.base import PraxisAction, ReportAccess, owner_of
from actions.citations import message
from actions.depth import Depth
from actions.followups import check_step, deepening_question, deeper_note, is_skip, nudge
from actions.opening import SITUATION, fitting_themes, offer_text, say_more_prompt
from actions.record import ANSWER_LABELS, Reflection
from actions.themes import MODEL_NAME, STEP_LABELS, STEPS, THEMES, Theme, match_theme
from knowledge.chunking import Chunk
from praxis.phrasing import asks_for_the_theme, is_an_answer, situation_in
from store import reflections
from store.reflections import Forgotten

log = logging.getLogger(__name__)

CITED = "findings_cited"
# A follow-up in progress: the step it is for, the answer it follows up, and its question.
FOLLOWUP_FOR, FIRST_ANSWER, FOLLOWUP_TEXT = "followup_for", "first_answer", "followup_text"
DEEPER = "depth_notes"  # where the reflection went deeper, in words
SKIP_BUTTON = [{"title": "Skip this question", "payload": "/skip"}]
MIN_WORDS = 2


def theme_buttons(first: set[str] | frozenset[str] = frozenset()) -> list[dict[str, str]]:
    """The eight themes as buttons, those keyed in ``first`` before the others."""
    ordered = sorted(THEMES.values(), key=lambda t: t.key not in first)  # a stable sort
    return [{"title": t.title, "payload": f'/choose_theme{{"theme":"{t.key}"}}'} for t in ordered]


def current_theme(tracker: Tracker) -> Theme | None:
    return THEMES.get(tracker.get_slot("theme") or "")


def cited_ids(tracker: Tracker) -> list[str]:
    return list(tracker.get_slot(CITED) or [])


class ActionAskTheme(PraxisAction):
    """Offer the eight themes as buttons; to someone who opened with their situation, the one or
    two it fits first, with a line on why (``actions.opening``)."""

    def name(self) -> str:
        return "action_ask_theme"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        situation = tracker.get_slot(SITUATION)
        if situation:
            fits = await asyncio.to_thread(fitting_themes, self.retriever, self.embed,
                                           situation, self.settings.link_threshold)
            dispatcher.utter_message(text=offer_text(fits),
                                     buttons=theme_buttons({f.theme.key for f in fits}))
            return []
        dispatcher.utter_message(
            text="Which theme would you like to reflect on? Each is one of the report's key "
            f"findings, and the reflection follows \"{MODEL_NAME}\" in four short prompts "
            "(about ten minutes).",
            buttons=theme_buttons(),
        )
        return []


class AskStep(PraxisAction, ABC):
    """Ask one step of the reflection, in the words of the chosen theme. Abstract: each
    subclass names its slot."""

    @property
    @abstractmethod
    def slot(self) -> str: ...

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    def theme_finding(self, theme: Theme) -> Chunk | None:
        chunk = self.retriever.section(theme.section)
        if chunk is None:  # sources without that section: the closest passage, if close enough
            hits = [h for h in self.retriever.search(theme.section, k=1)
                    if h.score >= self.settings.grounding_threshold and h.chunk.kind == "passage"]
            chunk = hits[0].chunk if hits else None
        return chunk

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        theme = current_theme(tracker)
        if theme is None:  # cannot happen in the form's order; ask for the theme instead
            return await ActionAskTheme(self._retriever, self._settings).run(
                dispatcher, tracker, domain)
        if tracker.get_slot(FOLLOWUP_FOR) == self.slot:
            if not _said_this_turn(tracker, tracker.get_slot(FOLLOWUP_TEXT)):
                dispatcher.utter_message(text=tracker.get_slot(FOLLOWUP_TEXT),
                                         buttons=SKIP_BUTTON)
            return []
        prompt = f"**{STEP_LABELS[self.slot]}** {theme.prompt(self.slot)}"
        situation = tracker.get_slot(SITUATION)
        if self.slot == STEPS[0] and situation:
            prompt = f"**{STEP_LABELS[self.slot]}** {say_more_prompt(situation)}"
        events: list[dict[str, Any]] = []
        if self.slot != STEPS[0]:
            dispatcher.utter_message(text=prompt)
            return events
        parts: list[str | Chunk] = [f"Let's reflect on {theme.title.lower()}."]
        chunk = self.theme_finding(theme)
        if chunk is not None:
            parts += [" The report finds: ", chunk]
            cited = cited_ids(tracker)
            if chunk.chunk_id not in cited:
                events.append(SlotSet(CITED, cited + [chunk.chunk_id]))
        parts.append("\n\nYou can ask me about the report at any point, or say \"stop\" to "
                     f"pause.\n\n{prompt}")
        dispatcher.utter_message(**message(*parts))
        return events


def _said_this_turn(tracker: Tracker, text: str | None) -> bool:
    """Whether the bot said ``text`` since the user's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return False
        if event.get("event") == "bot" and event.get("text") == text:
            return True
    return False


class ActionAskAnswerWhat(AskStep):
    slot = "answer_what"


class ActionAskAnswerSoWhat(AskStep):
    slot = "answer_so_what"


class ActionAskAnswerNowWhat(AskStep):
    slot = "answer_now_what"


class ActionAskNextStep(AskStep):
    slot = "next_step"


class ValidateReflectionForm(ReportAccess, FormValidationAction):
    """Check each answer and relate it to the report."""

    def name(self) -> str:
        return "validate_reflection_form"

    async def validate_theme(self, value: Any, dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if not value:  # cleared for a fresh start: the form asks for it
            return {"theme": None}
        waiting = tracker.get_slot("requested_slot")
        msg = tracker.latest_message or {}
        previous = theme_before_this_message(tracker)
        if (waiting in STEPS and previous and previous != value
                and is_an_answer(msg.get("text") or "", msg.get("entities") or [])):
            # an answer that names another theme's subject ("… our group sessions") set the
            # theme from its entity: the theme stays, and the message is the answer
            kept = tracker.copy()
            kept.slots["theme"] = previous
            return {"theme": previous,
                    **self.take_answer(waiting, msg.get("text") or "", dispatcher, kept)}
        text, intent = msg.get("text") or "", (msg.get("intent") or {}).get("name")
        if (waiting not in STEPS and intent == "start_reflection" and not asks_for_the_theme(text)
                and situation_in(text, msg.get("entities") or [])):
            # a theme's subject mentioned in what happened ("… our group workshop pilot") set the
            # theme from its entity: the form asks, offering the themes the situation fits
            return {"theme": None}
        theme = THEMES.get(str(value)) or match_theme(str(value))
        if theme is None:
            theme = self.theme_by_meaning(str(value))
        if theme is None:
            dispatcher.utter_message(text="I didn't catch which theme you'd like. "
                                     "Please choose one of these:")
            return {"theme": None}
        return {"theme": theme.key}

    def theme_by_meaning(self, text: str) -> Theme | None:
        """The theme whose key finding is the passage closest to ``text``, if close enough."""
        hits = self.retriever.search(text, k=1)
        if not hits or hits[0].score < self.settings.grounding_threshold:
            return None
        return next((t for t in THEMES.values() if t.section == hits[0].chunk.section), None)

    def relate(self, slot: str, answer: str, dispatcher: CollectingDispatcher,
               tracker: Tracker) -> list[str] | None:
        """Relate the answer to the report (``actions.grounding``); the updated cited list
        when a finding is quoted for the first time. A next step gets no reply here: the summary
        that follows gives it back as written and names the findings it connects with."""
        theme = current_theme(tracker)
        link = grounding.relate(self.retriever, self.embed, answer, theme.key if theme else "",
                                self.settings.link_threshold)
        cited = cited_ids(tracker)
        first = link.chunk is not None and link.chunk.chunk_id not in cited
        if slot != "next_step":
            dispatcher.utter_message(**grounding.reply(link, first))
        return cited + [link.chunk.chunk_id] if first and link.chunk else None

    def _answer(self, slot: str, value: Any, dispatcher: CollectingDispatcher,
                tracker: Tracker) -> dict[str, Any]:
        if value is None:  # cleared for a fresh start: the form asks for it
            return {slot: None}
        if ((tracker.active_loop or {}).get("name") != "reflection_form"
                and tracker.get_slot("requested_slot") != slot):
            # the form is (re)starting and checks the answers it already has: each was
            # related to the report when it was given, so nothing is said again
            return {slot: value}
        return self.take_answer(slot, str(value), dispatcher, tracker)

    def take_answer(self, slot: str, text: str, dispatcher: CollectingDispatcher,
                    tracker: Tracker) -> dict[str, Any]:
        """Check one answer, relate it to the report and note its depth; the slots to set."""
        text = text.strip()
        situation = tracker.get_slot(SITUATION) if slot == STEPS[0] else None
        if not situation:
            return self._take(slot, text, dispatcher, tracker)
        # what they opened with starts the "What?" step, and this says more (or, skipped, not)
        text = situation if is_skip(text) else f"{situation}\n\n{text}"
        return {**self._take(slot, text, dispatcher, tracker), SITUATION: None}

    def _take(self, slot: str, text: str, dispatcher: CollectingDispatcher,
              tracker: Tracker) -> dict[str, Any]:
        pending = tracker.get_slot(FOLLOWUP_FOR) == slot
        first = str(tracker.get_slot(FIRST_ANSWER) or "")
        if pending:  # the answer to a follow-up, or "skip": the step is done either way
            done = {FOLLOWUP_FOR: None, FIRST_ANSWER: None, FOLLOWUP_TEXT: None}
            if is_skip(text):
                return {slot: first, **done}
            text = text if slot == "next_step" else f"{first}\n\n{text}"
            result = {slot: text, **done}
            depth = self._depth_of(slot, text)
        else:
            if is_skip(text) or len(text.split()) < MIN_WORDS:
                dispatcher.utter_message(text="Could you say a little more? A sentence or two "
                                         "is plenty.")
                return {slot: None}
            depth = self._depth_of(slot, text)
            followup = self._followup(slot, text, tracker, depth)
            if followup:
                dispatcher.utter_message(text=followup, buttons=SKIP_BUTTON)
                return {slot: None, FOLLOWUP_FOR: slot, FIRST_ANSWER: text,
                        FOLLOWUP_TEXT: followup}
            result = {slot: text}
        if text:
            cited = self.relate(slot, text, dispatcher, tracker)
            if cited is not None:
                result[CITED] = cited
        note = deeper_note(STEP_LABELS[slot], text, depth) if depth else None
        if note:
            result[DEEPER] = list(tracker.get_slot(DEEPER) or []) + [note]
        return result

    def _depth_of(self, slot: str, text: str) -> Depth | None:
        """The answer's depth, estimated once (None where it is off or for the next step)."""
        if not self.settings.depth_estimate or slot == "next_step":
            return None
        return self.depth.estimate(text)

    def _followup(self, slot: str, text: str, tracker: Tracker,
                  depth: Depth | None) -> str | None:
        """The one follow-up this answer gets, if any: a deeper question for an answer that only
        describes, a nudge for a vague next step. A rich answer gets none."""
        if not self.settings.reflection_followups:
            return None
        if slot == "next_step":
            check = check_step(text)
            return None if check.concrete else nudge(check)
        if depth is None or not depth.descriptive_only:
            return None
        return deepening_question(tracker.get_slot("theme") or "", text)

    async def validate_answer_what(self, value: Any, dispatcher: CollectingDispatcher,
                                   tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._answer("answer_what", value, dispatcher, tracker)

    async def validate_answer_so_what(self, value: Any, dispatcher: CollectingDispatcher,
                                      tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._answer("answer_so_what", value, dispatcher, tracker)

    async def validate_answer_now_what(self, value: Any, dispatcher: CollectingDispatcher,
                                       tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._answer("answer_now_what", value, dispatcher, tracker)

    async def validate_next_step(self, value: Any, dispatcher: CollectingDispatcher,
                                 tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return self._answer("next_step", value, dispatcher, tracker)


def reset_events(theme: str | None = None,
                 situation: str | None = None) -> list[dict[str, Any]]:
    return [SlotSet(s, None) for s in STEPS] + [
        SlotSet(CITED, []), SlotSet(DEEPER, []), SlotSet(FOLLOWUP_FOR, None),
        SlotSet(FIRST_ANSWER, None), SlotSet(FOLLOWUP_TEXT, None), SlotSet("theme", theme),
        SlotSet(SITUATION, situation), SlotSet("requested_slot", None)]


def theme_before_this_message(tracker: Tracker) -> str | None:
    """The theme slot as it was before the latest message's entities set it."""
    users = [i for i, e in enumerate(tracker.events) if e.get("event") == "user"]
    theme = tracker.get_slot("theme")
    if users:
        before = [e for e in tracker.events[:users[-1]]
                  if e.get("event") == "slot" and e.get("name") == "theme"]
        theme = before[-1].get("value") if before else theme
    return theme


def opening_situation(tracker: Tracker) -> str | None:
    """What a practitioner opened a reflection with, when it says what happened: the message
    that started it, or the one they were invited to reflect on ("That sounds worth reflecting
    on") before they said yes."""
    latest = tracker.latest_message or {}
    situation = situation_in(latest.get("text") or "", latest.get("entities") or [])
    users = [e for e in tracker.events if e.get("event") == "user"]
    if situation or len(users) < 2:
        return situation
    since = tracker.events[tracker.events.index(users[-2]) + 1:]
    invited = any(e.get("event") == "action" and e.get("name") == "utter_reflect_invite"
                  for e in since)
    before = users[-2]
    return situation_in(before.get("text") or "", (before.get("parse_data") or {}).get(
        "entities") or []) if invited else None


class ActionResetReflection(PraxisAction):
    """Clear the reflection's slots for a fresh start, keeping a theme the user just named."""

    def name(self) -> str:
        return "action_reset_reflection"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        named = None
        msg = tracker.latest_message or {}
        intent = (msg.get("intent") or {}).get("name")
        waiting = tracker.get_slot("requested_slot")
        if ((tracker.active_loop or {}).get("name") == "reflection_form" and waiting in STEPS
                and is_an_answer(msg.get("text") or "", msg.get("entities") or [])):
            # an answer that names a theme's subject ("… about our group workshops") read as a
            # wish to switch theme: the theme the message's entity set is put back, and the
            # message is taken as the answer, related to the report as the form would
            kept = tracker.copy()
            kept.slots["theme"] = theme_before_this_message(tracker)
            form = ValidateReflectionForm(self._retriever, self._settings, self._depth,
                                          self._embed)
            taken = form.take_answer(waiting, msg.get("text") or "", dispatcher, kept)
            return [SlotSet("theme", kept.slots["theme"]),
                    *(SlotSet(k, v) for k, v in taken.items())]
        if intent in ("start_reflection", "choose_theme"):
            named = next((e.get("value") for e in msg.get("entities", [])
                          if e.get("entity") == "theme" and e.get("value") in THEMES), None)
        situation = None
        if intent in ("start_reflection", "affirm"):
            situation = opening_situation(tracker)
            if situation and not asks_for_the_theme(msg.get("text") or ""):
                named = None  # a subject mentioned in what happened: the fitting themes offered
        elif intent == "choose_theme" and not tracker.get_slot(STEPS[0]):
            situation = tracker.get_slot(SITUATION)  # a theme chosen from those offered for it
        return reset_events(named, situation)


class ActionCloseReflection(PraxisAction):
    """The closing summary: the user's answers, the findings cited and the next step."""

    def name(self) -> str:
        return "action_close_reflection"

    def summary(self, tracker: Tracker) -> dict[str, Any]:
        """The summary's message: its text, and the reflection as a document to download."""
        theme = current_theme(tracker)
        title = theme.title.lower() if theme else "your chosen theme"
        lines = [f"Here is your reflection on {title} ({MODEL_NAME}):", ""]
        for slot in STEPS[:3]:
            lines.append(f"• **{ANSWER_LABELS[slot]}:** {tracker.get_slot(slot)}")
        chunks = [c for c in map(self.retriever.chunk, cited_ids(tracker)) if c is not None]
        if chunks:
            sources = sorted({f"{c.citation}, “{c.source}”" if c.citation else f"“{c.source}”"
                              for c in chunks})
            lines.append("• **Findings it connects with:** "
                         + "; ".join(c.heading for c in chunks)
                         + f" ({'; '.join(sources)})")
        deeper = list(tracker.get_slot(DEEPER) or [])
        if deeper:
            lines.append("• **Where it went deeper:** " + " ".join(deeper))
        lines.append(f"• **Your next step:** {tracker.get_slot('next_step')}")
        lines += ["", "Thank you for taking the time to reflect. Would you like to reflect on "
                  "another theme?"]
        text = "\n".join(lines)
        custom: dict[str, Any] = {"blocks": [{"type": "text", "text": text}]}
        if theme is not None:
            record = self.record(tracker)
            custom["reflection"] = {"title": record.title, "filename": record.filename,
                                    "markdown": record.markdown()}
        return {"text": text, "json_message": custom}

    def record(self, tracker: Tracker) -> Reflection:
        theme = current_theme(tracker)
        assert theme is not None
        chunks = [c for c in map(self.retriever.chunk, cited_ids(tracker)) if c is not None]
        return Reflection(theme, {s: str(tracker.get_slot(s)) for s in STEPS}, chunks,
                          datetime.now(timezone.utc).date(),
                          list(tracker.get_slot(DEEPER) or []))

    def keep(self, tracker: Tracker, dispatcher: CollectingDispatcher) -> None:
        """Put the finished reflection in the practitioner's journal."""
        record = self.record(tracker)
        try:
            reflections.save(owner_of(tracker), record.theme.key, record.answers,
                             [c.heading for c in record.findings], record.deeper,
                             record.markdown(), self.settings)
        except Forgotten:  # the practitioner deleted their data while this turn ran
            log.info("a reflection finished before its owner's deletion was not kept")
        except SQLAlchemyError:
            log.exception("a finished reflection could not be stored")
            dispatcher.utter_message(text="(I couldn't keep this reflection in your journal "
                                     "just now; you can still download it.)")

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        if not all(tracker.get_slot(s) for s in STEPS):
            dispatcher.utter_message(text="Your reflection is paused. Say \"continue\" whenever "
                                     "you're ready.")
            return []
        dispatcher.utter_message(
            **self.summary(tracker),
            buttons=[{"title": "Yes, another theme", "payload": "/affirm"},
                     {"title": "No, that's all for now", "payload": "/deny"}],
        )
        if current_theme(tracker) is not None:
            await asyncio.to_thread(self.keep, tracker, dispatcher)
        return reset_events()
