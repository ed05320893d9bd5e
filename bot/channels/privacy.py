"""Housekeeping inside the Rasa server: conversations older than ``RETENTION_DAYS``, and what the
app store holds past it, are deleted at start-up and then every hour (``RETENTION_DAYS`` 0 keeps
them; the work runs in worker threads, off the server's event loop). Enabled in ``credentials.yml``
as a channel, because a channel is what Rasa lets a project add to its server; it answers only
``GET /webhooks/privacy/``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response

from bot.privacy import purge_older_than
from praxis import config

logger = logging.getLogger(__name__)

EVERY_S = 3600


class Privacy(InputChannel):
    @classmethod
    def name(cls) -> str:
        return "privacy"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        days = config.get().retention_days
        bp = Blueprint("privacy", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Any) -> Any:
            return response.json({"status": "ok", "retention_days": days})

        async def retention(app: Any) -> None:
            while True:
                agent = getattr(app.ctx, "agent", None)
                if agent is not None:
                    try:
                        await purge_older_than(agent, days)
                    except Exception:  # a failed purge is retried next hour
                        logger.exception("retention: the purge failed")
                await asyncio.sleep(EVERY_S if agent is not None else 5)

        @bp.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            if days > 0:
                app.add_task(retention(app))

        return bp
