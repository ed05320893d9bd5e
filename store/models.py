"""The tables of the app store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Reflection(Base):
    """One finished reflection of one practitioner (a sender on a channel)."""

    __tablename__ = "reflections"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(255), index=True)
    channel: Mapped[str] = mapped_column(String(32))
    theme: Mapped[str] = mapped_column(String(64))
    answers: Mapped[dict] = mapped_column(JSON)  # step -> the practitioner's words
    findings: Mapped[list] = mapped_column(JSON)  # the report sections cited
    deeper: Mapped[list] = mapped_column(JSON)  # where it went deeper, in words
    markdown: Mapped[str] = mapped_column(Text)
    finished_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class GroupSession(Base):
    """A trainer's guided reflection session for a group, joined with its code."""

    __tablename__ = "group_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    trainer: Mapped[str] = mapped_column(String(64), index=True)
    title: Mapped[str] = mapped_column(String(200))
    themes: Mapped[list] = mapped_column(JSON)  # theme keys, in order
    prompts: Mapped[int] = mapped_column(Integer)  # how many prompts they make
    trainer_paced: Mapped[bool] = mapped_column(Boolean)
    closing_question: Mapped[str] = mapped_column(Text)  # "" for none
    current: Mapped[int] = mapped_column(Integer)  # trainer-paced: the prompt released (0-based)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    participants: Mapped[list[Participant]] = relationship(
        back_populates="session", cascade="all, delete-orphan", order_by="Participant.number")


class Participant(Base):
    """One practitioner in a group session: known to the trainer only by their number."""

    __tablename__ = "participants"
    __table_args__ = (UniqueConstraint("session_id", "sender_id", "channel"),
                      UniqueConstraint("session_id", "number"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"),
                                            index=True)
    sender_id: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(32))
    number: Mapped[int] = mapped_column(Integer)  # "Participant 1", "Participant 2", ...
    shares: Mapped[bool | None] = mapped_column(Boolean, nullable=True)  # None: not asked yet
    position: Mapped[int] = mapped_column(Integer)  # the prompt they are on (0-based)
    answered: Mapped[int] = mapped_column(Integer)  # prompts answered
    joined_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    session: Mapped[GroupSession] = relationship(back_populates="participants")
    answers: Mapped[list[SharedAnswer]] = relationship(
        back_populates="participant", cascade="all, delete-orphan")


class SharedAnswer(Base):
    """An answer a participant agreed to show the trainer, anonymously. Private answers are
    never stored here."""

    __tablename__ = "shared_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"),
                                            index=True)
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participants.id", ondelete="CASCADE"), index=True)
    prompt: Mapped[int] = mapped_column(Integer)  # the prompt's index in the session
    text: Mapped[str] = mapped_column(Text)
    vector: Mapped[list] = mapped_column(JSON)  # its embedding, for grouping answers
    findings: Mapped[list] = mapped_column(JSON)  # the key findings it touches (sections)
    passage: Mapped[str] = mapped_column(String(64))  # the closest passage's chunk id ("" none)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    participant: Mapped[Participant] = relationship(back_populates="answers")


class TrainerSession(Base):
    """A trainer signed in to the dashboard: their cookie names this row by a random id, and
    signing out deletes it, so a copied cookie stops working with the sign-out."""

    __tablename__ = "trainer_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256 of the cookie's id
    trainer: Mapped[str] = mapped_column(String(64), index=True)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class ForgottenSender(Base):
    """A sender whose data was deleted, and when: a turn that was already in flight then (its
    write arriving after the deletion) must not bring any of it back. Kept a day."""

    __tablename__ = "forgotten_senders"

    sender_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    forgotten_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
