"""Deleting a practitioner's data for real, and keeping none longer than needed: the Rasa
server's side.

Rasa 3.6's tracker stores have no delete. :func:`delete_conversation`, under the sender's
conversation lock (so no turn is half-way through here), first has the app store forget the
sender, through the action server's ``/forget`` (``store.erasure``: the app store's own code is
the only code that touches its tables), then deletes every stored event of the sender (SQL: the
``events`` rows, in a worker thread; in memory: the tracker). A turn that timed out here but still
runs on the action server cannot bring the data back: the app store refuses a write from a turn
that began before the deletion. :func:`purge_older_than` deletes the conversations whose last
event is older than ``RETENTION_DAYS`` days and has the app store purge the same period;
``bot.channels.privacy`` runs it at start-up and then hourly inside the Rasa server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import aiohttp

from praxis import config

logger = logging.getLogger(__name__)


class DeletionNotSupported(RuntimeError):
    """The configured tracker store is one Praxis cannot delete from."""


class StoreUnreachable(RuntimeError):
    """The action server (and so the app store) did not do what was asked."""


def _innermost(tracker_store: Any) -> Any:
    while getattr(tracker_store, "_tracker_store", None) is not None:
        tracker_store = tracker_store._tracker_store
    return tracker_store


async def ask_store(path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body`` to the action server's ``path`` with the action server key; its answer."""
    settings = config.get()
    url = settings.action_url.rstrip("/").removesuffix("/webhook") + path
    timeout = aiohttp.ClientTimeout(total=max(10.0, 2 * settings.action_timeout_s))
    try:
        async with aiohttp.ClientSession(timeout=timeout) as http, http.post(
                url, json=body, headers={config.ACTION_KEY_HEADER: settings.action_key}) as r:
            r.raise_for_status()
            return await r.json()
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
        raise StoreUnreachable(f"the action server did not answer {path} "
                               f"({exc.__class__.__name__})") from exc


def _delete_events(store: Any, sender_ids: list[str]) -> int:
    """Delete the SQL tracker store's events of ``sender_ids``; how many (a worker thread)."""
    deleted = 0
    with store.session_scope() as session:
        for start in range(0, len(sender_ids), 500):
            deleted += (session.query(store.SQLEvent)
                        .filter(store.SQLEvent.sender_id.in_(sender_ids[start:start + 500]))
                        .delete(synchronize_session=False))
        session.commit()
    return int(deleted)


async def delete_conversation(agent: Any, sender_id: str) -> int:
    """Delete everything held of ``sender_id``: in the app store, then their conversation; the
    number of conversation events deleted. Raises when either cannot be deleted."""
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore

    store = _innermost(agent.tracker_store)
    if not isinstance(store, (SQLTrackerStore, InMemoryTrackerStore)):
        raise DeletionNotSupported(f"deleting from {type(store).__name__} is not supported")
    async with agent.lock_store.lock(sender_id):
        await ask_store("/forget", {"sender_id": sender_id})
        if isinstance(store, SQLTrackerStore):
            return await asyncio.to_thread(_delete_events, store, [sender_id])
        return 1 if store.store.pop(sender_id, None) is not None else 0


def _stale(store: Any, cutoff: float) -> list[str]:
    import sqlalchemy as sa

    event = store.SQLEvent
    with store.session_scope() as session:
        return [row[0] for row in session.query(event.sender_id)
                .group_by(event.sender_id)
                .having(sa.func.max(event.timestamp) < cutoff)]


async def purge_older_than(agent: Any, days: float, now: float | None = None) -> int:
    """Delete the conversations whose last event is older than ``days``, and have the app store
    delete what it holds past them; how many conversations."""
    from rasa.core.tracker_store import SQLTrackerStore

    store = _innermost(agent.tracker_store)
    stale: list[str] = []
    if isinstance(store, SQLTrackerStore):
        cutoff = (now or time.time()) - days * 86400
        stale = await asyncio.to_thread(_stale, store, cutoff)
        if stale:
            await asyncio.to_thread(_delete_events, store, stale)
            logger.info("retention: deleted %d conversations older than %s days", len(stale),
                        days)
    await ask_store("/retention", {"days": days})  # StoreUnreachable: the caller tries again
    return len(stale)
