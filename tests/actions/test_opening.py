"""Starting from what the practitioner brings: the themes a situation fits, and the "What?" step
that asks for more instead of asking again."""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.reflection import (
    ActionAskAnswerWhat,
    ActionAskTheme,
    ActionResetReflection,
    ValidateReflectionForm,
)
from actions.themes import THEMES
from praxis.phrasing import situation_of
from tests.actions.test_actions import (
    GROUNDING_ONLY,
    SETTINGS,
    form_tracker,
    run,
    slot_events,
    texts,
)

PILOT = "My PVC has just cancelled our group workshop pilot and I want to think it through"


@pytest.mark.parametrize("text", [
    PILOT,
    "i want to think through why my head of service rejected the proposal",
    "Our dean keeps calling us the CV people and I'd like to reflect on that",
])
def test_a_situation_is_told_from_a_bare_request(text):
    assert situation_of(text) == text


@pytest.mark.parametrize("text", [
    "I'd like to reflect", "can I reflect on something that happened at work today",
    "i've got ten minutes, can we do a quick reflection", "/start_reflection",
    "I'd like to think about a situation with my manager", "",
])
def test_a_bare_request_is_not_a_situation(text):
    assert situation_of(text) is None


def test_the_opening_is_kept_but_not_a_theme_named_in_it(make_tracker):
    events, _ = run(ActionResetReflection(None, SETTINGS), make_tracker(PILOT, "start_reflection"))
    assert slot_events(events)["situation"] == PILOT
    said = "can i reflect on how i deal with senior managers"
    events, _ = run(ActionResetReflection(None, SETTINGS), make_tracker(
        said, "start_reflection", entities=[{"entity": "theme", "value": "leadership",
                                             "start": 32, "end": len(said)}]))
    assert slot_events(events)["situation"] is None and slot_events(events)["theme"] == \
        "leadership"


def test_a_subject_mentioned_in_what_happened_is_offered_not_chosen(make_tracker):
    start = PILOT.index("group workshop")
    events, _ = run(ActionResetReflection(None, SETTINGS), make_tracker(
        PILOT, "start_reflection", entities=[{"entity": "theme", "value": "group_guidance",
                                              "start": start, "end": start + 14}]))
    assert slot_events(events)["situation"] == PILOT and slot_events(events)["theme"] is None


def test_the_situation_stays_when_a_theme_is_chosen_for_it(make_tracker):
    tracker = make_tracker('/choose_theme{"theme":"group_guidance"}', "choose_theme",
                           slots={"situation": PILOT},
                           entities=[{"entity": "theme", "value": "group_guidance"}])
    events, _ = run(ActionResetReflection(None, SETTINGS), tracker)
    assert slot_events(events)["situation"] == PILOT
    assert slot_events(events)["theme"] == "group_guidance"


def test_the_situation_invited_before_a_yes_is_kept(make_tracker):
    said = "Our dean introduced me to the governors as the person who helps students with CVs"
    tracker = make_tracker("/start_reflection", "start_reflection")
    tracker.events = [{"event": "user", "text": said, "parse_data": {"entities": []}},
                      {"event": "action", "name": "utter_reflect_invite"},
                      {"event": "user", "text": "/start_reflection"}]
    events, _ = run(ActionResetReflection(None, SETTINGS), tracker)
    assert slot_events(events)["situation"] == said


def test_the_themes_it_fits_are_offered_first_with_why(kb, make_tracker):
    events, [message] = run(ActionAskTheme(kb, SETTINGS),
                            make_tracker(slots={"situation": PILOT}))
    assert events == []
    text = message["text"]
    assert text.startswith("Thank you for starting with what happened. It seems closest to")
    offered = [t for t in THEMES.values() if f"**{t.title}**" in text]
    assert 1 <= len(offered) <= 2
    assert THEMES["group_guidance"] in offered
    assert "the report's finding on" in text and "“" in text
    payloads = [b["payload"] for b in message["buttons"]]
    assert len(payloads) == 8 and sorted(payloads) == sorted(
        f'/choose_theme{{"theme":"{k}"}}' for k in THEMES)
    assert {p.split('"')[3] for p in payloads[:len(offered)]} == {t.key for t in offered}


def test_a_situation_far_from_every_finding_gets_all_themes_without_a_guess(kb, make_tracker):
    _, [message] = run(ActionAskTheme(kb, SETTINGS), make_tracker(slots={
        "situation": "The printer on the second floor jammed again and the stationery order "
                     "came late"}))
    assert "I can't tell which of the report's findings" in message["text"]
    assert len(message["buttons"]) == 8


def test_the_what_step_asks_for_more_and_takes_both_as_the_answer(kb, make_tracker):
    _, messages = run(ActionAskAnswerWhat(kb, SETTINGS), make_tracker(
        slots={"theme": "group_guidance", "findings_cited": [], "situation": PILOT}))
    [text] = texts(messages)
    assert f"**What?** You wrote: “{PILOT}” Say a little more about what happened" in text
    assert "Describe a time" not in text

    more = ("It was cancelled a week before launch because the faculty said students only "
            "value one-to-one appointments.")
    tracker = form_tracker(make_tracker, "answer_what", more,
                           {"theme": "group_guidance", "findings_cited": [], "situation": PILOT})
    events, _ = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    slots = slot_events(events)
    assert slots["answer_what"] == f"{PILOT}\n\n{more}" and slots["situation"] is None

    tracker = form_tracker(make_tracker, "answer_what", "skip",
                           {"theme": "group_guidance", "findings_cited": [], "situation": PILOT})
    events, _ = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    assert slot_events(events)["answer_what"] == PILOT


def test_an_answer_naming_a_theme_s_subject_is_the_answer_not_a_switch(kb, make_tracker):
    answer = "My manager wrote a note in the minutes about our group workshops being a waste."
    # the message's entity has already set the theme slot, as Rasa's slot mappings do
    tracker = make_tracker(answer, "choose_theme", active_loop="reflection_form",
                           slots={"theme": "group_guidance", "requested_slot": "answer_what"},
                           entities=[{"entity": "theme", "value": "group_guidance",
                                      "start": 49, "end": 64}])
    tracker.events = [{"event": "slot", "name": "theme", "value": "power_dynamics"},
                      {"event": "user", "text": answer},
                      {"event": "slot", "name": "theme", "value": "group_guidance"}]
    events, messages = run(ActionResetReflection(kb, GROUNDING_ONLY), tracker)
    slots = slot_events(events)
    assert slots["theme"] == "power_dynamics" and slots["answer_what"] == answer
    # related to the report as any answer is, in the reflection's own theme
    assert [m["text"] for m in messages if m.get("text", "").startswith("Thank you.")]
    for wish in ("can we switch to group guidance instead", "group guidance",
                 '/choose_theme{"theme":"group_guidance"}'):
        tracker = make_tracker(wish, "choose_theme", active_loop="reflection_form",
                               slots={"theme": "power_dynamics", "requested_slot": "answer_what"},
                               entities=[{"entity": "theme", "value": "group_guidance"}])
        events, _ = run(ActionResetReflection(None, SETTINGS), tracker)
        assert slot_events(events)["theme"] == "group_guidance", wish


def test_an_answer_whose_entity_set_another_theme_keeps_the_theme(kb, make_tracker):
    answer = "My manager cancelled our group sessions without asking us."
    tracker = make_tracker(answer, "start_reflection", active_loop="reflection_form",
                           slots={"theme": "group_guidance", "requested_slot": "answer_what",
                                  "findings_cited": []},
                           entities=[{"entity": "theme", "value": "group_guidance",
                                      "start": 25, "end": 39}])
    tracker.events = [{"event": "slot", "name": "theme", "value": "leadership"},
                      {"event": "user", "text": answer},
                      {"event": "slot", "name": "theme", "value": "group_guidance"}]
    events, messages = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    slots = slot_events(events)
    assert slots["theme"] == "leadership" and slots["answer_what"] == answer
    [reply] = texts(messages)  # related to the leadership reflection's finding, or to none
    assert reply.startswith("Thank you.") and "contrasting perspectives" not in reply


def test_a_theme_set_from_a_subject_in_what_happened_is_asked_for_instead(make_tracker):
    start = PILOT.index("group workshop")
    tracker = make_tracker(PILOT, "start_reflection", slots={"situation": PILOT},
                           entities=[{"entity": "theme", "value": "group_guidance",
                                      "start": start, "end": start + 14}],
                           active_loop="reflection_form")
    slots = asyncio.run(ValidateReflectionForm(None, SETTINGS).validate_theme(
        "group_guidance", CollectingDispatcher(), tracker, {}))
    assert slots == {"theme": None}
    asked = make_tracker("can i reflect on leadership", "start_reflection",
                         entities=[{"entity": "theme", "value": "leadership", "start": 16,
                                    "end": 26}], active_loop="reflection_form")
    slots = asyncio.run(ValidateReflectionForm(None, SETTINGS).validate_theme(
        "leadership", CollectingDispatcher(), asked, {}))
    assert slots == {"theme": "leadership"}
