"""The Microsoft Teams channel: ``/webhooks/teams/webhook``, the bot's messaging endpoint.

Written for Teams rather than taken from Rasa's ``botframework`` channel, whose defects for Teams
this one does not share (see the README). Each request is authenticated before anything else
(``bot.channels.botframework``): any failed check is a 401, a channel other than
``TEAMS_CHANNEL_IDS`` (msteams) or a tenant outside ``TEAMS_ALLOWED_TENANTS`` (default: the bot's
own ``TEAMS_TENANT_ID``; with neither, every tenant: it fails closed) a 403, and nothing of
either reaches the dialogue. Then:

- ``message``: the text, without ``<at>Praxis</at>`` mentions, or the payload of a card button
  (``Action.Submit`` data), goes to the dialogue; replies are threaded to it (``replyToId``);
- "delete my data": after a confirmation card, the user's data is deleted (``bot.privacy``); the
  card's buttons are bound to the person who asked, so in a group chat nobody else's click
  deletes anything;
- a safety reply in a group chat or a channel: the thread gets a short neutral line and the
  reply itself goes to the person in their personal chat with the bot;
- ``conversationUpdate`` that adds the bot: the welcome;
- anything else: acknowledged and ignored.

State: in a personal chat a conversation is the user's; in a group chat or a channel each user
keeps their own reflection (keyed by conversation and user). Sender ids are hashes of those ids, so
they stay short and say nothing about the user.
"""

from __future__ import annotations

import hashlib
import html
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.botframework import (
    AuthError,
    ConnectorClient,
    ConnectorKeys,
    TenantNotAllowed,
    TokenValidator,
)
from bot.channels.cards import activity_for
from bot.channels.checks import CONTROL, RateLimiter, Refused
from bot.channels.checks import message_text as checked_text
from bot.privacy import delete_conversation
from praxis import config

logger = logging.getLogger(__name__)

MENTION = re.compile(r"<at[^>]*>.*?</at>", re.IGNORECASE | re.DOTALL)
DELETE_ASKED = re.compile(r"(please )?delete (all )?my (data|conversation)[.!]?", re.IGNORECASE)
DELETE_CONFIRMED = "praxis:delete-confirmed"
DELETE_CANCELLED = "praxis:delete-cancelled"
WELCOME = "/greet"
# What a group chat or channel sees of a safety reply; the reply itself goes to the person.
SAFETY_NOTICE = "I've sent you a private message."


def message_text(activity: dict[str, Any]) -> str:
    """What the user said: a card button's payload, or the text without mentions of the bot."""
    value = activity.get("value")
    if isinstance(value, dict) and isinstance(value.get("payload"), str):
        return value["payload"].strip()
    text = activity.get("text")
    if not isinstance(text, str):
        return ""
    text = MENTION.sub(" ", text)
    return " ".join(CONTROL.sub("", html.unescape(text)).split())


def sender_key(activity: dict[str, Any]) -> str:
    """Personal chat: the user. Group chat and channel: the conversation and the user."""
    user = activity.get("from") or {}
    who = str(user.get("aadObjectId") or user.get("id") or "")
    conversation = activity.get("conversation") or {}
    kind = conversation.get("conversationType") or "personal"
    key = who if kind == "personal" else f"{conversation.get('id', '')}\n{who}"
    return "teams-" + hashlib.sha256(f"{kind}\n{key}".encode()).hexdigest()[:40]


def tenant_of(activity: dict[str, Any]) -> str:
    channel_data = activity.get("channelData") or {}
    tenant = channel_data.get("tenant") if isinstance(channel_data, dict) else None
    if isinstance(tenant, dict) and tenant.get("id"):
        return str(tenant["id"])
    return str((activity.get("conversation") or {}).get("tenantId") or "")


def well_formed(activity: Any) -> bool:
    return (isinstance(activity, dict) and isinstance(activity.get("type"), str)
            and isinstance(activity.get("serviceUrl"), str)
            and isinstance(activity.get("conversation"), dict)
            and isinstance(activity["conversation"].get("id"), str)
            and isinstance(activity.get("from"), dict)
            and isinstance(activity.get("recipient"), dict))


def reference_of(activity: dict[str, Any]) -> dict[str, Any]:
    """What a proactive message into the activity's conversation needs: the service, the
    conversation and the bot. The user's own ids are left out."""
    return {"serviceUrl": activity["serviceUrl"],
            "conversation": {"id": activity["conversation"]["id"]},
            "recipient": activity.get("recipient") or {},
            "channelId": activity.get("channelId", "msteams")}


class TeamsOutput(OutputChannel):
    """Replies to one incoming activity, in its conversation, threaded to it."""

    @classmethod
    def name(cls) -> str:
        return "teams"

    def __init__(self, connector: ConnectorClient, activity: dict[str, Any]) -> None:
        self.connector = connector
        self.incoming = activity

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        custom = message.get("custom") if isinstance(message.get("custom"), dict) else {}
        if custom.get("safety") and self.shared() and await self._privately(message):
            await self._here({"text": SAFETY_NOTICE})
            return
        await self._here(message)

    def shared(self) -> bool:
        """Whether the conversation is a group chat or a channel, not a personal chat."""
        kind = (self.incoming.get("conversation") or {}).get("conversationType") or "personal"
        return kind != "personal" and bool(self.incoming.get("from", {}).get("id"))

    async def _privately(self, message: dict[str, Any]) -> bool:
        """Send ``message`` to the user in their personal chat with the bot; False where Teams
        does not allow it (the reply then goes to the thread: the help comes first)."""
        a = self.incoming
        reply = activity_for(message)
        if reply is None:
            return False
        try:
            conversation = await self.connector.personal_conversation(
                a["serviceUrl"], a["recipient"], a["from"], tenant_of(a))
            reply.update({"from": a["recipient"], "recipient": a["from"],
                          "conversation": {"id": conversation},
                          "channelId": a.get("channelId", "msteams")})
            await self.connector.send(a["serviceUrl"], conversation, reply)
        except Exception:
            logger.exception("a safety reply could not be sent in a personal chat")
            return False
        return True

    async def _here(self, message: dict[str, Any]) -> None:
        reply = activity_for(message)
        if reply is None:
            return
        a = self.incoming
        reply.update({
            "from": a["recipient"], "recipient": a["from"], "conversation": a["conversation"],
            "replyToId": a.get("id"), "channelId": a.get("channelId", "msteams"),
            "serviceUrl": a["serviceUrl"],
        })
        await self.connector.send(a["serviceUrl"], a["conversation"]["id"], reply,
                                  reply_to=a.get("id"))

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self.send_response(recipient_id, {"text": text})


class TeamsInput(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "teams"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(config.get())

    def __init__(self, settings: config.Settings) -> None:
        self.settings = settings
        self.allowed_tenants = settings.teams_tenants
        if settings.teams_app_id and not self.allowed_tenants:
            logger.warning("Teams: neither TEAMS_TENANT_ID nor TEAMS_ALLOWED_TENANTS is set, so "
                           "every tenant is refused; set one (or \"*\" for any tenant)")
        self._session: aiohttp.ClientSession | None = None
        self._validator: TokenValidator | None = None
        self._connector: ConnectorClient | None = None

    def _clients(self) -> tuple[TokenValidator, ConnectorClient]:
        """Made on first use, inside the server's event loop: nothing is fetched at start-up."""
        if self._session is None:
            s = self.settings
            self._session = aiohttp.ClientSession()
            self._validator = TokenValidator(
                s.teams_app_id, ConnectorKeys(s.teams_openid_metadata_url, self._session))
            self._connector = ConnectorClient(s.teams_app_id, s.teams_app_password,
                                              s.teams_token_endpoint, self._session,
                                              s.teams_service_hosts)
        assert self._validator and self._connector
        return self._validator, self._connector

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        bp = Blueprint("teams_webhook", __name__)
        limit = self.settings.max_message_chars
        limiter = RateLimiter(self.settings.rate_limit_per_minute,
                              self.settings.rate_limit_burst)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "configured": bool(self.settings.teams_app_id)})

        @bp.listener("after_server_stop")
        async def close(_app: Any, _loop: Any) -> None:
            if self._session is not None:
                await self._session.close()

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if not self.settings.teams_app_id:
                return response.json({"error": "Teams is not configured on this server "
                                      "(TEAMS_APP_ID)"}, status=503)
            try:
                activity = request.json
            except Exception:  # sanic raises its own error for a body that is not JSON
                activity = None
            if not well_formed(activity):
                return response.json({"error": "the body is not a Bot Framework activity"},
                                     status=400)
            validator, connector = self._clients()
            try:
                await validator.validate(request.headers.get("Authorization"), activity)
                if activity.get("channelId") not in self.settings.teams_channels:
                    raise TenantNotAllowed("this channel may not use this bot")
                tenant = tenant_of(activity)
                if "*" not in self.allowed_tenants and tenant not in self.allowed_tenants:
                    raise TenantNotAllowed("this tenant may not use this bot")
            except AuthError as exc:
                logger.info("refused a Teams request: %s", exc)
                return response.json({"error": str(exc)}, status=exc.status)

            out = TeamsOutput(connector, activity)
            text = None
            if activity["type"] == "message":
                text = message_text(activity)
                if not text:
                    await self._notice(out, "I can only read text: please type your message.")
                    return response.json({}, status=200)
                try:
                    text = checked_text(text, limit)
                    limiter.check(sender_key(activity))
                except Refused as refused:
                    await self._notice(out, str(refused))
                    return response.json({}, status=200)
                if await self._privacy(request, out, activity, text):
                    return response.json({}, status=200)
            elif activity["type"] == "conversationUpdate":
                bot_id = activity["recipient"].get("id")
                added = activity.get("membersAdded") or []
                if any(isinstance(m, dict) and m.get("id") == bot_id for m in added):
                    text = WELCOME
            if text:
                try:
                    await on_new_message(UserMessage(
                        text, out, sender_key(activity), input_channel=self.name(),
                        metadata={"conversation_type": activity["conversation"].get(
                            "conversationType", "personal"),
                            "reference": reference_of(activity)}))
                except Exception:
                    logger.exception("a Teams turn failed")
                    return response.json({"error": "the reply could not be sent"}, status=502)
            return response.json({}, status=200)

        return bp

    async def _privacy(self, request: Request, out: TeamsOutput, activity: dict[str, Any],
                       text: str) -> bool:
        """Handle "delete my data" and its confirmation here, outside the dialogue; True if
        ``text`` was one of those."""
        mine = sender_key(activity)
        if DELETE_ASKED.fullmatch(text):  # the card's buttons name whose data they delete
            await out.send_response("", {
                "text": "Delete your whole conversation with Praxis, including your "
                        "reflections? This cannot be undone.",
                "buttons": [{"title": "Yes, delete it", "payload": f"{DELETE_CONFIRMED}:{mine}"},
                            {"title": "No, keep it", "payload": f"{DELETE_CANCELLED}:{mine}"}]})
            return True
        choice, _, whose = text.partition(":" + "teams-")
        if choice not in (DELETE_CONFIRMED, DELETE_CANCELLED):
            return False
        if "teams-" + whose != mine:  # someone else's card, or one without its owner
            await self._notice(out, "That button belongs to the person who asked to delete "
                               "their data, so nothing was deleted. To delete yours, say "
                               "\"delete my data\".")
            return True
        if choice == DELETE_CANCELLED:
            await self._notice(out, "Nothing was deleted.")
            return True
        try:
            await delete_conversation(request.app.ctx.agent, mine)
        except Exception:  # any fault: the user is told, and can try again
            logger.exception("a Teams conversation could not be deleted")
            await self._notice(out, "Sorry, your conversation could not be deleted just now. "
                               "Please try again later.")
            return True
        await self._notice(out, "Your conversation with Praxis was deleted.")
        return True

    @staticmethod
    async def _notice(out: TeamsOutput, text: str) -> None:
        try:
            await out.send_text_message("", text)
        except Exception:
            logger.exception("a Teams notice could not be sent")

    def get_output_channel(self) -> OutputChannel | None:
        return None  # replies need the activity they answer

    def output_for(self, reference: dict[str, Any]) -> TeamsOutput | None:
        """An output that posts into the conversation ``reference`` names (from a message's
        metadata, :func:`reference_of`), not as a reply: a proactive message."""
        if not (self.settings.teams_app_id and isinstance(reference, dict)
                and isinstance(reference.get("conversation"), dict)
                and reference.get("serviceUrl")):
            return None
        _, connector = self._clients()
        return TeamsOutput(connector, {**reference, "from": {}})
