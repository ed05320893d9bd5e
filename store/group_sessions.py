"""Trainers' group sessions: creating them, joining with a code, consent, answers and pacing.

A participant is known to the trainer only by their number ("Participant 3"). Their answers are
stored here only while they agreed to share them; going private removes the ones they shared,
and they can withdraw any one answer. Every trainer-side read takes the trainer's name, so a
trainer reaches only their own sessions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from praxis import config
from store import codes
from store.db import aware, session
from store.models import GroupSession, Participant, SharedAnswer
from store.reflections import Owner, refuse_if_forgotten


class JoinRefused(Exception):
    """A code that cannot be joined; the message says why, for the participant."""


class NotFound(LookupError):
    """No such session."""


class NotYours(PermissionError):
    """The session belongs to another trainer."""


@dataclass(frozen=True)
class Place:
    """Where a participant is in their session."""

    session_id: int
    code: str
    title: str
    themes: tuple[str, ...]
    closing_question: str
    trainer_paced: bool
    number: int
    shares: bool | None
    prompt: int | None  # the prompt to answer now; None: waiting for the trainer, or done
    done: bool  # every prompt answered (or passed)
    ended: bool


def now() -> datetime:
    return datetime.now(timezone.utc)


def create(trainer: str, title: str, themes: list[str], prompts: int, trainer_paced: bool,
           closing_question: str = "", settings: config.Settings | None = None) -> GroupSession:
    """A new session with a fresh join code; ``prompts``: how many prompts its themes and
    closing question make (``actions.themes.session_prompts``)."""
    settings = settings or config.get()
    created = now()
    for _ in range(5):  # a collision is very unlikely; the unique index has the last word
        try:
            with session(settings) as s:
                row = GroupSession(
                    code=codes.new_code(), trainer=trainer, title=title, themes=list(themes),
                    prompts=prompts, trainer_paced=trainer_paced,
                    closing_question=closing_question, current=0,
                    created_at=created,
                    expires_at=created + timedelta(hours=settings.session_code_hours))
                s.add(row)
                s.flush()
                return row
        except IntegrityError:
            continue
    raise RuntimeError("no free join code was found")


def for_trainer(trainer: str, settings: config.Settings | None = None) -> list[GroupSession]:
    with session(settings) as s:
        return list(s.scalars(select(GroupSession).where(GroupSession.trainer == trainer)
                              .order_by(GroupSession.created_at.desc())))


def _mine(s: Session, session_id: int, trainer: str) -> GroupSession:
    row = s.get(GroupSession, session_id, options=[
        selectinload(GroupSession.participants).selectinload(Participant.answers)])
    if row is None:
        raise NotFound(session_id)
    if row.trainer != trainer:
        raise NotYours(session_id)
    return row


def get(session_id: int, trainer: str, settings: config.Settings | None = None
        ) -> GroupSession:
    """The session with its participants and shared answers; NotYours for another trainer's."""
    with session(settings) as s:
        return _mine(s, session_id, trainer)


def _open(row: GroupSession | None) -> GroupSession:
    if row is None:
        raise JoinRefused("I couldn't find a session with that code. Please check it with "
                          "your trainer.")
    if row.ended_at is not None:
        raise JoinRefused(f"The session “{row.title}” has ended, so it can't be joined.")
    if aware(row.expires_at) <= now():
        raise JoinRefused(f"The code for “{row.title}” has expired. Please ask your trainer "
                          "for a new one.")
    return row


def _place(row: GroupSession, p: Participant) -> Place:
    n = row.prompts
    ended = row.ended_at is not None
    if row.trainer_paced:
        at = max(p.position, row.current)
        waiting = p.position > row.current
        prompt = None if waiting or at >= n or ended else at
        done = at >= n or (waiting and row.current >= n - 1)
    else:
        prompt = None if p.position >= n or ended else p.position
        done = p.position >= n
    return Place(row.id, row.code, row.title, tuple(row.themes), row.closing_question,
                 row.trainer_paced, p.number, p.shares, prompt, done, ended)


def title_for(code: str, settings: config.Settings | None = None) -> str:
    """The title of the open session with ``code``, without joining it; JoinRefused says why
    it cannot be joined."""
    wanted = codes.normalise(code)
    if not codes.well_formed(wanted):
        raise JoinRefused("That doesn't look like a session code: it has 8 letters and "
                          "digits, like ABCD2345.")
    with session(settings) as s:
        return _open(s.scalars(select(GroupSession).where(
            GroupSession.code == wanted)).first()).title


def join(code: str, owner: Owner, settings: config.Settings | None = None) -> Place:
    """Join the session with ``code`` (again, if already in it); JoinRefused says why not."""
    wanted = codes.normalise(code)
    if not codes.well_formed(wanted):
        raise JoinRefused("That doesn't look like a session code: it has 8 letters and "
                          "digits, like ABCD2345.")
    for _ in range(3):  # two joining at once may race for the same number: try again
        try:
            with session(settings) as s:
                refuse_if_forgotten(s, owner)
                row = _open(s.scalars(select(GroupSession).where(
                    GroupSession.code == wanted)).first())
                p = _participant(s, row.id, owner)
                if p is None:
                    limit = (settings or config.get()).group_max_participants
                    if s.scalar(select(func.count()).where(
                            Participant.session_id == row.id)) >= limit:
                        raise JoinRefused(f"“{row.title}” is full: it has its {limit} "
                                          "participants. Your trainer can see that it is "
                                          "full; you can still reflect on your own here.")
                    number = (s.scalar(select(func.max(Participant.number)).where(
                        Participant.session_id == row.id)) or 0) + 1
                    p = Participant(session_id=row.id, sender_id=owner.sender_id,
                                    channel=owner.channel, number=number, shares=None,
                                    position=row.current if row.trainer_paced else 0,
                                    answered=0, joined_at=now())
                    s.add(p)
                    s.flush()
                return _place(row, p)
        except IntegrityError:
            continue
    raise JoinRefused("Joining failed just now; please try again.")


def _participant(s: Session, session_id: int, owner: Owner) -> Participant | None:
    return s.scalars(select(Participant).where(
        Participant.session_id == session_id, Participant.sender_id == owner.sender_id,
        Participant.channel == owner.channel)).first()


def _latest(s: Session, owner: Owner) -> tuple[GroupSession, Participant] | None:
    """The session the owner joined last, and their place in it."""
    p = s.scalars(select(Participant).where(
        Participant.sender_id == owner.sender_id, Participant.channel == owner.channel)
        .order_by(Participant.joined_at.desc(), Participant.id.desc())).first()
    return (p.session, p) if p is not None else None


def place(owner: Owner, settings: config.Settings | None = None) -> Place | None:
    """Where the owner is in the session they joined last (None: they joined none)."""
    with session(settings) as s:
        found = _latest(s, owner)
        return _place(*found) if found else None


def set_sharing(owner: Owner, shares: bool, settings: config.Settings | None = None
                ) -> int:
    """Record the owner's choice for their session; going private removes the answers they
    had shared. Returns how many were removed."""
    with session(settings) as s:
        found = _latest(s, owner)
        if found is None:
            return 0
        _, p = found
        p.shares = shares
        if shares:
            return 0
        return s.execute(delete(SharedAnswer).where(
            SharedAnswer.participant_id == p.id)).rowcount


def record(owner: Owner, prompt: int, text: str, vector: list[float], findings: list[str],
           passage: str, settings: config.Settings | None = None,
           share: bool = True) -> tuple[Place, int | None]:
    """The owner answered ``prompt``: move them on, and keep the answer if they share it (and
    ``share``: an answer first met as a sign of distress is not shown without asking).
    Returns their new place and the shared answer's id (None when private, or when that
    prompt was answered already: the same answer sent again is kept once)."""
    with session(settings) as s:
        found = _latest(s, owner)
        if found is None:
            raise NotFound("not in a session")
        row, p = found
        kept = None
        if prompt < p.position:  # already answered (a turn sent again after a fault)
            return _place(row, p), None
        if p.shares and share:
            answer = SharedAnswer(session_id=row.id, participant_id=p.id, prompt=prompt,
                                  text=text, vector=vector, findings=findings, passage=passage,
                                  created_at=now())
            s.add(answer)
            s.flush()
            kept = answer.id
        p.position = prompt + 1
        p.answered += 1
        return _place(row, p), kept


def withdraw(owner: Owner, answer_id: int | None = None,
             settings: config.Settings | None = None) -> bool:
    """Remove one of the owner's shared answers (their latest when no id is given)."""
    with session(settings) as s:
        found = _latest(s, owner)
        if found is None:
            return False
        query = select(SharedAnswer).where(SharedAnswer.participant_id == found[1].id)
        query = (query.where(SharedAnswer.id == answer_id) if answer_id is not None
                 else query.order_by(SharedAnswer.id.desc()))
        answer = s.scalars(query).first()
        if answer is None:
            return False
        s.delete(answer)
        return True


def leave(owner: Owner, settings: config.Settings | None = None) -> bool:
    """The owner leaves their session: their place and shared answers go."""
    with session(settings) as s:
        found = _latest(s, owner)
        if found is None:
            return False
        s.delete(found[1])
        return True


def advance(session_id: int, trainer: str, settings: config.Settings | None = None
            ) -> tuple[int, list[Owner]]:
    """Release the next prompt of a trainer-paced session; the new prompt's index and the
    participants to tell."""
    with session(settings) as s:
        row = _mine(s, session_id, trainer)
        if not row.trainer_paced or row.ended_at is not None:
            raise ValueError("only an open, trainer-paced session moves on")
        if row.current + 1 >= row.prompts:
            raise ValueError("this was the last prompt")
        row.current += 1
        return row.current, [Owner(p.sender_id, p.channel) for p in row.participants]


def end(session_id: int, trainer: str, settings: config.Settings | None = None) -> None:
    with session(settings) as s:
        row = _mine(s, session_id, trainer)
        row.ended_at = row.ended_at or now()


def remove(session_id: int, trainer: str, settings: config.Settings | None = None) -> None:
    """Delete the session and everything in it: participants and shared answers."""
    with session(settings) as s:
        s.delete(_mine(s, session_id, trainer))


def forget(sender_id: str, settings: config.Settings | None = None) -> int:
    """Remove ``sender_id`` from every session (with their shared answers); how many."""
    with session(settings) as s:
        rows = list(s.scalars(select(Participant).where(Participant.sender_id == sender_id)))
        for p in rows:
            s.delete(p)
        return len(rows)
