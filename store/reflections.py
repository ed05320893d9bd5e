"""A practitioner's journal: their finished reflections, and only theirs.

Every read takes the sender id and the channel, so one practitioner's reflections are never
returned to another."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from praxis import config
from store.db import aware, session
from store.models import ForgottenSender, Reflection


class Forgotten(LookupError):
    """The sender's data was deleted after this turn began: its write is dropped."""


@dataclass(frozen=True)
class Owner:
    sender_id: str
    channel: str
    # When the turn writing for them began (epoch seconds; None: now): a deletion after it
    # wins over the write.
    turn_started: float | None = field(default=None, compare=False)


def refuse_if_forgotten(s: Session, owner: Owner) -> None:
    """Raise Forgotten when the owner's data was deleted after their turn began."""
    if owner.turn_started is None:
        return
    row = s.get(ForgottenSender, owner.sender_id)
    if row is None:
        return
    if aware(row.forgotten_at).timestamp() >= owner.turn_started:
        raise Forgotten(owner.sender_id)


def save(owner: Owner, theme: str, answers: dict[str, str], findings: list[str],
         deeper: list[str], markdown: str, settings: config.Settings | None = None) -> int:
    """Keep a finished reflection; the same one twice (a turn sent again after a fault) is
    kept once. Raises Forgotten when the owner's data was deleted while this turn ran."""
    with session(settings) as s:
        refuse_if_forgotten(s, owner)
        same = s.scalars(select(Reflection).where(
            Reflection.sender_id == owner.sender_id, Reflection.channel == owner.channel,
            Reflection.theme == theme).order_by(Reflection.id.desc()).limit(1)).first()
        if same is not None and same.answers == answers:
            return same.id
        row = Reflection(sender_id=owner.sender_id, channel=owner.channel, theme=theme,
                         answers=answers, findings=findings, deeper=deeper, markdown=markdown,
                         finished_at=datetime.now(timezone.utc))
        s.add(row)
        s.flush()
        return row.id


def journal(owner: Owner, settings: config.Settings | None = None,
            theme: str | None = None) -> list[Reflection]:
    """The owner's reflections, newest first (of one theme, if given)."""
    query = (select(Reflection).where(Reflection.sender_id == owner.sender_id,
                                      Reflection.channel == owner.channel)
             .order_by(Reflection.finished_at.desc(), Reflection.id.desc()))
    if theme:
        query = query.where(Reflection.theme == theme)
    with session(settings) as s:
        return list(s.scalars(query))


def one(owner: Owner, reflection_id: int, settings: config.Settings | None = None
        ) -> Reflection | None:
    with session(settings) as s:
        row = s.get(Reflection, reflection_id)
        mine = row is not None and (row.sender_id, row.channel) == (owner.sender_id,
                                                                    owner.channel)
        return row if mine else None


def forget(sender_id: str, settings: config.Settings | None = None) -> int:
    """Delete every reflection of ``sender_id``; how many."""
    with session(settings) as s:
        return s.execute(delete(Reflection).where(Reflection.sender_id == sender_id)).rowcount
