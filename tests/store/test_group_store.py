"""Group sessions in the app store: join codes, joining, consent, pacing and deletion."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from praxis import config
from store import codes, group_sessions
from store.db import session
from store.group_sessions import JoinRefused, NotYours
from store.models import GroupSession, SharedAnswer
from store.reflections import Owner

ANA, BEN, CAL = Owner("ana", "socketio"), Owner("ben", "socketio"), Owner("cal", "teams")


@pytest.fixture
def settings(tmp_path):
    return config.Settings(database_url=f"sqlite:///{tmp_path / 'praxis.db'}",
                           session_code_hours=12)


def make(settings, trainer="tess", paced=True, prompts=9):
    return group_sessions.create(trainer, "Away-day", ["power_dynamics", "leadership"], prompts,
                                 paced, "What will you take back?", settings)


def test_codes_use_an_unambiguous_alphabet_and_do_not_collide():
    assert not set("01ILO") & set(codes.ALPHABET)
    made = [codes.new_code() for _ in range(10_000)]
    assert all(len(c) == 8 and set(c) <= set(codes.ALPHABET) for c in made)
    assert len(set(made)) == len(made)
    assert len(codes.ALPHABET) ** codes.LENGTH > 10**11  # not guessable by trying
    assert codes.normalise(" abcd-2345 ") == "ABCD2345" and codes.well_formed("ABCD2345")
    assert not codes.well_formed("ABCD0345") and not codes.well_formed("ABC")


def test_joining_numbers_participants_and_a_second_join_is_the_same_place(settings):
    row = make(settings)
    first = group_sessions.join(row.code.lower(), ANA, settings)
    second = group_sessions.join(row.code, BEN, settings)
    again = group_sessions.join(f"{row.code[:4]}-{row.code[4:]}", ANA, settings)
    assert (first.number, second.number, again.number) == (1, 2, 1)
    assert first.shares is None and first.prompt == 0 and first.trainer_paced


@pytest.mark.parametrize("code, reason", [("ZZZZ2222", "couldn't find a session"),
                                          ("nope", "doesn't look like a session code")])
def test_a_wrong_code_is_refused_with_a_reason(settings, code, reason):
    make(settings)
    with pytest.raises(JoinRefused, match=reason):
        group_sessions.join(code, ANA, settings)


def test_an_ended_or_expired_session_cannot_be_joined(settings):
    ended, expired = make(settings), make(settings)
    group_sessions.end(ended.id, "tess", settings)
    with session(settings) as s:
        s.get(GroupSession, expired.id).expires_at = group_sessions.now() - timedelta(minutes=1)
    with pytest.raises(JoinRefused, match="has ended"):
        group_sessions.join(ended.code, ANA, settings)
    with pytest.raises(JoinRefused, match="has expired"):
        group_sessions.join(expired.code, ANA, settings)


def shared(settings):
    with session(settings) as s:
        return [a.text for a in s.scalars(select(SharedAnswer).order_by(SharedAnswer.id))]


def test_only_shared_answers_are_kept_and_going_private_removes_them(settings):
    row = make(settings)
    for who in (ANA, BEN):
        group_sessions.join(row.code, who, settings)
    group_sessions.set_sharing(ANA, True, settings)
    group_sessions.set_sharing(BEN, False, settings)
    _, kept = group_sessions.record(ANA, 0, "Ana's answer", [0.1, 0.2], [], "", settings)
    _, private = group_sessions.record(BEN, 0, "Ben's answer", [0.1, 0.2], [], "", settings)
    assert kept is not None and private is None
    assert shared(settings) == ["Ana's answer"]  # a private answer is never stored
    assert group_sessions.set_sharing(ANA, False, settings) == 1
    assert shared(settings) == []
    group_sessions.set_sharing(ANA, True, settings)
    group_sessions.record(ANA, 1, "Ana again", [0.1, 0.2], [], "", settings)
    assert not group_sessions.withdraw(BEN, None, settings)  # nothing of Ben's to withdraw
    assert group_sessions.withdraw(ANA, None, settings) and shared(settings) == []


def test_one_participant_cannot_withdraw_another_s_answer(settings):
    row = make(settings)
    for who in (ANA, BEN):
        group_sessions.join(row.code, who, settings)
        group_sessions.set_sharing(who, True, settings)
    _, ana_answer = group_sessions.record(ANA, 0, "Ana's answer", [1.0], [], "", settings)
    assert not group_sessions.withdraw(BEN, ana_answer, settings)
    assert shared(settings) == ["Ana's answer"]


def test_trainer_paced_sessions_wait_for_the_trainer_and_late_joiners_start_at_the_current(
        settings):
    row = make(settings, prompts=3)
    group_sessions.join(row.code, ANA, settings)
    after, _ = group_sessions.record(ANA, 0, "first", [1.0], [], "", settings)
    assert after.prompt is None and not after.done  # waiting for the trainer
    current, told = group_sessions.advance(row.id, "tess", settings)
    assert current == 1 and told == [ANA]
    assert group_sessions.place(ANA, settings).prompt == 1
    late = group_sessions.join(row.code, CAL, settings)
    assert late.prompt == 1  # starts at the current prompt
    group_sessions.advance(row.id, "tess", settings)
    assert group_sessions.place(ANA, settings).prompt == 2  # an unanswered prompt is passed
    with pytest.raises(ValueError, match="last prompt"):
        group_sessions.advance(row.id, "tess", settings)
    final, _ = group_sessions.record(ANA, 2, "last", [1.0], [], "", settings)
    assert final.prompt is None and final.done


def test_self_paced_sessions_move_on_by_themselves(settings):
    row = make(settings, paced=False, prompts=2)
    group_sessions.join(row.code, ANA, settings)
    assert group_sessions.record(ANA, 0, "one", [1.0], [], "", settings)[0].prompt == 1
    done, _ = group_sessions.record(ANA, 1, "two", [1.0], [], "", settings)
    assert done.prompt is None and done.done
    with pytest.raises(ValueError):
        group_sessions.advance(row.id, "tess", settings)  # nothing to pace


def test_a_trainer_reaches_only_their_own_sessions(settings):
    row = make(settings, trainer="tess")
    make(settings, trainer="tom")
    assert [s.id for s in group_sessions.for_trainer("tess", settings)] == [row.id]
    for call in (group_sessions.get, group_sessions.end, group_sessions.remove,
                 group_sessions.advance):
        with pytest.raises(NotYours):
            call(row.id, "tom", settings)


def test_deleting_a_session_deletes_its_participants_and_answers(settings):
    row = make(settings)
    group_sessions.join(row.code, ANA, settings)
    group_sessions.set_sharing(ANA, True, settings)
    group_sessions.record(ANA, 0, "kept until deleted", [1.0], [], "", settings)
    group_sessions.remove(row.id, "tess", settings)
    assert shared(settings) == [] and group_sessions.place(ANA, settings) is None


def test_the_same_answer_sent_again_is_kept_once_and_moves_no_one_on(settings):
    row = make(settings, paced=False, prompts=3)
    group_sessions.join(row.code, ANA, settings)
    group_sessions.set_sharing(ANA, True, settings)
    first, kept = group_sessions.record(ANA, 0, "once", [1.0], [], "", settings)
    again, kept_again = group_sessions.record(ANA, 0, "once", [1.0], [], "", settings)
    assert kept is not None and kept_again is None
    assert first.prompt == again.prompt == 1 and shared(settings) == ["once"]
