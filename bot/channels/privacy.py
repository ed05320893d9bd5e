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

from bot.privacy import StoreUnreachable, purge_older_than
from praxis import config

logger = logging.getLogger(__name__)

EVERY_S = 3600
RETRY_S = 30


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
                wait = 5.0  # the server is still loading its model
                if agent is not None:
                    try:
                        await purge_older_than(agent, days)
                        wait = EVERY_S
                    except StoreUnreachable:  # the action server may still be starting
                        logger.warning("retention: the app store could not be asked; trying "
                                       "again in %d s", RETRY_S)
                        wait = RETRY_S
                    except Exception:  # a failed purge is retried next hour
                        logger.exception("retention: the purge failed")
                        wait = EVERY_S
                await asyncio.sleep(wait)

        @bp.listener("after_server_start")
        async def start(app: Any, _loop: Any) -> None:
            if days > 0:
                app.add_task(retention(app))

        return bp
