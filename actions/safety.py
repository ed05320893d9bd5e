"""Meeting a message that signals trouble: the reply of its kind first, never the next prompt.

The Rasa server's guard (``bot.components.safety``) gives such a message the ``distress`` intent
and its kind (``risk_kind`` entities, most serious first; ``praxis.safety_phrases``). Each kind
has its own reply (``actions/data/support.yml``): risk to life now puts 999 and A&E first;
suicidal thoughts and serious distress name Samaritans, Shout, NHS 111, Education Support and
the institution's staff support; mistreatment at work names HR, a trade union, the employee
assistance programme and Education Support, without treating the person as unwell; stress and
burnout name the supports and offer a pause. A running reflection or group session is paused.
The report is never quoted at someone in distress.

A false alarm is recoverable: "you misread me" (a button under every reply) apologises, and the
message that set off the guard becomes the answer it was, at the step where it was written.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.base import PraxisAction
from praxis.safety_phrases import DISTRESS, KINDS, LIFE, MISTREATMENT, SUICIDAL

log = logging.getLogger(__name__)

DISTRESS_INTENT = "distress"
KIND_ENTITY = "risk_kind"
# Where the message that set off the guard was written: the form, and the step it asked.
RESUME_FORM, RESUME_STEP = "safety_resume", "safety_step"
FORMS = ("reflection_form", "group_form")
OUTSIDE = "outside"
MISREAD = {"title": "You misread me", "payload": "/misread"}
CARRY_ON = {"title": "Carry on reflecting", "payload": "/safety_continue"}
replies_sent: Counter[str] = Counter()  # this process's safety replies, by kind (never text)


@dataclass(frozen=True)
class Support:
    """The services and the replies, read from a file like ``actions/data/support.yml``."""

    services: dict[str, str]
    replies: dict[str, dict[str, Any]]
    also_mistreatment: str
    also_services: list[str]

    @classmethod
    def read(cls, path: Path, staff_support: str) -> Support:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        services = {k: str(v).replace("{staff_support}", staff_support)
                    for k, v in data["services"].items()}
        replies = data["replies"]
        for kind in KINDS:
            named = [replies[kind].get("first"), replies[kind].get("last"),
                     *replies[kind]["services"]]
            missing = [n for n in named if n and n not in services]
            if missing:
                raise ValueError(f"{path.name}: the {kind} reply names unknown services "
                                 f"{missing}")
        return cls(services, replies, data["also_mistreatment"], data["also_services"])

    def reply(self, kind: str, also: tuple[str, ...] = (), paused: str | None = None) -> str:
        """The reply for ``kind``; ``paused`` says what was paused (a reflection, a session)."""
        r = self.replies[kind]
        parts = []
        if r.get("first"):
            parts.append(self.services[r["first"]])
        parts.append(r["opening"].strip())
        parts.append("\n".join(f"- {self.services[s]}" for s in r["services"]))
        if MISTREATMENT in also and kind != MISTREATMENT:
            parts.append(self.also_mistreatment + "\n" + "\n".join(
                f"- {self.services[s]}" for s in self.also_services))
        if r.get("last"):
            parts.append(self.services[r["last"]])
        if r.get("closing"):
            parts.append(r["closing"].strip())
        if paused:
            parts.append(f"I've paused {paused}; it will keep for as long as you need. If I've "
                         "misread you, say so and we'll carry on where we were.")
        return "\n\n".join(parts)


def kinds_of(tracker: Tracker) -> tuple[str, tuple[str, ...]]:
    """The kind of the latest message (most serious first) and any further kinds. A ``distress``
    intent without a kind (the classifier's own, or a button) is met as serious distress."""
    found = [e.get("value") for e in (tracker.latest_message or {}).get("entities") or []
             if e.get("entity") == KIND_ENTITY and e.get("value") in KINDS]
    if not found:
        return DISTRESS, ()
    return found[0], tuple(k for k in found[1:] if k != found[0])


def held_message(tracker: Tracker) -> str | None:
    """The text of the message that was met with a safety reply, if it is the one just before
    the latest (an older one is not taken as an answer now)."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    if len(users) < 2:
        return None
    before = users[-2]
    intent = ((before.get("parse_data") or {}).get("intent") or {}).get("name")
    return before.get("text") if intent == DISTRESS_INTENT else None


class ActionSupport(PraxisAction):
    """The reply of the message's kind; notes where a running form was, so that it can go on."""

    def name(self) -> str:
        return "action_support"

    def support(self) -> Support:
        s = self.settings
        return Support.read(s.path(s.support_services), s.staff_support)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        kind, also = kinds_of(tracker)
        form = (tracker.active_loop or {}).get("name")
        form = form if form in FORMS else None
        paused = {"reflection_form": "the reflection",
                  "group_form": "the session for you"}.get(form or "")
        buttons = [MISREAD] if kind in (LIFE, SUICIDAL, DISTRESS) or not form else [
            CARRY_ON, MISREAD]
        dispatcher.utter_message(text=self.support().reply(kind, also, paused), buttons=buttons,
                                 json_message={"safety": kind})
        replies_sent[kind] += 1
        log.info("safety reply: %s on %s (this process so far: %s)", kind,
                 tracker.get_latest_input_channel() or "unknown",
                 ", ".join(f"{k} {replies_sent[k]}" for k in KINDS if replies_sent[k]))
        return [SlotSet(RESUME_FORM, form or OUTSIDE),
                SlotSet(RESUME_STEP, tracker.get_slot("requested_slot") if form else None)]


class ActionSafetyResume(PraxisAction):
    """"You misread me" (with an apology) or "carry on reflecting": the message that set off
    the guard is taken as the answer it was, and the form goes on from there (the rules run it
    next). Outside a form there is nothing to resume."""

    def name(self) -> str:
        return "action_safety_resume"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        from actions.group_session import ValidateGroupForm
        from actions.reflection import ValidateReflectionForm

        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        form, step = tracker.get_slot(RESUME_FORM), tracker.get_slot(RESUME_STEP)
        text = held_message(tracker)
        clear = [SlotSet(RESUME_FORM, None), SlotSet(RESUME_STEP, None)]
        sorry = "I'm sorry, I misread you." if intent == "misread" else "Of course."
        if form not in FORMS:
            dispatcher.utter_message(
                text=f"{sorry} Would you like to start a reflection, or ask me about the report?",
                buttons=[{"title": "Start a reflection", "payload": "/start_reflection"}])
            return clear
        dispatcher.utter_message(text=f"{sorry} Let's carry on where we were, with what you "
                                 "wrote as your answer.")
        access = (self._retriever, self._settings, self._depth, self._embed)
        if not text or not step or (form == "group_form" and step != "group_answer"):
            return clear  # the form asks its step again
        if form == "reflection_form":
            validator = ValidateReflectionForm(*access)
            if step == "theme":
                result = await validator.validate_theme(text, dispatcher, tracker, domain)
            else:
                result = validator.take_answer(step, text, dispatcher, tracker)
        else:
            result = await ValidateGroupForm(*access).take_answer(
                text, dispatcher, tracker, share=False)
            if tracker.get_slot("group_consent") == "share":
                dispatcher.utter_message(text="I haven't shown that answer to your trainer. "
                                         "Your next answers are shared as before.")
        return [SlotSet(k, v) for k, v in result.items()] + clear
