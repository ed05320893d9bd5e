"""End to end over REST: the ordinary questions and answers once misread (issue list of the
conversation a practitioner meets) now take their route, with the real servers and model."""

from __future__ import annotations

import pytest

from tests.e2e.test_rest import Conversation

pytestmark = pytest.mark.e2e

FALLBACK = "didn't quite follow"
INVITE = "worth reflecting on"


@pytest.mark.parametrize("question, expected", [
    # the aims: the introduction's last words or the study's own account of itself
    ("What's this report actually about?", ("This study examines", "This research explores")),
    ("how long is the full report?", ("34-page PDF",)),
    ("can I get the full report?", ("luminate.prospects.ac.uk",)),
    ("So do careers advisers resist group work or not, according to this?",
     ("Contrasting perspectives",)),
    ("Is group guidance better than one-to-one?", ("Contrasting perspectives",)),
    ("Does the report say anything about widening participation students?",
     ("From the report", "doesn't cover that")),
    ("What are the power zones in the grounded theory?",
     ("mentions power zones but doesn't explain what they are",)),
])
def test_report_questions_are_answered_from_the_report(stack, question, expected):
    reply = Conversation(stack, f"quality-{abs(hash(question))}").text(question)
    assert any(e in reply for e in expected), reply
    for wrong in (FALLBACK, INVITE, "which theme you'd like", "File type", "File size",
                  "Download PDF"):
        assert wrong not in reply


def test_a_request_praxis_does_not_do_is_said_to_be_out_of_scope(stack):
    reply = Conversation(stack, "quality-linkedin").text(
        "Can you help me write a LinkedIn post about our careers fair?")
    assert "outside what I can help with" in reply and INVITE not in reply


def test_a_request_for_something_else_mid_reflection_is_declined_and_the_prompt_kept(stack):
    c = Conversation(stack, "quality-headline")
    c.text('/start_reflection{"theme": "leadership"}')
    reply = c.text("actually forget this, can you just write my LinkedIn headline?")
    assert "outside what I can help with" in reply and "**What?**" in reply, reply
    assert "Thank you" not in reply  # not taken as the answer
    reply = c.text("Our director cancelled the alumni mentoring scheme a week before it began.")
    assert "**So what?**" in reply or reply.rstrip().endswith("?"), reply


def test_what_is_kept_is_answered_truly(stack):
    for sender, question in (("quality-keep", "What do you keep?"),
                             ("quality-see", "who can see what I write?")):
        reply = Conversation(stack, sender).text(question)
        assert "stored on the server" in reply and "journal" in reply


def test_an_answer_that_sounds_like_a_question_is_taken_as_the_answer(stack):
    c = Conversation(stack, "quality-wonder")
    c.text('/start_reflection{"theme": "group_guidance"}')
    reply = c.text("We ran two workshops for final years, but why do we always count "
                   "appointments and never workshops? That's what stopped it.")
    assert "**So what?**" in reply and "From the report:" not in reply
    reply = c.text("Does the report say anything about how appointments are counted?")
    assert "**So what?**" in reply  # a report question answered, then the same prompt again
    assert "**Now what?**" not in reply


def test_a_reflection_starts_from_the_situation_the_practitioner_brings(stack):
    c = Conversation(stack, "quality-opener")
    opener = "My PVC has just cancelled our group workshop pilot and I want to think it through"
    offer = c.say(opener)
    text = "\n".join(m.get("text", "") for m in offer)
    assert "It seems closest to" in text and "**Group-based guidance" in text, text
    buttons = [b for m in offer for b in m.get("buttons", [])]
    assert len(buttons) == 8 and "group_guidance" in buttons[0]["payload"]
    reply = c.text(buttons[0]["payload"])
    assert f"**What?** You wrote: “{opener}” Say a little more about what happened" in reply
    reply = c.text("It was a week before launch; the faculty said students only value "
                   "one-to-one appointments and the PVC agreed without asking us.")
    # the step is answered: the next prompt, or one follow-up question on it, never the same ask
    assert "You wrote" not in reply and "Could you say a little more" not in reply
    assert "**So what?**" in reply or reply.rstrip().endswith("?"), reply
