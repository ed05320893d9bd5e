"""Trainers' dashboard sign-ins, held server-side: the cookie carries a random id, this table
its hash, so signing out (or the session's end) makes a copied cookie worthless."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, select

from praxis import config
from store.db import aware, session
from store.models import TrainerSession


def _key(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_for(trainer: str, hours: float, settings: config.Settings | None = None) -> str:
    """A new sign-in for ``trainer``, valid ``hours``; the token for the cookie."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(timezone.utc)
    with session(settings) as s:
        s.execute(delete(TrainerSession).where(TrainerSession.expires_at <= now))
        s.add(TrainerSession(id=_key(token), trainer=trainer,
                             expires_at=now + timedelta(hours=hours)))
    return token


def trainer_of(token: str, settings: config.Settings | None = None) -> str | None:
    """Whose sign-in ``token`` is, or None when it was closed, has expired or never was."""
    if not token:
        return None
    with session(settings) as s:
        row = s.scalars(select(TrainerSession).where(TrainerSession.id == _key(token))).first()
        if row is None or aware(row.expires_at) <= datetime.now(timezone.utc):
            return None
        return row.trainer


def close(token: str, settings: config.Settings | None = None) -> None:
    """Sign out: the token no longer signs anyone in."""
    with session(settings) as s:
        s.execute(delete(TrainerSession).where(TrainerSession.id == _key(token)))
