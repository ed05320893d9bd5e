"""End to end: the real action server and Rasa server, started by the test, spoken to over the
REST webhook through a whole reflection; and the terminal chat client against them."""

from __future__ import annotations

import re

import pytest
import requests

from praxis import chat

pytestmark = pytest.mark.e2e


class Conversation:
    def __init__(self, stack, sender):
        self.url = f"{stack.settings.rasa_base_url}/webhooks/rest/webhook"
        self.sender = sender

    def say(self, message: str) -> list[dict]:
        r = requests.post(self.url, json={"sender": self.sender, "message": message}, timeout=60)
        assert r.status_code == 200, r.text
        return r.json()

    def text(self, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(message))


def test_a_whole_reflection_over_rest(stack):
    c = Conversation(stack, "e2e-whole")
    greeting = c.say("hello")
    assert "I'm Praxis" in greeting[0]["text"]

    first = c.text("I'd like to do a reflection on leadership")
    assert "The report finds: “there's a clarion call for higher education leaders" in first
    assert "(Key findings: Leadership's role — McLoughlin (2023)" in first
    assert "**What?**" in first and "**So what?**" not in first

    reply = c.text("Last month my head of service turned down my idea for group workshops "
                   "because appointment numbers were what the university measured.")
    # its finding was quoted with the prompt: now the one sentence of it the answer touches
    assert re.search(r"That touches the report's finding on leadership's role, where it says: "
                     r"“.+” \(Key findings: Leadership's role — McLoughlin \(2023\)", reply)
    assert "**So what?**" in reply

    # a question about the report in the middle: answered, then the same prompt again
    reply = c.text("what does the report say about the word guidance?")
    assert "From the report: “ambiguities in language, especially the term 'guidance'" in reply
    assert "Language and identity crisis" in reply
    assert "**So what?**" in reply and "**Now what?**" not in reply

    reply = c.text("It showed me that evidence mattered less than the hierarchy and the "
                   "targets set by senior leaders.")
    assert "**Now what?**" in reply
    reply = c.text("I could bring data from a small pilot and ask to present it at the "
                   "leadership team meeting.")
    assert "**Now what: your next step.**" in reply

    summary = c.say("I will email my manager by Friday to propose a four-week pilot of group "
                    "sessions in January.")
    [message] = [m for m in summary if "text" in m]
    text = message["text"]
    assert text.startswith("Here is your reflection on leadership")
    [document] = [m["custom"]["reflection"] for m in summary if "custom" in m]
    assert document["markdown"].startswith("# Reflection on leadership")
    for answer in ("turned down my idea for group workshops", "evidence mattered less",
                   "bring data from a small pilot", "email my manager by Friday"):
        assert answer in text
    assert "**Findings it connects with:** Key findings: Leadership's role" in text
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]
    assert "Thank you for taking the time" in c.text("/deny")


def test_distress_mid_reflection_gets_support_not_the_next_prompt(stack):
    c = Conversation(stack, "e2e-distress")
    c.text('/start_reflection{"theme": "power_dynamics"}')
    reply = c.text("honestly I feel hopeless and I can't cope with work any more")
    assert "Samaritans" in reply and "116 123" in reply
    assert not any(f"**{step}**" in reply for step in ("What?", "So what?", "Now what?"))
    # no reflective prompt (the reply's services are in bold)
    reply = c.text("continue")  # picks up the paused reflection at the same step
    assert "**What?**" in reply


def test_stop_and_continue_keep_the_answers(stack):
    c = Conversation(stack, "e2e-stop")
    c.text('/start_reflection{"theme": "social_norms"}')
    c.text("In our team nobody contacts academics directly without going through the manager.")
    assert "paused" in c.text("stop")
    reply = c.text("let's carry on")
    assert "**So what?**" in reply


def test_conversations_are_kept_apart(stack):
    a, b = Conversation(stack, "e2e-a"), Conversation(stack, "e2e-b")
    a.text('/start_reflection{"theme": "systems_thinking"}')
    reply = b.text("hello")
    assert "I'm Praxis" in reply and "**What?**" not in reply


def test_terminal_chat_shows_buttons_as_numbers(stack):
    typed = iter(["1", "5", "/quit"])
    shown: list[str] = []
    code = chat.run(stack.settings.rasa_base_url, "e2e-terminal", read=lambda prompt: next(typed),
                    write=shown.append)
    assert code == 0
    out = "\n".join(shown)
    assert "1) Start a reflection" in out
    assert "5) Leadership" in out  # the theme buttons, numbered
    assert "(you chose: Leadership)" in out
    assert "Let's reflect on leadership." in out and "**" not in out
