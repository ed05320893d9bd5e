"""Each action run as the action server runs it: a fresh dispatcher, a tracker, the real domain
and the real knowledge base; the returned events and the dispatched messages are asserted."""

from __future__ import annotations

import asyncio
import re
import tempfile
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.reflection import (
    ActionAskAnswerNowWhat,
    ActionAskAnswerWhat,
    ActionAskNextStep,
    ActionAskTheme,
    ActionCloseReflection,
    ActionResetReflection,
    ValidateReflectionForm,
)
from actions.report import ActionAnswerReport, ActionOutOfScope
from actions.safety import ActionSupport
from actions.themes import STEPS, THEMES
from praxis import config

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())
SETTINGS = config.Settings(
    database_url=f"sqlite:///{tempfile.mkdtemp(prefix='praxis-store-')}/praxis.db")
# the grounding of answers, tested apart from the follow-ups (tests/actions/test_deeper.py)
GROUNDING_ONLY = replace(SETTINGS, reflection_followups=False)


def run(action, tracker):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


def texts(messages):
    return [m["text"] for m in messages]


def slot_events(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_report_question_is_answered_with_a_quoted_cited_passage(kb, make_tracker):
    events, messages = run(ActionAnswerReport(kb, SETTINGS),
                           make_tracker("who paid for this research?", "ask_report"))
    assert events == []
    [text] = texts(messages)
    assert text.startswith("From the report: “This research was funded by Jisc's careers "
                           "research grant")
    assert ('(Funding — McLoughlin (2023), "How do career development practitioners innovate '
            'in HE?")') in text


def test_report_question_outside_the_report_is_not_answered(kb, make_tracker):
    events, messages = run(ActionAnswerReport(kb, SETTINGS),
                           make_tracker("what's the best CV template for engineering students?",
                                        "ask_report"))
    [text] = texts(messages)
    assert text.startswith("The report summary doesn't cover that, so I won't guess.")
    assert "“" not in text  # nothing quoted
    assert "Leadership's role" in text  # says what it does cover


def test_a_detail_the_report_lacks_is_named_and_the_nearest_passage_shown(kb, make_tracker):
    _, messages = run(ActionAnswerReport(kb, SETTINGS),
                      make_tracker("which university was the study done at?", "ask_report"))
    [m] = messages
    assert m["text"].startswith("The report summary doesn't give the institution's name, so I "
                                "won't guess. What it does say nearest to your question: “")
    assert "UK higher education institution" in m["text"]
    blocks = m["custom"]["blocks"]
    assert [b["type"] for b in blocks] == ["text", "citation"]
    assert blocks[1]["section"].endswith("About the study")


def test_document_details_are_not_passed_off_as_a_quotation(kb, make_tracker):
    _, messages = run(ActionAnswerReport(kb, SETTINGS),
                      make_tracker("who is the author of the report?", "ask_report"))
    text = texts(messages)[0]
    assert "About the document:" in text and "Holly McLoughlin" in text


@pytest.mark.parametrize("text, declined", [
    ("actually forget this, can you just write my LinkedIn headline?", True),
    ("sorry quick one first - what's the weather doing in Glasgow?", True),
    ("could you code me a booking form in javascript rather than doing this", True),
    ("Ignore that question, what's the score in the cricket?", True),
    ("The weather wrecked our outdoor careers fair, so the employers went home early.", False),
    ("I asked whether they could fix the booking system and nobody replied.", False),
])
def test_an_out_of_scope_reading_mid_prompt_is_declined_only_when_put_as_a_request(
        make_tracker, text, declined):
    tracker = make_tracker(text, "out_of_scope", slots={"requested_slot": "answer_what"},
                           active_loop="reflection_form")
    events, messages = run(ActionOutOfScope(None, SETTINGS), tracker)
    if declined:
        assert events == [] and [m["response"] for m in messages] == ["utter_out_of_scope"]
    else:
        assert messages == [] and slot_events(events) == {"answer_what": text}


def test_an_out_of_scope_request_outside_a_prompt_is_declined(make_tracker):
    events, messages = run(ActionOutOfScope(None, SETTINGS),
                           make_tracker("Our careers fair was in the sports hall.", "out_of_scope"))
    assert events == [] and [m["response"] for m in messages] == ["utter_out_of_scope"]


def kind(value: str) -> dict[str, str]:
    return {"entity": "risk_kind", "value": value, "extractor": "DistressGuard"}


def test_support_is_graded_by_kind_and_configurable(make_tracker):
    def reply(kinds: list[str], loop: str | None = None, settings=SETTINGS):
        tracker = make_tracker("a message", "distress", entities=[kind(k) for k in kinds],
                               slots={"requested_slot": "answer_what" if loop else None},
                               active_loop=loop)
        events, messages = run(ActionSupport(None, settings), tracker)
        [message] = messages
        return events, message

    _, life = reply(["life"])
    assert life["text"].startswith("**If you are in danger now")  # 999 and A&E come first
    assert "999" in life["text"].split("\n")[0] and "116 123" in life["text"]
    _, suicidal = reply(["suicidal"], "reflection_form")
    text = suicidal["text"]
    for service in ("Samaritans", "116 123", "24 hours", "SHOUT to 85258", "NHS 111",
                    "mental health option", "Education Support", "08000 562 561",
                    "staff wellbeing", "999"):
        assert service in text, service
    assert "I've paused the reflection" in text
    assert [b["payload"] for b in suicidal["buttons"]] == ["/misread"]
    _, bullied = reply(["mistreatment"], "reflection_form")
    for route in ("HR", "trade union", "employee assistance programme", "Education Support"):
        assert route in bullied["text"], route
    assert "Samaritans" not in bullied["text"] and "999" not in bullied["text"]
    assert "now, or leave it for later" in bullied["text"]
    assert [b["payload"] for b in bullied["buttons"]] == ["/safety_continue", "/misread"]
    _, stressed = reply(["stress"])
    assert "pause" in stressed["text"] and "Education Support" in stressed["text"]
    assert "paused the reflection" not in stressed["text"]  # none was running
    _, both = reply(["distress", "mistreatment"])
    assert "Samaritans" in both["text"] and "trade union" in both["text"]
    # no report is quoted at someone in distress: text and buttons only
    assert all("blocks" not in (m.get("custom") or {}) for m in (life, suicidal, bullied))
    events, _ = reply(["suicidal"], "reflection_form")
    assert events == [SlotSet("safety_resume", "reflection_form"),
                      SlotSet("safety_step", "answer_what")]
    events, _ = reply(["stress"])
    assert events == [SlotSet("safety_resume", "outside"), SlotSet("safety_step", None)]
    custom = replace(SETTINGS, staff_support="the Staff Support Line on 0800 000 000")
    _, message = reply(["distress"], settings=custom)
    assert "the Staff Support Line on 0800 000 000" in message["text"]
    _, untyped = reply([])  # the classifier's own distress, without a kind: serious distress
    assert "Samaritans" in untyped["text"]


def test_misread_takes_the_message_as_the_answer_it_was(make_tracker, kb):
    from rasa_sdk import Tracker

    from actions.safety import ActionSafetyResume

    answer = "The booking system is hopeless and students give up before they reach us."
    events = [{"event": "user", "text": answer,
               "parse_data": {"intent": {"name": "distress"}, "entities": [kind("distress")]}},
              {"event": "action", "name": "action_support"},
              {"event": "user", "text": "/misread", "parse_data": {"intent": {"name": "misread"}}}]
    slots = {"theme": "systems_thinking", "safety_resume": "reflection_form",
             "safety_step": "answer_what", "findings_cited": []}
    tracker = Tracker("u", slots, {"text": "/misread", "intent": {"name": "misread"},
                                   "entities": []}, events, False, None, {}, "action_listen")
    quiet = replace(SETTINGS, reflection_followups=False, depth_estimate=False)
    out, messages = run(ActionSafetyResume(kb, quiet), tracker)
    said = texts(messages)
    assert said[0].startswith("I'm sorry, I misread you.")
    assert SlotSet("answer_what", answer) in out
    assert SlotSet("safety_resume", None) in out and SlotSet("safety_step", None) in out
    # an older message is never taken as the answer
    late = Tracker("u", slots, tracker.latest_message, events[:2] + [
        {"event": "user", "text": "hello", "parse_data": {"intent": {"name": "greet"}}},
        events[2]], False, None, {}, "action_listen")
    out, _ = run(ActionSafetyResume(kb, quiet), late)
    assert not any(e.get("name") == "answer_what" for e in out)


def test_theme_is_offered_as_eight_buttons(make_tracker):
    events, messages = run(ActionAskTheme(None, SETTINGS), make_tracker())
    assert events == []
    [message] = messages
    assert [b["payload"] for b in message["buttons"]] == [
        f'/choose_theme{{"theme":"{key}"}}' for key in THEMES]
    assert "What? So what? Now what?" in message["text"]


def test_first_prompt_quotes_the_themes_finding_and_records_it(kb, make_tracker):
    events, messages = run(ActionAskAnswerWhat(kb, SETTINGS),
                           make_tracker(slots={"theme": "leadership", "findings_cited": []}))
    [text] = texts(messages)
    assert text.startswith("Let's reflect on leadership. The report finds: “there's a clarion "
                           "call for higher education leaders")
    assert "(Key findings: Leadership's role — McLoughlin (2023)" in text
    assert "**What?** Describe a moment when leadership" in text
    leadership = kb.section("Leadership's role").chunk_id
    assert slot_events(events) == {"findings_cited": [leadership]}


@pytest.mark.parametrize("action,label", [(ActionAskAnswerNowWhat, "**Now what?**"),
                                          (ActionAskNextStep, "**Now what: your next step.**")])
def test_later_prompts_follow_the_model(kb, make_tracker, action, label):
    events, messages = run(action(kb, SETTINGS), make_tracker(slots={"theme": "social_norms"}))
    assert events == []
    [text] = texts(messages)
    assert text.startswith(label)
    assert THEMES["social_norms"].prompt(action.slot) in text


def test_every_theme_has_four_prompts_and_its_finding_in_the_index(kb):
    for theme in THEMES.values():
        assert all(theme.prompt(step).strip() for step in STEPS)
        assert "by when" in theme.next_step
        assert kb.section(theme.section) is not None, theme.section


def test_prompt_without_a_theme_asks_for_one(kb, make_tracker):
    _, messages = run(ActionAskAnswerWhat(kb, SETTINGS), make_tracker())
    assert len(messages[0]["buttons"]) == 8


def form_tracker(make_tracker, slot, value, slots=None):
    tracker = make_tracker(value, "reflect", slots={**(slots or {}), slot: value},
                           active_loop="reflection_form")
    tracker.events = [{"event": "user", "text": value},
                      {"event": "slot", "name": slot, "value": value}]
    return tracker


def test_an_answer_is_tied_to_its_theme_s_finding_quoted_the_first_time(kb, make_tracker):
    answer = ("I proposed group workshops but the team said one-to-one appointments are what "
              "the institution counts, so it never happened.")
    tracker = form_tracker(make_tracker, "answer_what", answer,
                           {"theme": "group_guidance", "findings_cited": []})
    events, messages = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    contrasting = kb.section("Contrasting perspectives").chunk_id
    assert slot_events(events) == {"answer_what": answer, "findings_cited": [contrasting]}
    [text] = texts(messages)
    assert text.startswith("Thank you. This connects with the report's finding on contrasting "
                           "perspectives: “an interesting dichotomy has emerged.")
    assert "(Key findings: Contrasting perspectives — McLoughlin (2023)" in text


def test_an_answer_far_from_the_report_is_given_back_not_tied_to_it(kb, make_tracker):
    answer = ("I mostly spent the week fixing the printer. Then I reorganised the stationery "
              "cupboard.")
    tracker = form_tracker(make_tracker, "answer_so_what", answer, {"theme": "leadership"})
    events, messages = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    assert slot_events(events) == {"answer_so_what": answer}
    [text] = texts(messages)
    assert "I won't tie it to a finding" in text
    assert "“I mostly spent the week fixing the printer.”" in text or "“Then I reorganised" in text
    assert "Introduction" not in text and "From the report" not in text


def test_a_finding_already_cited_is_not_quoted_again_but_the_sentence_touched(kb, make_tracker):
    contrasting = kb.section("Contrasting perspectives")
    answer = ("Nobody here resists group work; the booking system only counts one-to-one "
              "appointments, and that norm is what stops it.")
    tracker = form_tracker(make_tracker, "answer_so_what", answer,
                           {"theme": "group_guidance", "findings_cited": [contrasting.chunk_id]})
    events, messages = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    [text] = texts(messages)
    assert "findings_cited" not in slot_events(events)
    assert text.startswith("Thank you. That touches the report's finding on contrasting "
                           "perspectives, where it says: “")
    quoted = text.split("“", 1)[1].split("”", 1)[0]
    assert quoted in contrasting.text and len(quoted) < len(contrasting.text) - 40
    assert "(Key findings: Contrasting perspectives — McLoughlin (2023)" in text


@pytest.mark.parametrize("theme, step, answer, not_to", [
    ("social_norms", "answer_what", "In our team there is an unwritten rule that we never run "
     "sessions in the evenings.", "Contrasting perspectives"),
    ("language_identity", "answer_what", "Our dean introduced me at the faculty board as 'the "
     "person who helps students with CVs'.", "About the study"),
    ("leadership", "next_step", "I will email the faculty's director of education on Monday.",
     "Introduction"),
])
def test_the_answers_once_tied_to_the_wrong_finding(kb, make_tracker, theme, step, answer,
                                                    not_to):
    tracker = form_tracker(make_tracker, step, answer, {"theme": theme, "findings_cited": []})
    _, messages = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    said = " ".join(texts(messages))
    assert not_to not in said and "How do career development practitioners innovate" not in \
        said.split("(")[0]
    if "connects with" in said or "touches" in said:
        assert THEMES[theme].section in said


def test_a_one_word_answer_is_asked_for_more(kb, make_tracker):
    tracker = form_tracker(make_tracker, "answer_what", "ok", {"theme": "leadership"})
    events, messages = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    assert slot_events(events) == {"answer_what": None}
    assert texts(messages) == ["Could you say a little more? A sentence or two is plenty."]


@pytest.mark.parametrize("said,theme", [("leadership", "leadership"),
                                        ("the one about norms", "social_norms"),
                                        ("the word guidance", "language_identity"),
                                        ("Systems thinking please", "systems_thinking")])
def test_a_theme_in_the_users_own_words_is_recognised(kb, make_tracker, said, theme):
    tracker = form_tracker(make_tracker, "theme", said)
    events, messages = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    assert slot_events(events) == {"theme": theme}
    assert messages == []


def test_an_unknown_theme_is_asked_again(kb, make_tracker):
    tracker = form_tracker(make_tracker, "theme", "pizza toppings and the weather")
    events, messages = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    assert slot_events(events) == {"theme": None}
    assert "didn't catch which theme" in texts(messages)[0]


def test_cleared_slots_are_not_complained_about(kb, make_tracker):
    tracker = make_tracker("start a reflection", "start_reflection",
                           active_loop="reflection_form")
    tracker.events = [{"event": "user", "text": "start a reflection"}] + [
        {"event": "slot", "name": s, "value": None} for s in ("theme", *STEPS)]
    events, messages = run(ValidateReflectionForm(kb, GROUNDING_ONLY), tracker)
    assert messages == []
    assert all(v is None for v in slot_events(events).values())


def test_reset_keeps_a_theme_named_in_the_same_message(make_tracker):
    tracker = make_tracker("reflect on leadership", "start_reflection",
                           slots={"theme": "social_norms", "answer_what": "old answer"},
                           entities=[{"entity": "theme", "value": "leadership"}])
    events, messages = run(ActionResetReflection(None, SETTINGS), tracker)
    assert messages == []
    assert slot_events(events) == {"answer_what": None, "answer_so_what": None,
                                   "answer_now_what": None, "next_step": None,
                                   "findings_cited": [], "theme": "leadership",
                                   "requested_slot": None, "depth_notes": [],
                                   "followup_for": None, "first_answer": None,
                                   "followup_text": None, "situation": None}
    events, _ = run(ActionResetReflection(None, SETTINGS), make_tracker("start again",
                                                                        "start_again"))
    assert slot_events(events)["theme"] is None


def test_summary_has_the_answers_the_findings_and_the_next_step(kb, make_tracker):
    cited = [kb.section("Leadership's role").chunk_id, kb.section("About the study").chunk_id]
    slots = {"theme": "leadership", "answer_what": "My director said no to a pilot.",
             "answer_so_what": "Evidence counted for less than the plan.",
             "answer_now_what": "Bring data from another university.",
             "next_step": "Email my director with the data by 12 May.",
             "findings_cited": cited}
    events, messages = run(ActionCloseReflection(kb, SETTINGS), make_tracker(slots=slots))
    [message] = messages
    text = message["text"]
    assert text.startswith("Here is your reflection on leadership (What? So what? Now what?):")
    for value in list(slots.values())[1:5]:
        assert value in text
    assert ("**Findings it connects with:** Key findings: Leadership's role; About the study "
            "(McLoughlin (2023), “How do career development practitioners innovate in HE?”)"
            in text)
    assert text.index("**Your next step:** Email my director") > text.index("Findings")
    assert [b["payload"] for b in message["buttons"]] == ["/affirm", "/deny"]
    cleared = slot_events(events)
    assert all(cleared[s] is None for s in STEPS) and cleared["findings_cited"] == []


def test_no_summary_for_an_unfinished_reflection(kb, make_tracker):
    events, messages = run(ActionCloseReflection(kb, SETTINGS),
                           make_tracker(slots={"theme": "leadership", "answer_what": "x y"}))
    assert events == []
    assert "paused" in texts(messages)[0]


def test_quoted_passages_also_come_as_citation_blocks(kb, make_tracker):
    _, [message] = run(ActionAnswerReport(kb, SETTINGS),
                       make_tracker("who paid for this research?", "ask_report"))
    blocks = message["custom"]["blocks"]
    assert blocks[0] == {
        "type": "citation", "label": "From the report", "section": "Funding",
        "quote": blocks[0]["quote"], "source": "How do career development practitioners "
        "innovate in HE?", "author": "McLoughlin (2023)", "url": blocks[0]["url"]}
    assert blocks[0]["quote"].startswith("This research was funded by Jisc's careers research")
    assert blocks[0]["quote"] in message["text"]  # the same words, inline, for other channels
    assert all(b["type"] == "text" for b in blocks[1::2][1:])  # "Also relevant:" between


def test_first_prompt_has_prose_then_the_finding_then_the_prompt(kb, make_tracker):
    _, [message] = run(ActionAskAnswerWhat(kb, SETTINGS),
                       make_tracker(slots={"theme": "leadership", "findings_cited": []}))
    kinds = [b["type"] for b in message["custom"]["blocks"]]
    assert kinds == ["text", "citation", "text"]
    first, finding, last = message["custom"]["blocks"]
    assert first["text"] == "Let's reflect on leadership. The report finds:"
    assert finding["section"] == "Key findings: Leadership's role"
    assert last["text"].endswith(THEMES["leadership"].what)


def test_finished_reflection_comes_as_a_markdown_document(kb, make_tracker):
    slots = {"theme": "leadership", "answer_what": "My director said no to a pilot.",
             "answer_so_what": "# Evidence counted\nfor less than the plan.",
             "answer_now_what": "- Bring data from another university.",
             "next_step": "Email my director with the data by 12 May.",
             "findings_cited": [kb.section("Leadership's role").chunk_id]}
    _, [message] = run(ActionCloseReflection(kb, SETTINGS), make_tracker(slots=slots))
    doc = message["custom"]["reflection"]
    assert doc["title"] == "Reflection on leadership"
    assert re.fullmatch(r"praxis-reflection-leadership-\d{4}-\d\d-\d\d\.md", doc["filename"])
    md = doc["markdown"]
    assert md.startswith("# Reflection on leadership\n")
    for heading in ("What happened", "What it means", "What could change",
                    "Findings it connects with", "My next step"):
        assert f"\n## {heading}\n" in md
    assert md.index("## Findings") < md.index("## My next step")
    assert "- **Key findings: Leadership's role**\n  > “there's a clarion call" in md
    assert "Email my director with the data by 12 May." in md
    # the user's words stay text: no heading or list of theirs
    assert "\\# Evidence counted  \nfor less than the plan." in md
    assert "\\- Bring data from another university." in md
    assert THEMES["leadership"].next_step in md
    assert ("Quoted from McLoughlin (2023), “How do career development practitioners innovate "
            "in HE?”." in md)
    # the reflective model's sources, named as they are
    assert md.rstrip().endswith("widely used in the UK helping professions.")
    assert "Borton's (1970)" in md and "Rolfe, Freshwater and Jasper (2001)" in md


@pytest.mark.parametrize("theme", sorted(THEMES))
def test_prompts_ask_openly_and_do_not_hand_over_the_report_s_answer(theme):
    """A prompt asks what happened and what it meant; it does not offer the finding's own
    categories to choose from ("doubts, or power constraints?", "power over, to or with?")."""
    for step in ("answer_what", "answer_so_what", "answer_now_what"):
        prompt = THEMES[theme].prompt(step).lower()
        for leading in ("own doubts", "power over", "power to,", "micro-bias",
                        "entrenched", "really in the way"):
            assert leading not in prompt, (theme, step, leading)


def test_group_consent_warns_that_details_can_identify_someone(make_tracker):
    from actions.group_session import ActionAskGroupConsent

    _, [message] = run(ActionAskGroupConsent(), make_tracker())
    assert "anonymously" in message["text"]
    assert "small team" in message["text"] and "identify" in message["text"]


@pytest.mark.parametrize("channel,deletion", [
    ("socketio", '"Delete my conversation", below the chat'),
    ("teams", 'Say "delete my data"'),
])
def test_what_is_kept_is_told_truly_for_the_channel(make_tracker, channel, deletion):
    from actions.privacy import ActionPrivacy

    tracker = make_tracker()
    tracker.events.append({"event": "user", "text": "what do you keep?",
                           "input_channel": channel})
    _, [kept] = run(ActionPrivacy(settings=SETTINGS), tracker)
    assert "stored on the server" in kept["text"] and "journal" in kept["text"]
    assert "kept until you delete them" in kept["text"]  # RETENTION_DAYS unset
    assert deletion in kept["text"]
    _, [kept] = run(ActionPrivacy(settings=replace(SETTINGS, retention_days=30)), tracker)
    assert "deleted 30 days after its last message" in kept["text"]
