"""The app store's side of "delete my data" and of ``RETENTION_DAYS``: the only code that
deletes a person's words or ids from its tables. The Rasa server asks for both through the action
server (``praxis.action_server``: ``/forget`` and ``/retention``), and deletes its own
conversations itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from praxis import config
from store import group_sessions, reflections
from store.db import session
from store.models import ForgottenSender, GroupSession, Reflection, TrainerSession

TOMBSTONE_DAYS = 1  # far longer than any turn can be in flight


def forget(sender_id: str, settings: config.Settings | None = None) -> dict[str, int]:
    """Delete every reflection of ``sender_id`` and their places (with the answers they shared)
    in group sessions, and note the time, so that a write from a turn that began before it is
    refused (``reflections.Forgotten``). How many of each were deleted."""
    now = datetime.now(timezone.utc)
    with session(settings) as s:
        row = s.get(ForgottenSender, sender_id)
        if row is None:
            s.add(ForgottenSender(sender_id=sender_id, forgotten_at=now))
        else:
            row.forgotten_at = now
    return {"reflections": reflections.forget(sender_id, settings),
            "group_places": group_sessions.forget(sender_id, settings)}


def purge(days: float, settings: config.Settings | None = None,
          now: datetime | None = None) -> dict[str, int]:
    """Delete what is older than ``days``: reflections finished before then, group sessions
    created before then with their participants and shared answers, and the trainers'
    sign-ins and deletion notes that have run out. How many of each."""
    now = now or datetime.now(timezone.utc)
    cutoff = now - timedelta(days=days)
    with session(settings) as s:
        gone = {"reflections": s.execute(delete(Reflection).where(
            Reflection.finished_at < cutoff)).rowcount}
        stale = list(s.scalars(select(GroupSession).where(GroupSession.created_at < cutoff)))
        for row in stale:  # through the ORM: its participants and answers go with it
            s.delete(row)
        gone["group_sessions"] = len(stale)
        gone["trainer_sign_ins"] = s.execute(delete(TrainerSession).where(
            TrainerSession.expires_at < now)).rowcount
        s.execute(delete(ForgottenSender).where(
            ForgottenSender.forgotten_at < now - timedelta(days=TOMBSTONE_DAYS)))
    return gone
