"""Pushing a trainer's next prompt to every participant of a group session, at once.

``POST /webhooks/group/push`` with ``{"senders": [{"sender_id": ..., "channel": ...}]}`` and the
bearer token the web app derives from the same session key (``Settings.group_push_token``). For each
participant it does what Rasa's ``trigger_intent`` endpoint does: under the conversation's lock,
the ``group_next`` intent is added as an external event and the bot's answer (the next prompt)
goes out on the participant's own channel: their widget's socket.io room, or a proactive message
into their Teams conversation. A participant whose latest message was met with a safety reply
is not sent it ("held"): the prompt waits until they go back to the session themselves. Rasa's
HTTP API stays off; only this one call is open, and only to
the token's holder.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import (
    CollectingOutputChannel,
    InputChannel,
    OutputChannel,
    UserMessage,
)
from rasa.shared.core.events import UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from sanic import Blueprint, response
from sanic.request import Request

from bot.resilience import ActionServerUnavailable
from praxis import config

logger = logging.getLogger(__name__)

NEXT_INTENT = "group_next"
SAFETY_INTENT = "distress"
MAX_SENDERS = 200  # per request: the web app sends a large session in batches
AT_ONCE = 8  # participants served at the same time (each is one turn of the dialogue)


def held_for_safety(tracker: DialogueStateTracker) -> bool:
    """Whether the participant's latest own message was met with a safety reply: then the
    trainer's next prompt waits until they go on themselves ("back to the session")."""
    for event in reversed(tracker.events):
        if isinstance(event, UserUttered) and not (event.metadata or {}).get("is_external"):
            return (event.intent or {}).get("name") == SAFETY_INTENT
    return False


def reference(tracker: DialogueStateTracker) -> dict[str, Any] | None:
    """The Teams conversation reference of the participant's latest message from Teams. Only
    the Teams channel's own messages are believed: it stored the reference (kept server-side,
    in the tracker store) from an activity whose Bot Framework token it validated, serviceUrl
    included. Metadata from any other channel never names where a message goes."""
    for event in reversed(tracker.events):
        if (isinstance(event, UserUttered) and event.input_channel == "teams"
                and not (event.metadata or {}).get("is_external")):
            return (event.metadata or {}).get("reference")
    return None


class GroupPush(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "group"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        token = config.get().group_push_token
        bp = Blueprint("group_push", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> Any:
            return response.json({"status": "ok"})

        @bp.route("/push", methods=["POST"])
        async def push(request: Request) -> Any:
            given = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
            if not hmac.compare_digest(given.encode(), token.encode()):
                return response.json({"error": "not allowed"}, status=401)
            try:
                body = request.json
            except Exception:
                body = None
            senders = body.get("senders") if isinstance(body, dict) else None
            if not isinstance(senders, list) or len(senders) > MAX_SENDERS or not all(
                    isinstance(s, dict) and isinstance(s.get("sender_id"), str)
                    and isinstance(s.get("channel"), str) for s in senders):
                return response.json({"error": "expected {\"senders\": [{\"sender_id\", "
                                      "\"channel\"}]}"}, status=400)
            agent = getattr(request.app.ctx, "agent", None)
            if agent is None or not agent.is_ready():
                return response.json({"error": "the server is still starting"}, status=503)
            channels = {c.name(): c for c in getattr(request.app.ctx, "input_channels", [])}
            gate = asyncio.Semaphore(AT_ONCE)

            async def one(s: dict[str, str]) -> str:
                async with gate:
                    try:
                        return await self._push(agent, channels, s["sender_id"], s["channel"])
                    except (Exception, ActionServerUnavailable):  # one fault stops no one else
                        logger.exception("a group prompt could not be pushed")
                        return "failed"

            done = await asyncio.gather(*(one(s) for s in senders))
            return response.json({k: done.count(k) for k in ("pushed", "held", "failed")})

        return bp

    @staticmethod
    async def _push(agent: Any, channels: dict[str, InputChannel], sender_id: str,
                    channel: str) -> str:
        """Push the next prompt to one participant: "pushed", or "held" for safety."""
        async with agent.lock_store.lock(sender_id):
            tracker = await agent.processor.fetch_tracker_and_update_session(sender_id)
            if held_for_safety(tracker):
                return "held"
            output: OutputChannel | None = None
            if channel == "teams" and "teams" in channels:
                output = channels["teams"].output_for(reference(tracker) or {})
            elif channel in channels:
                output = channels[channel].get_output_channel()
            await agent.trigger_intent(NEXT_INTENT, [], output or CollectingOutputChannel(),
                                       tracker)
            return "pushed"
