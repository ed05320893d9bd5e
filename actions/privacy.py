"""Answering "what do you keep?" and "who can see what I write?" with the true text
(``store.notice``), for the channel the practitioner is using."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.base import PraxisAction
from store.notice import what_is_kept

CHANNELS = {"socketio": "web", "teams": "teams"}


class ActionPrivacy(PraxisAction):
    def name(self) -> str:
        return "action_privacy"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: dict[str, Any]) -> list[dict[str, Any]]:
        channel = CHANNELS.get(tracker.get_latest_input_channel() or "", "")
        dispatcher.utter_message(text=what_is_kept(self.settings.retention_days, channel))
        return []
