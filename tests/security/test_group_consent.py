"""Consent read into words that are not consent: "ok" or "sure" inside a question or a
hesitation must not share a participant's answers with the trainer."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.group_session import CONSENT, UNCLEAR, ValidateGroupForm
from praxis import config
from store import group_sessions
from store.reflections import Owner


@pytest.fixture
def settings(tmp_path):
    return config.Settings(database_url=f"sqlite:///{tmp_path / 'praxis.db'}")


def consent(settings, make_tracker, text: str, sender: str) -> tuple[object, list[str], object]:
    row = group_sessions.create("tess", "Away-day", ["leadership"], 4, False, "", settings)
    group_sessions.join(row.code, Owner(sender, "unknown"), settings)
    dispatcher = CollectingDispatcher()
    form = ValidateGroupForm(settings=settings)
    slots = asyncio.run(form.validate_group_consent(
        text, dispatcher, make_tracker(text, sender=sender, active_loop="group_form"), {}))
    shares = group_sessions.place(Owner(sender, "unknown"), settings).shares
    return slots[CONSENT], [m["text"] for m in dispatcher.messages], shares


@pytest.mark.parametrize("text", [
    "ok, but who sees them?", "Sure? What does the trainer see exactly?",
    "is it ok if I think about it?", "I'm not sure", "fine by me if nobody can tell it's me",
    "yes but not the one about my manager", "share what exactly?", "what if I say no?",
])
def test_words_like_ok_or_sure_in_a_question_are_not_consent(settings, make_tracker, text):
    slot, said, shares = consent(settings, make_tracker, text, f"unclear-{hash(text)}")
    assert slot is None and said == [UNCLEAR]  # asked again
    assert shares is None  # and private meanwhile: the trainer sees no answer


@pytest.mark.parametrize("text, expected", [
    ("/affirm", True), ("Yes", True), ("yes please", True), ("ok.", True),
    ("Yes, share anonymously", True), ("happy to share", True),
    ("/deny", False), ("no", False), ("No, keep them private", False),
    ("I'd rather not", False), ("don't share them", False),
])
def test_the_button_or_a_clear_answer_decides(settings, make_tracker, text, expected):
    slot, _, shares = consent(settings, make_tracker, text, f"clear-{hash(text)}")
    assert slot == ("share" if expected else "private") and shares is expected
