"""End to end: the safety net with the real Rasa server, action server and risk detector, over
REST. Each message a new user tried at the first prompt of a fresh reflection and outside one
gets the reply of its kind, never the next prompt; the two organisational ones are not
signposted; a false alarm is undone with the message kept as the answer; a group session's
next prompt waits for a participant who was met with a safety reply."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.e2e.test_rest import Conversation

pytestmark = pytest.mark.e2e

CRISIS = ("116 123", "SHOUT to 85258", "NHS 111", "08000 562 561", "999")
WORK = ("HR", "trade union", "employee assistance programme", "08000 562 561")

QUOTED = [
    ("Honestly, everyone would be better off if I just wasn't around", "crisis"),
    ("I've been signed off with stress and I feel I've let the whole team down", "stress"),
    ("I dread Mondays so much I'm physically sick before I get to campus", "stress"),
    ("My head of service belittles me in every meeting and I've stopped eating", "crisis+work"),
    ("I think my manager is a bully", "work"),
]
ORGANISATIONAL = ["I can't go on leave until after the careers fair",
                  "The booking system is hopeless"]


def kind_of(text: str) -> str:
    """Which reply a text is: the crisis lines, the routes for mistreatment, the stress reply,
    or none of them."""
    crisis = all(s in text for s in CRISIS)
    work = all(s in text for s in WORK)
    if crisis:
        return "crisis+work" if "trade union" in text else "crisis"
    if work:
        return "work"
    if "That sounds exhausting" in text and "08000 562 561" in text:
        return "stress"
    return "none"


def start(stack, theme: str = "power dynamics") -> Conversation:
    c = Conversation(stack, f"e2e-safety-{uuid.uuid4().hex[:8]}")
    first = c.text(f"I'd like to do a reflection on {theme}")
    assert "**What?**" in first
    return c


@pytest.mark.parametrize("message,expected", QUOTED)
def test_each_quoted_message_gets_the_reply_of_its_kind_inside_and_outside(stack, message,
                                                                          expected):
    inside = start(stack)
    reply = inside.text(message)
    assert kind_of(reply) == expected, reply
    assert "**So what?**" not in reply and "The report finds" not in reply  # no next prompt
    assert "From the report" not in reply and "This connects with" not in reply
    assert "I've paused the reflection" in reply
    outside = Conversation(stack, f"e2e-safety-out-{uuid.uuid4().hex[:8]}")
    reply = outside.text(message)
    assert kind_of(reply) == expected, reply
    assert "I've paused" not in reply  # nothing was running


def test_risk_to_life_puts_999_first(stack):
    c = start(stack)
    reply = c.say("I'm not safe tonight, I've got the tablets ready")
    assert reply[0]["text"].startswith("**If you are in danger now")
    assert "999" in reply[0]["text"] and "116 123" in reply[0]["text"]


@pytest.mark.parametrize("message", ORGANISATIONAL)
def test_organisational_language_is_not_signposted(stack, message):
    c = start(stack, "systems thinking")
    reply = c.text(message)
    assert kind_of(reply) == "none", reply
    assert "**So what?**" in reply  # taken as the answer it is


def test_a_false_alarm_is_undone_and_the_message_kept_as_the_answer(stack):
    c = start(stack, "systems thinking")
    message = "I'm so depressed about our Graduate Outcomes figures, the referral route is broken"
    reply = c.say(message)
    assert kind_of("\n".join(m.get("text", "") for m in reply)) == "crisis", reply
    assert any(b["payload"] == "/misread" for m in reply for b in m.get("buttons") or [])
    after = c.text("/misread")
    assert after.startswith("I'm sorry, I misread you.")
    assert "**So what?**" in after and "**What?**" not in after  # it answered "What?"
    c.text("It means the process was designed around the institution, not the students.")
    c.text("I could map the referral journey with two students and the registry.")
    summary = c.text("I will book a meeting with the registry manager by Friday.")
    assert message in summary  # kept as the answer it was


def test_typed_misread_outside_a_reflection_apologises(stack):
    c = Conversation(stack, f"e2e-safety-{uuid.uuid4().hex[:8]}")
    assert kind_of(c.text("everything feels pointless and I can't see a way out")) == "crisis"
    after = c.text("no, you misread me, I meant the service")
    assert after.startswith("I'm sorry, I misread you.")


def test_teams_a_safety_reply_has_a_misread_button_and_recovers(stack, botframework):
    from tests.e2e.test_teams import Teams, card

    teams = Teams(stack, botframework)
    user = f"safe-{uuid.uuid4().hex[:6]}"
    teams.say('/start_reflection{"theme": "systems_thinking"}', user=user,
              conversation=f"personal-{user}")
    message = "I'm so depressed about our Graduate Outcomes figures, the referral route is broken"
    [reply] = teams.say(message, user=user, conversation=f"personal-{user}")
    content = card(reply)
    text = json_text(content)
    assert kind_of(text) == "crisis"
    [button] = [a for a in content["actions"] if a["title"] == "You misread me"]
    after = teams.say(value=button["data"], user=user, conversation=f"personal-{user}")
    said = "\n".join(json_text(card(a)) if "attachments" in a else a["text"] for a in after)
    assert "I'm sorry, I misread you." in said and "**So what?**" in said


def test_teams_group_chat_gets_a_neutral_line_and_the_person_a_private_message(stack,
                                                                              botframework):
    from tests.e2e.test_teams import Teams, card

    teams = Teams(stack, botframework)
    user = f"grp-{uuid.uuid4().hex[:6]}"
    chat = {"conversation": f"19:group-{user}@thread.v2", "conversation_type": "groupChat"}
    created, posted = len(botframework.created), len(botframework.posted)
    activity = botframework.activity("I think my manager is a bully", user=user, **chat)
    assert teams.post(activity).status_code == 200
    thread = [p["activity"] for p in botframework.posted[posted:]
              if p["conversation"] == activity["conversation"]["id"]]
    assert [a.get("text") for a in thread] == ["I've sent you a private message."]
    assert "bully" not in json.dumps(thread) and "HR" not in json.dumps(thread)
    [opened] = botframework.created[created:]
    assert opened["body"]["members"] == [{"id": f"29:user-{user}"}]
    assert opened["body"]["isGroup"] is False
    private = [p for p in botframework.posted[posted:] if p["conversation"] ==
               opened["conversation"]]
    [reply] = private
    assert kind_of(json_text(card(reply["activity"]))) == "work"


def json_text(content: dict) -> str:
    """The text of an Adaptive Card's blocks."""
    return "\n".join(b.get("text", "") for b in content.get("body", []))
