"""The app store's deletion and retention (store.erasure): every table that holds a person's
words or ids is covered, and a deletion wins over a write from a turn begun before it."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from praxis import config
from store import erasure, group_sessions, reflections, trainer_sessions
from store.db import session
from store.models import ForgottenSender, Participant, SharedAnswer
from store.reflections import Forgotten, Owner

ANA = Owner("ana", "socketio")


@pytest.fixture
def settings(tmp_path):
    return config.Settings(database_url=f"sqlite:///{tmp_path / 'praxis.db'}")


def count(model, settings) -> int:
    with session(settings) as s:
        return s.scalar(select(func.count()).select_from(model))


def in_a_session(owner, settings) -> None:
    row = group_sessions.create("tess", "Away-day", ["leadership"], 4, False, "", settings)
    group_sessions.join(row.code, owner, settings)
    group_sessions.set_sharing(owner, True, settings)
    group_sessions.record(owner, 0, "Our dean decided alone.", [0.1] * 4, [], "", settings)


def test_forgetting_a_sender_empties_every_table_of_theirs(settings):
    reflections.save(ANA, "leadership", {"what": "x"}, [], [], "# x", settings)
    in_a_session(ANA, settings)
    assert erasure.forget("ana", settings) == {"reflections": 1, "group_places": 1}
    assert reflections.journal(ANA, settings) == []
    assert count(Participant, settings) == count(SharedAnswer, settings) == 0


def test_a_write_from_a_turn_begun_before_the_deletion_is_refused(settings):
    begun = time.time() - 1
    erasure.forget("ana", settings)
    late = Owner("ana", "socketio", turn_started=begun)
    with pytest.raises(Forgotten):
        reflections.save(late, "leadership", {"what": "x"}, [], [], "# x", settings)
    row = group_sessions.create("tess", "Away-day", ["leadership"], 4, False, "", settings)
    with pytest.raises(Forgotten):
        group_sessions.join(row.code, late, settings)
    fresh = Owner("ana", "socketio", turn_started=time.time() + 1)  # a turn after it
    reflections.save(fresh, "leadership", {"what": "y"}, [], [], "# y", settings)
    assert len(reflections.journal(ANA, settings)) == 1


def test_retention_covers_reflections_group_sessions_sign_ins_and_its_own_notes(settings):
    reflections.save(ANA, "leadership", {"what": "x"}, [], [], "# x", settings)
    in_a_session(ANA, settings)
    trainer_sessions.open_for("tess", 12, settings)
    erasure.forget("ben", settings)
    later = datetime.now(timezone.utc) + timedelta(days=31)
    gone = erasure.purge(30, settings, now=later)
    assert gone == {"reflections": 1, "group_sessions": 1, "trainer_sign_ins": 1}
    assert count(Participant, settings) == count(SharedAnswer, settings) == 0
    assert count(ForgottenSender, settings) == 0
    # what is younger than the period stays
    reflections.save(ANA, "power_dynamics", {"what": "y"}, [], [], "# y", settings)
    in_a_session(Owner("cal", "teams"), settings)
    assert erasure.purge(30, settings)["reflections"] == 0
    assert count(Participant, settings) == 1 and len(reflections.journal(ANA, settings)) == 1
