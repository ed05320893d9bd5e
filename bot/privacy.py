"""Deleting a practitioner's conversation for real, and keeping none longer than needed.

Rasa 3.6's tracker stores have no delete. :func:`delete_conversation` removes every stored event of
one sender (SQL: the ``events`` rows; in memory: the tracker), under that sender's conversation
lock so no turn is half-way through, and the sender's finished reflections from the app store
(``store/``: its ``reflections`` table, reached here with plain SQL because the Rasa env has an
older SQLAlchemy than the app store's), with their places in trainers' group sessions.
:func:`purge_older_than` deletes every conversation whose
last event is older than ``RETENTION_DAYS`` days, and reflections finished before then;
``bot.channels.privacy`` runs it at start-up and then hourly inside the Rasa server.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

logger = logging.getLogger(__name__)


class DeletionNotSupported(RuntimeError):
    """The configured tracker store is one Praxis cannot delete from."""


def _innermost(tracker_store: Any) -> Any:
    while getattr(tracker_store, "_tracker_store", None) is not None:
        tracker_store = tracker_store._tracker_store
    return tracker_store


async def delete_conversation(agent: Any, sender_id: str) -> int:
    """Delete every stored event of ``sender_id``; the number of events deleted."""
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore

    store = _innermost(agent.tracker_store)
    async with agent.lock_store.lock(sender_id):
        deleted = forget_reflections("sender_id = :value", sender_id)
        forget_group_places(sender_id)
        if isinstance(store, SQLTrackerStore):
            with store.session_scope() as session:
                deleted += (session.query(store.SQLEvent)
                            .filter(store.SQLEvent.sender_id == sender_id)
                            .delete(synchronize_session=False))
                session.commit()
            return int(deleted)
        if isinstance(store, InMemoryTrackerStore):
            return deleted + (1 if store.store.pop(sender_id, None) is not None else 0)
    raise DeletionNotSupported(f"deleting from {type(store).__name__} is not supported")


@contextlib.contextmanager
def _store() -> Iterator[Any]:
    """A connection to the app store, in one transaction (an engine of its own: the Rasa env's
    SQLAlchemy cannot share the action server's)."""
    import sqlalchemy as sa

    from praxis import config

    engine = sa.create_engine(config.get().store_url)
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        engine.dispose()


def forget_reflections(where: str, value: Any) -> int:
    """Delete the app store's reflections matching ``where`` (SQL with ``:value``)."""
    import sqlalchemy as sa

    with _store() as connection:
        if not sa.inspect(connection).has_table("reflections"):
            return 0  # no reflection was ever kept
        return int(connection.execute(sa.text(f"DELETE FROM reflections WHERE {where}"),
                                      {"value": value}).rowcount)


def forget_group_places(sender_id: str) -> int:
    """Remove ``sender_id`` from every group session, with the answers they shared there."""
    import sqlalchemy as sa

    with _store() as connection:
        if not sa.inspect(connection).has_table("participants"):
            return 0
        mine = "SELECT id FROM participants WHERE sender_id = :value"
        connection.execute(sa.text(f"DELETE FROM shared_answers WHERE participant_id IN "
                                   f"({mine})"), {"value": sender_id})
        return int(connection.execute(sa.text("DELETE FROM participants WHERE sender_id = "
                                              ":value"), {"value": sender_id}).rowcount)


def _postgres() -> bool:
    from praxis import config

    return config.get().store_url.startswith("postgresql")


def purge_older_than(agent: Any, days: float, now: float | None = None) -> int:
    """Delete the conversations whose last event is older than ``days``, and the reflections
    finished before then; how many conversations."""
    import datetime as dt

    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore

    cutoff = (now or time.time()) - days * 86400
    when = dt.datetime.fromtimestamp(cutoff, dt.timezone.utc)
    forget_reflections("finished_at < :value", when if _postgres() else when.replace(tzinfo=None))
    store = _innermost(agent.tracker_store)
    if not isinstance(store, SQLTrackerStore):
        return 0
    event = store.SQLEvent
    with store.session_scope() as session:
        stale = [row[0] for row in session.query(event.sender_id)
                 .group_by(event.sender_id)
                 .having(sa.func.max(event.timestamp) < cutoff)]
        for start in range(0, len(stale), 500):
            (session.query(event).filter(event.sender_id.in_(stale[start:start + 500]))
             .delete(synchronize_session=False))
        session.commit()
    if stale:
        logger.info("retention: deleted %d conversations older than %s days", len(stale), days)
    return len(stale)
