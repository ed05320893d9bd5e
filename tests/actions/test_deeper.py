"""Deeper reflection, run as the action server runs it: one follow-up for an answer that only
describes (none for a rich one, "skip" skips it), one nudge for a vague next step, the summary's
"where it went deeper" in words, and the journal, which answers only from the sender's own
reflections."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from rasa_sdk.executor import CollectingDispatcher

from actions.depth import DepthEstimator, agreement, markers
from actions.followups import check_step, deepening_question, deeper_note
from actions.journal import ActionJournalList, ActionJournalOpen, ActionJournalRecall
from actions.reflection import ActionAskAnswerSoWhat, ActionCloseReflection, ValidateReflectionForm
from praxis import config
from praxis.config import ROOT

DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text())
DESCRIPTIVE = ("In March the head of service emailed us to say the drop-in clinic would close at "
               "the end of term. I updated the web page and moved the bookings.")
CRITICAL = ("Looking back, I assumed the clinic closed for lack of money, but the decision shows "
            "how a metric built for accountability quietly defines what counts as guidance; the "
            "hierarchy that sets those targets never meets the students who lose out.")


@pytest.fixture(scope="module")
def depth(kb):
    return DepthEstimator(kb.embedder.embed)


@pytest.fixture
def settings(tmp_path):
    return config.Settings(database_url=f"sqlite:///{tmp_path / 'praxis.db'}")


def validate(form, slot, value, tracker):
    dispatcher = CollectingDispatcher()
    result = asyncio.run(getattr(form, f"validate_{slot}")(value, dispatcher, tracker, DOMAIN))
    return result, dispatcher.messages


def test_the_estimate_agrees_with_the_labelled_set():
    """The figures in the README (`praxis depth-eval`): targets exact >= 0.6, within one
    >= 0.9."""
    from knowledge.embedding import Embedder

    labelled = yaml.safe_load((ROOT / "tests" / "depth" / "labelled.yml").read_text())
    assert len(labelled["answers"]) >= 120
    result = agreement(DepthEstimator(Embedder().embed), labelled["answers"])
    assert result.exact >= 0.6 and result.within_one >= 0.9, result.table()


def test_levels_and_markers(depth):
    assert depth.estimate(DESCRIPTIVE).level == 1
    rich = depth.estimate(CRITICAL)
    assert rich.level >= 3 and rich.markers["questioning"] and rich.markers["context"]
    assert markers("because of the KPIs, but perhaps")["reason"] == ["because"]


def test_a_descriptive_answer_gets_one_followup_and_a_rich_one_none(kb, depth, settings,
                                                                   make_tracker):
    form = ValidateReflectionForm(kb, settings, depth)
    base = {"theme": "power_dynamics", "findings_cited": [], "requested_slot": "answer_what"}
    result, messages = validate(form, "answer_what", DESCRIPTIVE, make_tracker(slots=base))
    assert result["answer_what"] is None and result["followup_for"] == "answer_what"
    [followup] = messages
    assert "head of service" in followup["text"]  # chosen for the answer
    assert followup["buttons"] == [{"title": "Skip this question", "payload": "/skip"}]
    assert followup["text"] == result["followup_text"]

    pending = {**base, **result}
    more = "She probably had the targets for the year in mind more than the students."
    result, _ = validate(form, "answer_what", more, make_tracker(slots=pending))
    assert result["answer_what"] == f"{DESCRIPTIVE}\n\n{more}"  # one answer, and no second one
    assert result["followup_for"] is None

    result, _ = validate(form, "answer_what", "skip", make_tracker(slots=pending))
    assert result["answer_what"] == DESCRIPTIVE and result["followup_for"] is None

    result, messages = validate(form, "answer_what", CRITICAL, make_tracker(slots=base))
    assert result["answer_what"] == CRITICAL and "followup_for" not in result
    assert not any("Skip" in str(m.get("buttons")) for m in messages)
    assert result["depth_notes"] == [
        "In \"What?\" you questioned your assumption that the clinic closed for lack of money, "
        "but the decision shows how a metric built for accountability quietly defines what "
        "counts as guidance."]


def test_a_pending_followup_is_asked_again_after_an_interruption(kb, depth, settings,
                                                                make_tracker):
    ask = ActionAskAnswerSoWhat(kb, settings, depth)
    slots = {"theme": "leadership", "followup_for": "answer_so_what",
             "followup_text": "What evidence did your leaders weigh there?"}
    dispatcher = CollectingDispatcher()
    asyncio.run(ask.run(dispatcher, make_tracker(slots=slots), DOMAIN))
    assert [m["text"] for m in dispatcher.messages] == [slots["followup_text"]]


@pytest.mark.parametrize("step, concrete", [
    ("I'll try to do better.", False),
    ("Talk to people about it.", False),
    ("I will email my head of service by Friday to propose a pilot.", True),
    ("Book a meeting with the faculty office next week.", True),
    ("Ask my manager on 12 May for ten minutes at the team meeting.", True),
    # a named person is the "who"; a day or month named is not a person
    ("Talk to Sam on Thursday.", True),
    ("I'll email Priya Shah next week about the pilot.", True),
    ("Email on Friday about it.", False),
])
def test_next_steps_are_checked_for_action_who_and_when(step, concrete):
    assert check_step(step).concrete is concrete


def test_a_vague_next_step_gets_one_nudge_then_is_taken_as_written(kb, depth, settings,
                                                                  make_tracker):
    form = ValidateReflectionForm(kb, settings, depth)
    base = {"theme": "leadership", "findings_cited": [], "requested_slot": "next_step"}
    result, [nudge] = validate(form, "next_step", "I'll try to do better.",
                               make_tracker(slots=base))
    assert result["next_step"] is None and "For example:" in nudge["text"]
    assert "who or what it involves and when" in nudge["text"]
    again = "I'll try to do better, honestly."
    result, messages = validate(form, "next_step", again, make_tracker(slots={**base, **result}))
    assert result["next_step"] == again  # accepted as the user wrote it
    assert not any("For example:" in m["text"] for m in messages)
    concrete = "I will email my head of service by Friday to propose a pilot."
    result, messages = validate(form, "next_step", concrete, make_tracker(slots=base))
    assert result["next_step"] == concrete
    assert not any("For example:" in m["text"] for m in messages)  # no nudge


def test_followups_and_depth_can_be_turned_off(kb, depth, settings, make_tracker):
    off = replace(settings, reflection_followups=False, depth_estimate=False)
    form = ValidateReflectionForm(kb, off, depth)
    slots = {"theme": "power_dynamics", "findings_cited": []}
    result, _ = validate(form, "answer_what", DESCRIPTIVE, make_tracker(slots=slots))
    assert result["answer_what"] == DESCRIPTIVE and "depth_notes" not in result
    result, _ = validate(form, "next_step", "I'll try.", make_tracker(slots=slots))
    assert result["next_step"] == "I'll try."


def finish(kb, depth, settings, make_tracker, sender, theme="leadership", answer="x"):
    slots = {"theme": theme, "answer_what": f"{answer}: my director said no to a pilot.",
             "answer_so_what": "Evidence counted for less than the plan.",
             "answer_now_what": "Bring data from another university.",
             "next_step": "Email my director with the data by 12 May.",
             "findings_cited": [kb.section("Leadership's role").chunk_id],
             "depth_notes": ["In \"So what?\" you looked at it from more than one side."]}
    dispatcher = CollectingDispatcher()
    asyncio.run(ActionCloseReflection(kb, settings, depth).run(
        dispatcher, make_tracker(slots=slots, sender=sender), DOMAIN))
    return dispatcher.messages


def run_journal(action, tracker):
    dispatcher = CollectingDispatcher()
    asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return dispatcher.messages


def test_the_summary_says_where_it_went_deeper_and_the_journal_keeps_it(kb, depth, settings,
                                                                       make_tracker):
    [summary] = finish(kb, depth, settings, make_tracker, "ana", answer="Ana's own words")
    assert "**Where it went deeper:** In \"So what?\" you looked at it from more than one " \
           "side." in summary["text"]
    assert "## Where it went deeper" in summary["custom"]["reflection"]["markdown"]
    finish(kb, depth, settings, make_tracker, "ben", theme="systems_thinking",
           answer="Ben's own words")

    [listing] = run_journal(ActionJournalList(kb, settings), make_tracker(sender="ana"))
    assert "You have 1 finished reflection:" in listing["text"] and "Leadership" in listing["text"]
    assert "Not yet: Power dynamics" in listing["text"] and "Systems thinking" in listing["text"]
    [button] = listing["buttons"]

    opened_id = button["payload"].split('"reflection_id": "')[1].split('"')[0]
    entities = [{"entity": "reflection_id", "value": opened_id}]
    [opened] = run_journal(ActionJournalOpen(kb, settings),
                           make_tracker(sender="ana", entities=entities))
    assert "Ana's own words" in opened["text"] and opened["custom"]["reflection"]["markdown"]
    [refused] = run_journal(ActionJournalOpen(kb, settings),
                            make_tracker(sender="ben", entities=entities))
    assert "can't find that reflection" in refused["text"]  # not Ben's to open

    theme = [{"entity": "theme", "value": "leadership"}]
    [recall] = run_journal(ActionJournalRecall(kb, settings), make_tracker(
        "what did I say last time about leadership?", "journal_recall", sender="ana",
        entities=theme))
    assert "Ana's own words" in recall["text"] and "Ben" not in recall["text"]
    [none] = run_journal(ActionJournalRecall(kb, settings), make_tracker(
        "what did I say last time about leadership?", "journal_recall", sender="ben",
        entities=theme))
    assert "haven't finished a reflection on leadership" in none["text"]
    assert "Ana" not in none["text"]


def test_the_journal_is_empty_for_a_new_sender(kb, settings, make_tracker):
    [empty] = run_journal(ActionJournalList(kb, settings), make_tracker(sender="new"))
    assert empty["text"].startswith("Your journal is empty so far")


def test_the_store_schema_is_made_by_the_migration(settings):
    import sqlalchemy as sa

    from store.db import sessions

    sessions(settings)
    engine = sa.create_engine(settings.store_url)
    with engine.connect() as c:
        assert sa.inspect(c).has_table("reflections")
        assert c.execute(sa.text("SELECT version_num FROM alembic_version")).scalar() == "0004"
    assert Path(settings.store_url.removeprefix("sqlite:///")).exists()
    _ = tempfile  # (tmp paths come from pytest)


@pytest.mark.parametrize("answer, note", [
    # someone else's assumption, only reported: named, not credited as the practitioner's
    ("My manager assumed that students only want one-to-ones, and the hierarchy kept it so.",
     "In \"So what?\" you named the assumption that students only want one-to-ones, and the "
     "hierarchy kept it so."),
    # first-person words are quoted, never turned into "you wondered whether I should"
    ("Maybe I should stop trying to change the targets, since the structure decides them.",
     "In \"So what?\" you wondered aloud: “Maybe I should stop trying to change the targets, "
     "since the structure decides them”."),
    ("Looking back I assumed my role was just CVs, but the institution decided that for me.",
     "In \"So what?\" you questioned an assumption, in your words: “my role was just CVs, but "
     "the institution decided that for me”."),
])
def test_where_it_went_deeper_is_said_grammatically_and_claims_only_what_the_answer_does(
        answer, note):
    from actions.depth import Depth, markers

    assert deeper_note("So what?", answer, Depth(3, markers(answer))) == note


def test_a_role_keeps_its_capitals_in_a_follow_up():
    assert "mattered most to the PVC there" in deepening_question(
        "leadership", "The PVC cancelled the pilot in March.")
    assert "mattered most to the dean there" in deepening_question(
        "leadership", "Our Dean cancelled it at the last minute.")
