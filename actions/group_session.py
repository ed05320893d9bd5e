"""A participant's side of a trainer's group session: joining with a code, consent, the prompts,
and changing one's mind.

``group_form`` asks, once, whether answers may be shown to the trainer anonymously (the default
is private), then the session's prompts (``actions.themes.session_prompts``). Self-paced, it
moves through them in order; trainer-paced, it waits after each answer until the trainer
releases the next prompt, which arrives as the ``group_next`` intent pushed by the Rasa server
(``bot/channels/group.py``). Each answer is related to the report like a solo reflection's; it
is stored for the trainer only when the participant shares (``store.group_sessions``).
"""

from __future__ import annotations

import asyncio
import re
from abc import ABC
from typing import Any

from rasa_sdk import FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions import grounding
from actions.base import PraxisAction, ReportAccess, owner_of
from actions.citations import message
from actions.journal import entity
from actions.reflection import MIN_WORDS
from actions.themes import STEPS, THEMES, SessionPrompt, session_prompts
from knowledge.chunking import Chunk
from store import codes, group_sessions
from store.group_sessions import JoinRefused, Place
from store.reflections import Forgotten

ACTIVE, CONSENT, ANSWER = "group_active", "group_consent", "group_answer"
ASKED = "group_prompt"  # the prompt last asked: an answer is for that one
UNAVAILABLE = "Sorry, I can't reach the session just now. Please try again in a minute."
# A clear yes or no is the whole message, not a word in it ("ok, but who sees them?" is a
# question, not consent).
_YES = (r"(yes|yeah|yep|yup|sure|ok|okay|fine)( please| then| thanks| thank you)?"
        r"|(yes|ok|okay|sure)?,? ?(please )?share( them| it| my answers)?( anonymously)?"
        r"|(i'?m |i am )?happy to share( them| my answers)?|i agree|i consent|that'?s fine")
_NO = (r"(no|nope|nah)( thanks| thank you)?|(no,? )?keep (them|it|my answers) private"
       r"|(no,? )?private( please)?|(i'?d )?rather not|don'?t share( them| my answers)?"
       r"|(please )?(do not|don'?t) show (them|my answers)( to (the|my) trainer)?|i don'?t consent")
YES = re.compile(rf"\s*({_YES})\s*[.!]*\s*", re.I)
NO = re.compile(rf"\s*({_NO})\s*[.!]*\s*", re.I)
UNCLEAR = ("I'll keep your answers private unless you choose to share them. Please choose one of "
           "the two buttons, or say \"yes, share\" or \"no, keep them private\".")


def prompts_of(place: Place) -> list[SessionPrompt]:
    return session_prompts(place.themes, place.closing_question)


def consent_in(text: str) -> bool | None:
    """True for a clear yes (the Yes button, or a message that is only a yes), False for a clear
    no; None for anything else (a question, a yes with a but), which is asked again while the
    answers stay private."""
    if text.startswith("/"):
        return True if text.startswith("/affirm") else False if text.startswith("/deny") else None
    if YES.fullmatch(text):
        return True
    if NO.fullmatch(text):
        return False
    return None


def sharing_note(shares: bool) -> str:
    if shares:
        return ("Thank you. Your answers will be shown to your trainer as a numbered "
                "participant, never with your name. Say \"keep my answers private\" at any "
                "time to stop, or \"withdraw my answer\" to take one back.")
    return ("Your answers stay private: your trainer sees only how far you have got. Say "
            "\"share my answers\" if you change your mind.")


class GroupAction(PraxisAction, ABC):
    """Reads and writes the session off the event loop, and says so plainly when the store
    cannot be reached. Abstract: each subclass does one job."""

    async def store(self, dispatcher: CollectingDispatcher, call: Any, *args: Any) -> Any:
        try:
            return await asyncio.to_thread(call, *args, self.settings)
        except SQLAlchemyError:
            dispatcher.utter_message(text=UNAVAILABLE)
            return None


class ActionJoinSession(GroupAction):
    """Join the session whose code the participant typed ("join ABCD2345") or followed a link
    with; a wrong, ended or expired code is refused with the reason."""

    def name(self) -> str:
        return "action_join_session"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        code = entity(tracker, "session_code")
        if not code:
            dispatcher.utter_message(text="To join your trainer's session, type \"join\" and "
                                     "the code they gave you, for example \"join ABCD2345\".")
            return [SlotSet(ACTIVE, False)]
        try:
            place = await asyncio.to_thread(group_sessions.join, str(code), owner_of(tracker),
                                            self.settings)
        except JoinRefused as refused:
            dispatcher.utter_message(text=str(refused))
            return [SlotSet(ACTIVE, False)]
        except Forgotten:  # deleted while this turn ran: nothing comes back
            return [SlotSet(ACTIVE, False)]
        except SQLAlchemyError:
            dispatcher.utter_message(text=UNAVAILABLE)
            return [SlotSet(ACTIVE, False)]
        pacing = ("Your trainer releases each prompt in turn" if place.trainer_paced
                  else "You go through the prompts at your own pace")
        n = len(prompts_of(place))
        dispatcher.utter_message(text=f"Welcome to “{place.title}”. {pacing} ({n} prompts in "
                                 f"all). To your trainer you are Participant {place.number}.")
        consent = None if place.shares is None else ("share" if place.shares else "private")
        # a reflection in progress is kept (paused), to be continued after the session
        return [SlotSet(ACTIVE, True), SlotSet(CONSENT, consent), SlotSet(ANSWER, None),
                SlotSet(ASKED, None)]


class ActionOfferSession(GroupAction):
    """A join link was followed (``?session=CODE``): ask before joining, and say that a
    reflection in progress is kept, to be continued after the session."""

    def name(self) -> str:
        return "action_offer_session"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        code = entity(tracker, "session_code")
        if not code:
            return []
        try:
            title = await asyncio.to_thread(group_sessions.title_for, str(code), self.settings)
        except JoinRefused as refused:
            dispatcher.utter_message(text=str(refused))
            return []
        except SQLAlchemyError:
            dispatcher.utter_message(text=UNAVAILABLE)
            return []
        theme = THEMES.get(tracker.get_slot("theme") or "")
        kept = (f" Your reflection on {theme.title.lower()} so far will be kept: say "
                "\"continue\" after the session to go on with it."
                if theme and any(tracker.get_slot(s) for s in STEPS) else "")
        join = f'/join_session{{"session_code": "{codes.normalise(str(code))}"}}'
        dispatcher.utter_message(text=f"Join the session “{title}” now?{kept}",
                                 buttons=[{"title": "Join now", "payload": join},
                                          {"title": "Not now", "payload": "/decline_session"}])
        return []


class ActionAskGroupConsent(PraxisAction):
    def name(self) -> str:
        return "action_ask_group_consent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        dispatcher.utter_message(
            text="Before we start: may your answers in this session be shown to your trainer, "
            "anonymously? They would appear as a numbered participant, never with your name, "
            "grouped with the others'. In a small team, though, the details of an answer (a "
            "role, a meeting, a decision) can show who wrote it, so leave out what would "
            "identify you or anyone else. If you say no, they stay private and the trainer sees "
            "only how far you have got. You can change your mind at any time.",
            buttons=[{"title": "Yes, share anonymously", "payload": "/affirm"},
                     {"title": "No, keep them private", "payload": "/deny"}])
        return []


class ActionAskGroupAnswer(GroupAction):
    """The participant's current prompt; the first prompt of a theme quotes its finding."""

    def name(self) -> str:
        return "action_ask_group_answer"

    def theme_finding(self, prompt: SessionPrompt) -> Chunk | None:
        if not prompt.theme or prompt.step != "answer_what":
            return None
        return self.retriever.section(THEMES[prompt.theme].section)

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        place = await self.store(dispatcher, group_sessions.place, owner_of(tracker))
        if place is None:
            return []
        if place.prompt is None:
            dispatcher.utter_message(text=waiting_text(place))
            return []
        prompt = prompts_of(place)[place.prompt]
        head = f"**Prompt {prompt.index + 1} · {prompt.label}** "
        chunk = self.theme_finding(prompt)
        if chunk is not None:
            dispatcher.utter_message(**message("The report finds: ", chunk,
                                               f"\n\n{head}{prompt.text}"))
        else:
            dispatcher.utter_message(text=f"{head}{prompt.text}")
        return [SlotSet(ASKED, float(prompt.index))]


def waiting_text(place: Place) -> str:
    if place.ended:
        return f"“{place.title}” has ended. Thank you for taking part."
    if place.done:
        return (f"That was the last prompt of “{place.title}”. Thank you for taking part; "
                "your trainer will close the session.")
    return ("Thank you, your answer is in. The next prompt will appear here when your trainer "
            "moves on.")


class ValidateGroupForm(ReportAccess, FormValidationAction):
    def name(self) -> str:
        return "validate_group_form"

    async def validate_group_consent(self, value: Any, dispatcher: CollectingDispatcher,
                                     tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None:  # cleared on joining: the form asks
            return {CONSENT: None}
        if value in ("share", "private"):  # already decided in this session
            return {CONSENT: value}
        shares = consent_in(str(value or ""))
        if shares is None:  # not a clear answer: private until it is, and asked again
            dispatcher.utter_message(text=UNCLEAR)
            return {CONSENT: None}
        try:
            await asyncio.to_thread(group_sessions.set_sharing, owner_of(tracker), shares,
                                    self.settings)
        except SQLAlchemyError:
            dispatcher.utter_message(text=UNAVAILABLE)
            return {CONSENT: None}
        dispatcher.utter_message(text=sharing_note(shares))
        return {CONSENT: "share" if shares else "private"}

    async def validate_group_answer(self, value: Any, dispatcher: CollectingDispatcher,
                                    tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value is None:  # cleared for the next prompt: the form asks it
            return {ANSWER: None}
        if ((tracker.active_loop or {}).get("name") != "group_form"
                and tracker.get_slot("requested_slot") != ANSWER):
            return {ANSWER: value}  # the form is restarting: this answer is in already
        return await self.take_answer(str(value), dispatcher, tracker)

    async def take_answer(self, text: str, dispatcher: CollectingDispatcher, tracker: Tracker,
                          share: bool = True) -> dict[str, Any]:
        """Record the answer to the prompt that was asked (shown to the trainer only when the
        participant shares and ``share``), relate it to the report; the slots to set."""
        text = text.strip()
        owner = owner_of(tracker)
        try:
            place = await asyncio.to_thread(group_sessions.place, owner, self.settings)
            if place is None or place.prompt is None:  # ended, or waiting for the trainer
                if place is not None:
                    dispatcher.utter_message(text=waiting_text(place))
                return {ANSWER: "-", **({} if place else {ACTIVE: False})}
            if len(text.split()) < MIN_WORDS:
                dispatcher.utter_message(text="Could you say a little more? A sentence or two "
                                         "is plenty.")
                return {ANSWER: None}
            asked = tracker.get_slot(ASKED)
            prompt = int(asked) if asked is not None else place.prompt
            asked_prompt = next((p for p in prompts_of(place) if p.index == prompt), None)
            link = grounding.relate(self.retriever, self.embed, text,
                                    asked_prompt.theme if asked_prompt else "",
                                    self.settings.link_threshold)
            findings = [link.chunk.section] if link.chunk else []
            passage = link.chunk.chunk_id if link.chunk else ""
            vector = [round(float(x), 5) for x in self.embed([text])[0]]
            new, kept = await asyncio.to_thread(group_sessions.record, owner, prompt, text,
                                                vector, findings, passage, self.settings,
                                                share)
        except SQLAlchemyError:
            dispatcher.utter_message(text=UNAVAILABLE)
            return {ANSWER: None}
        buttons = ([{"title": "Withdraw this answer",
                     "payload": f'/group_withdraw{{"answer_id":"{kept}"}}'}] if kept else [])
        # a theme's finding is quoted in full with its first prompt, so here only the sentence
        dispatcher.utter_message(**grounding.reply(link, first_time=False), buttons=buttons)
        return {ANSWER: None if new.prompt is not None else text}


class ActionGroupWait(GroupAction):
    """After the last answer the form takes: wait for the trainer, or the end."""

    def name(self) -> str:
        return "action_group_wait"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        place = await self.store(dispatcher, group_sessions.place, owner_of(tracker))
        if place is not None and tracker.get_slot(ANSWER) != "-":
            dispatcher.utter_message(text=waiting_text(place))
        return [SlotSet(ANSWER, None)]


class ActionGroupNext(GroupAction):
    """The trainer released the next prompt: clear the last answer so the form asks it."""

    def name(self) -> str:
        return "action_group_next"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        return [SlotSet(ANSWER, None)]


class ActionGroupSharing(GroupAction):
    """"Share my answers" / "keep my answers private"."""

    def name(self) -> str:
        return "action_group_sharing"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        shares = intent == "group_share"
        owner = owner_of(tracker)
        place = await self.store(dispatcher, group_sessions.place, owner)
        if place is None:
            dispatcher.utter_message(text="You're not in a group session. Your trainer can give "
                                     "you a code to join one (\"join ABCD2345\").")
            return []
        removed = await self.store(dispatcher, group_sessions.set_sharing, owner, shares)
        if removed is None:
            return []
        note = sharing_note(shares)
        if removed:
            note += (f" I removed the {removed} answer{'s' if removed > 1 else ''} you had "
                     "shared.")
        dispatcher.utter_message(text=note)
        return [SlotSet(CONSENT, "share" if shares else "private")]


class ActionGroupWithdraw(GroupAction):
    """Take back one shared answer (the one a button names, or the latest)."""

    def name(self) -> str:
        return "action_group_withdraw"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        raw = str(entity(tracker, "answer_id") or "")
        answer_id = int(raw) if re.fullmatch(r"[0-9]{1,9}", raw) else None
        done = await self.store(dispatcher, group_sessions.withdraw, owner_of(tracker),
                                answer_id)
        if done is None:
            return []
        dispatcher.utter_message(
            text="Done: that answer is no longer shown to your trainer." if done else
            "There's no shared answer of yours to withdraw.")
        return []


class ActionGroupLeave(GroupAction):
    """Leave the session: the participant's place and shared answers are removed."""

    def name(self) -> str:
        return "action_group_leave"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        left = await self.store(dispatcher, group_sessions.leave, owner_of(tracker))
        if left is None:
            return []
        dispatcher.utter_message(
            text="You've left the session, and anything you shared in it was removed. Say "
            "\"start a reflection\" for one of your own." if left else
            "You're not in a group session.")
        return [SlotSet(ACTIVE, False), SlotSet(CONSENT, None), SlotSet(ANSWER, None),
                SlotSet(ASKED, None)]
