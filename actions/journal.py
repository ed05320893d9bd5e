"""The practitioner's journal: their past reflections by date and theme, one opened again, what
they said last time about a theme, and which themes they have not explored yet. Only ever their
own: every read is by this conversation's sender id and channel."""

from __future__ import annotations

import asyncio
import re
from abc import ABC, abstractmethod
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.base import PraxisAction, owner_of
from actions.record import ANSWER_LABELS
from actions.themes import STEPS, THEMES, match_theme
from store import reflections
from store.models import Reflection
from store.reflections import Owner

SHOWN = 10
UNAVAILABLE = "Sorry, I can't open your journal just now. Please try again in a minute."


def when(row: Reflection) -> str:
    return f"{row.finished_at:%-d %B %Y}"


def title(row: Reflection) -> str:
    theme = THEMES.get(row.theme)
    return theme.title if theme else row.theme


def entity(tracker: Tracker, name: str) -> str | None:
    return next((e.get("value") for e in (tracker.latest_message or {}).get("entities", [])
                 if e.get("entity") == name), None)


class JournalAction(PraxisAction, ABC):
    """Reads the journal, and says so plainly when the store cannot be read. Abstract: each
    subclass answers one kind of request."""

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        try:  # the database is read off the server's event loop
            await asyncio.to_thread(self.answer, dispatcher, tracker, owner_of(tracker))
        except SQLAlchemyError:
            dispatcher.utter_message(text=UNAVAILABLE)
        return []

    @abstractmethod
    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, owner: Owner) -> None:
        ...


class ActionJournalList(JournalAction):
    """Past reflections, newest first, each a button to open it; themes explored and not."""

    def name(self) -> str:
        return "action_journal_list"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, owner: Owner) -> None:
        rows = reflections.journal(owner, self.settings)
        if not rows:
            dispatcher.utter_message(
                text="Your journal is empty so far: a reflection is kept here when you finish "
                "it. Would you like to start one?",
                buttons=[{"title": "Start a reflection", "payload": "/start_reflection"}])
            return
        lines = [f"You have {len(rows)} finished reflection{'s' * (len(rows) != 1)}:"]
        lines += [f"- {when(r)}: {title(r)}" for r in rows[:SHOWN]]
        done = {r.theme for r in rows}
        todo = [t.title for k, t in THEMES.items() if k not in done]
        lines.append("")
        lines.append("Themes you have explored: " + ", ".join(
            t.title for k, t in THEMES.items() if k in done) + ".")
        lines.append("Not yet: " + ", ".join(todo) + "." if todo else
                     "You have explored all eight themes.")
        dispatcher.utter_message(text="\n".join(lines), buttons=[
            {"title": f"Open {when(r)}: {title(r)}",
             "payload": f'/journal_open{{"reflection_id": "{r.id}"}}'} for r in rows[:SHOWN]])


class ActionJournalOpen(JournalAction):
    """One past reflection, in full, to read or download again."""

    def name(self) -> str:
        return "action_journal_open"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, owner: Owner) -> None:
        raw = str(entity(tracker, "reflection_id") or "")
        row = (reflections.one(owner, int(raw), self.settings)
               if re.fullmatch(r"[0-9]{1,9}", raw) else None)
        if row is None:
            dispatcher.utter_message(text="I can't find that reflection in your journal. Say "
                                     "\"my journal\" to see the ones you have.")
            return
        filename = f"praxis-reflection-{row.theme.replace('_', '-')}-{row.finished_at:%Y-%m-%d}.md"
        dispatcher.utter_message(text=row.markdown, json_message={
            "blocks": [{"type": "text", "text": row.markdown}],
            "reflection": {"title": f"Reflection on {title(row).lower()}", "filename": filename,
                           "markdown": row.markdown}})


class ActionJournalRecall(JournalAction):
    """What the practitioner said last time about a theme, from their own journal."""

    def name(self) -> str:
        return "action_journal_recall"

    def answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, owner: Owner) -> None:
        key = entity(tracker, "theme")
        theme = THEMES.get(key or "") or match_theme((tracker.latest_message or {}).get(
            "text") or "")
        rows = reflections.journal(owner, self.settings, theme.key if theme else None)
        if not rows:
            about = f" on {theme.title.lower()}" if theme else ""
            dispatcher.utter_message(text=f"You haven't finished a reflection{about} yet, so "
                                     "there is nothing of yours to look back on.")
            return
        row = rows[0]
        lines = [f"Last time{' on ' + title(row).lower() if theme else ''} ({when(row)}, "
                 f"{title(row)}), you wrote:"]
        lines += [f"• **{ANSWER_LABELS[s]}:** {row.answers.get(s, '')}" for s in STEPS]
        dispatcher.utter_message(text="\n".join(lines))
