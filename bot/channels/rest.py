"""The REST channel, ``/webhooks/rest/webhook``: Rasa's, with its input checked first.

``{"sender": "...", "message": "..."}`` in, the bot's messages out, as with Rasa's. Unlike Rasa's,
a body that is not that (not JSON, not an object, a sender or message of the wrong type, a sender
id over 128 characters), an empty message, one over ``MAX_MESSAGE_CHARS`` and a sender over the
rate limit get a 4xx with ``{"error": "..."}`` saying what is wrong, and nothing reaches the
dialogue or the tracker store. (Rasa's would pass ``42`` on as a message and fail inside.)

The webhook believes the sender id it is given, so it is closed to strangers: without
``REST_API_TOKEN`` it takes requests from this machine only (a loopback peer); with it, every
request must carry ``Authorization: Bearer <REST_API_TOKEN>``. Either way, no caller's
``metadata`` is passed on: metadata is for channels that vouch for it (Teams).
"""

from __future__ import annotations

import ipaddress
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.checks import CONTROL, RateLimiter, Refused, message_text, valid_unicode
from praxis import config

MAX_SENDER_CHARS = 128


def sender_id(value: Any) -> str:
    if not isinstance(value, str | int) or isinstance(value, bool):
        raise Refused("\"sender\" must be a string: the conversation's id.")
    sender = CONTROL.sub("", valid_unicode(str(value))).strip()
    if not sender:
        raise Refused("\"sender\" is empty.")
    if len(sender) > MAX_SENDER_CHARS:
        raise Refused(f"\"sender\" is {len(sender)} characters long; the limit is "
                      f"{MAX_SENDER_CHARS}.")
    return sender


def is_loopback(address: str) -> bool:
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:  # not an address (a unix socket): not loopback
        return False


def admitted(request: Request, token: str) -> str | None:
    """Why ``request`` may not use the webhook (None: it may)."""
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if not (scheme == "Bearer" and given
                and secrets.compare_digest(given.encode(), token.encode())):
            return "This webhook needs its token: Authorization: Bearer <REST_API_TOKEN>."
        return None
    if not is_loopback(request.ip):
        return ("This webhook takes requests from this machine only; set REST_API_TOKEN to "
                "open it to callers elsewhere.")
    return None


class PraxisRest(RestInput):
    @classmethod
    def name(cls) -> str:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        settings = config.get()
        limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)
        bp = Blueprint("custom_webhook_PraxisRest", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @bp.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            refusal = admitted(request, settings.rest_api_token)
            if refusal:
                return response.json({"error": refusal}, status=401)
            try:
                try:
                    body = request.json
                except Exception as exc:  # not JSON, or not UTF-8
                    raise Refused("The body must be JSON: {\"sender\": \"...\", "
                                  "\"message\": \"...\"}.") from exc
                if not isinstance(body, dict):
                    raise Refused("The body must be a JSON object: {\"sender\": \"...\", "
                                  "\"message\": \"...\"}.")
                sender = sender_id(body.get("sender", "default"))
                text = message_text(body.get("message"), settings.max_message_chars)
                limiter.check(sender)
            except Refused as refused:
                return response.json({"error": str(refused)}, status=refused.status)
            collector = CollectingOutputChannel()
            await on_new_message(UserMessage(
                text, collector, sender, input_channel=self.name()))
            return response.json(collector.messages)

        return bp
