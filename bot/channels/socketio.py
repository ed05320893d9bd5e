"""The socket.io channel of the web widget: Rasa's own, made to keep a conversation.

Rasa's ``socketio`` channel is the base. This one differs where the widget needs it to:

- one ``bot_uttered`` event per bot message, carrying its text, its quick replies and its custom
  payload together (Rasa's splits a text at blank lines, sends buttons on the last piece only, and
  passes a custom payload to ``emit`` as keyword arguments, which fails);
- ``session_request`` with an earlier session id replays that conversation's history from the
  tracker store (a ``history`` event), so a reload or a dropped connection shows it again; it also
  sends the server's message limit (a ``limits`` event);
- session ids are issued by the server and signed (``SESSION_SECRET``): a client cannot choose
  one, so it cannot reach another channel's conversation (a REST or Teams sender id) or guess
  another widget user's;
- what arrives is checked before it reaches the dialogue: a session id the server issued, a
  message that is a string, not empty and within ``MAX_MESSAGE_CHARS``; anything else gets a
  clear reply and nothing is stored;
- the origins allowed to connect are ``CORS_ORIGINS`` (the widget's page), not every origin;
- with ``SOCKETIO_REDIS``, the rooms are shared between Rasa instances through Redis, so a message
  pushed on one instance (a trainer's next prompt) reaches a widget connected to another;
- ``delete_session`` deletes the conversation from the tracker store (``bot.privacy``), for the
  widget's "Delete my conversation".
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage, decode_bearer_token
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from rasa.shared.core.events import BotUttered, Restarted, UserUttered
from sanic import Blueprint, Sanic, response
from socketio import AsyncRedisManager, AsyncServer

from bot.channels.checks import (
    AddressLimiter,
    ClientAddresses,
    RateLimiter,
    Refused,
    message_text,
)
from bot.privacy import DeletionNotSupported, delete_conversation
from praxis import config

logger = logging.getLogger(__name__)

SESSION_ID = re.compile(r"[0-9a-f]{48}")
HISTORY_LIMIT = 200  # messages replayed on reconnect


def bot_message(message: dict[str, Any]) -> dict[str, Any]:
    """A bot message as the widget receives it: text, quick replies (from buttons) and custom."""
    out: dict[str, Any] = {}
    if message.get("text"):
        out["text"] = message["text"]
    buttons = message.get("quick_replies") or message.get("buttons") or []
    if buttons:
        out["quick_replies"] = [{"title": b.get("title", ""), "payload": b.get("payload", "")}
                                for b in buttons]
    if message.get("custom"):
        out["custom"] = message["custom"]
    return out


def history(events: list[Any]) -> list[dict[str, Any]]:
    """The conversation since its last restart, as the widget shows it. A button's payload is
    shown as the button's title; other slash commands (the widget's opening ``/greet``) are
    left out, and so are events from outside (a trainer's next prompt)."""
    shown: list[dict[str, Any]] = []
    titles: dict[str, str] = {}
    for event in events:
        if isinstance(event, Restarted):
            shown, titles = [], {}
        elif isinstance(event, BotUttered):
            message = bot_message({"text": event.text, **(event.data or {})})
            if message:
                titles = {b["payload"]: b["title"] for b in message.get("quick_replies", [])}
                shown.append({"from": "bot", **message})
        elif (isinstance(event, UserUttered) and event.text
              and not (event.metadata or {}).get("is_external")):  # e.g. a trainer's push
            text = titles.get(event.text, event.text)
            if not text.startswith("/"):
                shown.append({"from": "user", "text": text})
    return shown[-HISTORY_LIMIT:]


class Sessions:
    """Session ids the server issues: 32 random hex digits and 16 of their HMAC-SHA256."""

    def __init__(self, key: bytes) -> None:
        self.key = key

    def _mac(self, nonce: str) -> str:
        return hmac.new(self.key, nonce.encode(), hashlib.sha256).hexdigest()[:16]

    def issue(self) -> str:
        nonce = secrets.token_hex(16)
        return nonce + self._mac(nonce)

    def valid(self, session_id: object) -> bool:
        return (isinstance(session_id, str) and SESSION_ID.fullmatch(session_id) is not None
                and hmac.compare_digest(session_id[32:], self._mac(session_id[:32])))


class PraxisSocketIOOutput(SocketIOOutput):
    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        out = bot_message(message)
        if out:
            await self._send_message(recipient_id, out)


class _Blueprint(SocketBlueprint):
    """Keeps the Sanic app it is registered on, to reach the tracker store."""

    def register(self, app: Sanic, options: dict[str, Any]) -> None:
        self.ctx.app = app
        super().register(app, options)


class PraxisSocketIO(SocketIOInput):
    """The web widget's channel. ``credentials.yml`` takes the same keys as Rasa's."""

    @classmethod
    def name(cls) -> str:
        return "socketio"

    def get_output_channel(self) -> PraxisSocketIOOutput | None:
        return PraxisSocketIOOutput(self.sio, self.bot_message_evt) if self.sio else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        settings = config.get()
        limit = settings.max_message_chars
        sessions = Sessions(settings.session_key())
        limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        # per client address too: a client can mint session ids, not addresses
        shared = settings.redis_url if settings.socketio_redis else ""
        turns = AddressLimiter("turns", settings.address_rate_limit_per_minute,
                               settings.address_rate_limit_burst, shared)
        new_sessions = AddressLimiter("sessions", settings.new_sessions_per_minute,
                                      settings.new_sessions_burst, shared)
        addresses = ClientAddresses(settings.trusted_proxy_list)
        address_of: dict[str, str] = {}  # socket.io sid -> client address
        # several instances: rooms shared through Redis, so an emit reaches every instance
        manager = AsyncRedisManager(settings.redis_url) if settings.socketio_redis else None
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=settings.allowed_origins,
                          max_http_buffer_size=64 * 1024, client_manager=manager)
        bp = _Blueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.sio = sio
        ns = self.namespace

        async def notice(sid: str, text: str) -> None:
            await sio.emit(self.bot_message_evt, {"text": text, "custom": {"notice": True}},
                           room=sid, namespace=ns)

        @bp.route("/", methods=["GET"])
        async def health(_: Any) -> Any:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=ns)
        async def connect(sid: str, environ: dict, auth: dict | None) -> bool:
            request = environ.get("sanic.request")
            peer = request.ip if request is not None else ""
            address_of[sid] = addresses.of(peer, environ.get("HTTP_X_FORWARDED_FOR", ""))
            if not self.jwt_key:
                return True
            token = auth.get("token") if isinstance(auth, dict) else None
            return bool(token and decode_bearer_token(token, self.jwt_key, self.jwt_algorithm))

        @sio.on("disconnect", namespace=ns)
        async def disconnect(sid: str, *_: Any) -> None:
            address_of.pop(sid, None)

        @sio.on("session_request", namespace=ns)
        async def session_request(sid: str, data: Any) -> None:
            asked = data.get("session_id") if isinstance(data, dict) else None
            known = sessions.valid(asked)
            if not known and not await new_sessions.allow(address_of.get(sid, "")):
                return await notice(sid, "Too many new conversations have been started from "
                                    "your network just now. Please wait a minute, then reload "
                                    "the page.")
            session_id = asked if known else sessions.issue()
            if self.session_persistence:
                for room in sio.rooms(sid, namespace=ns):  # one conversation per connection
                    if room not in (sid, session_id):
                        await sio.leave_room(sid, room, namespace=ns)
                await sio.enter_room(sid, session_id, namespace=ns)
            await sio.emit("session_confirm", session_id, room=sid, namespace=ns)
            await sio.emit("limits", {"max_message_chars": limit}, room=sid, namespace=ns)
            shown = await self._history(bp, session_id) if known else []
            await sio.emit("history", shown, room=sid, namespace=ns)

        @sio.on("delete_session", namespace=ns)
        async def delete_session(sid: str, data: Any) -> None:
            session_id = data.get("session_id") if isinstance(data, dict) else None
            if not sessions.valid(session_id):
                return await notice(sid, "This conversation has no valid session. Please "
                                    "reload the page.")
            agent = self._agent(bp)
            try:
                if agent is None:
                    raise DeletionNotSupported("the server is still starting")
                await delete_conversation(agent, session_id)
            except Exception:  # any fault: the user is told, and can try again
                logger.exception("a conversation could not be deleted")
                return await notice(sid, "Sorry, your conversation could not be deleted just "
                                    "now. Please try again, or ask your institution's Praxis "
                                    "team.")
            await sio.leave_room(sid, session_id, namespace=ns)
            await sio.emit("session_deleted", {"session_id": session_id}, room=sid, namespace=ns)

        @sio.on(self.user_message_evt, namespace=ns)
        async def handle_message(sid: str, data: Any) -> None:
            if not isinstance(data, dict):
                return await notice(sid, "That message could not be read. Please try again.")
            if self.session_persistence:
                sender = data.get("session_id")
                if not sessions.valid(sender):
                    return await notice(sid, "This conversation has no valid session. Please "
                                        "reload the page.")
            else:
                sender = sid
            try:
                text = message_text(data.get("message"), limit)
                limiter.check(sender)
            except Refused as refused:
                return await notice(sid, str(refused))
            if not await turns.allow(address_of.get(sid, "")):
                return await notice(sid, "Many messages are arriving from your network just "
                                    "now. Please wait a minute and send that again.")
            metadata = data.get(self.metadata_key)
            message = UserMessage(
                text, PraxisSocketIOOutput(sio, self.bot_message_evt), sender,
                input_channel=self.name(),
                metadata=metadata if isinstance(metadata, dict) else {})
            await on_new_message(message)

        return bp

    @staticmethod
    def _agent(bp: _Blueprint) -> Any:
        return getattr(bp.ctx.app.ctx, "agent", None) if hasattr(bp.ctx, "app") else None

    @classmethod
    async def _history(cls, bp: _Blueprint, sender: str) -> list[dict[str, Any]]:
        agent = cls._agent(bp)
        if agent is None or agent.tracker_store is None:
            return []
        try:
            tracker = await agent.tracker_store.retrieve(sender)
        except Exception:  # a tracker store fault must not break the connection
            logger.exception("could not read the history of a conversation")
            return []
        return history(list(tracker.events)) if tracker else []
