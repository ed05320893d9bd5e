"""What the Rasa server does when the action server is down or slow: tell the user, store nothing.

Rasa 3.6 logs a failed custom action and carries on with the turn as if the action had done
nothing: the user hears nothing (or the next prompt without the checks), and the half-done turn is
stored. Here a call to the action server that fails, or takes longer than ``ACTION_TIMEOUT_S``,
ends the whole turn instead: none of it is stored, and the user gets one short, honest message
asking them to send it again. When the action server is back, the same message carries on from
exactly where the conversation was.

:class:`ActionServerUnavailable` derives from ``BaseException`` so that the processor's
``except Exception`` around each action, which would swallow it, lets it through to
``handle_message``, which is wrapped here.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from typing import Any

logger = logging.getLogger(__name__)

UNAVAILABLE = ("Sorry, part of Praxis isn't answering right now, so I couldn't take that in. "
               "Nothing you wrote before is lost: please send your last message again in a "
               "minute.")


class ActionServerUnavailable(BaseException):  # noqa: N818 (not an error of the user's)
    """The action server did not answer a custom action in time, or failed."""


def _run_with_deadline(run: Any, timeout_s: float) -> Any:
    from rasa.core.actions.action import ActionExecutionRejection
    from rasa.shared.exceptions import RasaException

    @functools.wraps(run)
    async def wrapped(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.wait_for(run(self, *args, **kwargs), timeout=timeout_s)
        except ActionExecutionRejection:
            raise
        except (asyncio.TimeoutError, RasaException) as exc:
            logger.warning("the action server did not run %s: %s", self.name(),
                           type(exc).__name__)
            raise ActionServerUnavailable(self.name()) from exc

    return wrapped


def _handle_or_apologise(handle: Any) -> Any:
    from rasa.core.channels.channel import CollectingOutputChannel

    @functools.wraps(handle)
    async def wrapped(self: Any, message: Any) -> Any:
        try:
            return await handle(self, message)
        except ActionServerUnavailable:
            channel = message.output_channel
            if isinstance(channel, CollectingOutputChannel):
                channel.messages.clear()  # a REST reply is the apology alone
            await channel.send_response(message.sender_id, {"text": UNAVAILABLE})
            return channel.messages if isinstance(channel, CollectingOutputChannel) else None

    return wrapped


def apply() -> None:
    from rasa.core.actions.action import RemoteAction
    from rasa.core.processor import MessageProcessor

    from praxis import config

    if getattr(RemoteAction.run, "_praxis", False):
        return
    RemoteAction.run = _run_with_deadline(RemoteAction.run, config.get().action_timeout_s)
    MessageProcessor.handle_message = _handle_or_apologise(MessageProcessor.handle_message)
    RemoteAction.run._praxis = True
