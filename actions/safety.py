"""Meeting a message that signals distress: a kind reply and signposting, never the next prompt."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import PraxisAction


def support_message(crisis_line: str, staff_support: str) -> str:
    return (
        "I'm sorry things feel this hard right now, and thank you for saying so. "
        "You don't have to work through this on your own, and this reflection can wait.\n\n"
        f"If you'd like to talk to someone now, you can contact {crisis_line}. "
        f"You can also reach {staff_support}. "
        "If you are in danger or might act on thoughts of harming yourself, call 999 or go to "
        "A&E.\n\n"
        "I've paused the reflection. Whenever you feel ready, say \"continue\"; "
        "or if I've misread you, just say so and we'll carry on."
    )


class ActionSupport(PraxisAction):
    """The kind reply with the configured crisis line and staff support."""

    def name(self) -> str:
        return "action_support"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        s = self.settings
        dispatcher.utter_message(text=support_message(s.crisis_line, s.staff_support))
        return []
