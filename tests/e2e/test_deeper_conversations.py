"""Deeper reflection end to end, on a stack of its own with the follow-ups on (the default): over
REST through the real Rasa and action servers, a descriptive answer gets exactly one follow-up, a
critical one none, "skip" skips, a vague next step gets one nudge and a concrete one none; the
journal answers each sender from their own reflections only."""

from __future__ import annotations

import pytest
import requests

from praxis.stack import Stack

pytestmark = pytest.mark.e2e

DESCRIPTIVE = ("In March the head of service emailed us to say the drop-in clinic would close at "
               "the end of term. I updated the web page and moved the bookings.")
CRITICAL = ("Looking back, I assumed the clinic closed for lack of money, but the decision shows "
            "how a metric built for accountability quietly defines what counts as guidance; the "
            "hierarchy that sets those targets never meets the students who lose out.")
RICH_NOW = ("I could bring usage data and students' own accounts to the next planning round, "
            "because the head of service only hears the numbers, and ask academics to back it.")
CONCRETE = "I will email my head of service by Friday to ask for ten minutes at the team meeting."


@pytest.fixture(scope="module")
def deep(kb, stack_settings, tmp_path_factory):
    settings = stack_settings()  # the follow-ups on, as by default
    with Stack(settings, log_dir=tmp_path_factory.mktemp("logs")) as stack:
        yield stack


def say(stack, sender: str, message: str) -> list[dict]:
    r = requests.post(f"{stack.settings.rasa_base_url}/webhooks/rest/webhook",
                      json={"sender": sender, "message": message}, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def text(replies: list[dict]) -> str:
    return "\n".join(m.get("text", "") for m in replies)


def skip_buttons(replies: list[dict]) -> list[dict]:
    return [b for m in replies for b in m.get("buttons", []) if b["payload"] == "/skip"]


def test_one_followup_for_a_descriptive_answer_none_for_a_critical_one(deep):
    sender = "deep-followup"
    say(deep, sender, '/start_reflection{"theme": "power_dynamics"}')
    first = say(deep, sender, DESCRIPTIVE)
    assert len(skip_buttons(first)) == 1 and "**So what?**" not in text(first)
    assert "head of service" in text(first)  # the question is about their answer
    again = say(deep, sender, "She had the year's targets in mind more than the students.")
    assert not skip_buttons(again) and "**So what?**" in text(again)  # one follow-up only
    rich = say(deep, sender, CRITICAL)
    assert not skip_buttons(rich) and "**Now what?**" in text(rich)  # never interrupted


def test_skip_skips_the_followup(deep):
    sender = "deep-skip"
    say(deep, sender, '/start_reflection{"theme": "power_dynamics"}')
    first = say(deep, sender, DESCRIPTIVE)
    [button] = skip_buttons(first)
    after = say(deep, sender, button["payload"])
    assert "**So what?**" in text(after) and not skip_buttons(after)


def test_a_vague_next_step_gets_one_nudge_and_a_concrete_one_none(deep):
    for sender, step, nudged in (("deep-vague", "I'll try to do better.", True),
                                 ("deep-concrete", CONCRETE, False)):
        say(deep, sender, '/start_reflection{"theme": "power_dynamics"}')
        say(deep, sender, CRITICAL)
        say(deep, sender, CRITICAL)
        assert "**Now what: your next step.**" in text(say(deep, sender, RICH_NOW))
        reply = text(say(deep, sender, step))
        assert ("For example:" in reply) is nudged
        if nudged:
            reply = text(say(deep, sender, "I'll try to do better, really."))
            assert "For example:" not in reply  # one nudge, then taken as written
        assert reply.startswith("Here is your reflection on power dynamics")
        assert ("I'll try to do better, really." if nudged else CONCRETE) in reply
        assert "**Where it went deeper:** In \"What?\" you questioned your assumption" in reply


def test_the_journal_answers_only_from_the_sender_s_own_reflections(deep):
    for sender, marker in (("deep-ana", "ANA-MARKER"), ("deep-ben", "BEN-MARKER")):
        say(deep, sender, '/start_reflection{"theme": "leadership"}')
        for answer in (f"{CRITICAL} ({marker})", CRITICAL, RICH_NOW, CONCRETE):
            say(deep, sender, answer)
    listing = say(deep, "deep-ana", "show me my past reflections")
    assert "You have 1 finished reflection" in text(listing)
    assert "Not yet: Power dynamics" in text(listing)
    [open_button] = [b for m in listing for b in m.get("buttons", [])]
    opened = text(say(deep, "deep-ana", open_button["payload"]))
    assert "ANA-MARKER" in opened and "BEN-MARKER" not in opened
    recall = text(say(deep, "deep-ana", "what did I say last time about leadership?"))
    assert "ANA-MARKER" in recall and "BEN-MARKER" not in recall
    # Ben opening Ana's reflection by its id gets nothing of hers
    stolen = text(say(deep, "deep-ben", open_button["payload"]))
    assert "ANA-MARKER" not in stolen and "can't find that reflection" in stolen
    assert "You haven't finished" in text(say(deep, "deep-new",
                                              "what did I say last time about leadership?"))
