"""The Teams channel on the real Rasa server, against a local fake of the Bot Framework: signed
activities get threaded replies with the bot's token; cards can be clicked; a welcome on install;
each user of a group chat keeps their own reflection; and every forged or misdirected request is
refused with nothing reaching the dialogue."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import sqlite3
import time
import uuid

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from tests.e2e.botframework_fake import Key

pytestmark = pytest.mark.e2e


class Teams:
    def __init__(self, stack, fake):
        self.url = f"{stack.settings.rasa_base_url}/webhooks/teams/webhook"
        self.fake = fake

    def post(self, activity, token: str | None = "sign", **headers) -> requests.Response:
        if token == "sign":
            token = self.fake.token(activity)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        return requests.post(self.url, json=activity, headers=headers, timeout=60)

    def say(self, *args, **kwargs) -> list[dict]:
        """Send a signed activity; the activities the bot posted in reply."""
        before = len(self.fake.posted)
        activity = self.fake.activity(*args, **kwargs)
        r = self.post(activity)
        assert r.status_code == 200, r.text
        replies = self.fake.posted[before:]
        for reply in replies:  # each in the same conversation, threaded to what it answers
            assert reply["conversation"] == activity["conversation"]["id"]
            assert reply["reply_to"] == activity["id"]
            assert reply["activity"]["replyToId"] == activity["id"]
            assert reply["activity"]["recipient"] == activity["from"]
            assert reply["authorization"] == f"Bearer {self.fake.issued[-1]}"
        return [r["activity"] for r in replies]


@pytest.fixture
def teams(stack, botframework):
    return Teams(stack, botframework)


def card(activity: dict) -> dict:
    [attachment] = activity["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    return attachment["content"]


def card_text(activity: dict) -> str:
    return json.dumps(card(activity), ensure_ascii=False) if "attachments" in activity \
        else activity["text"]


def test_a_message_gets_a_reply_with_clickable_buttons(teams):
    [reply] = teams.say("<at>Praxis</at> hello", user="hello")
    content = card(reply)
    assert "I'm Praxis" in content["body"][0]["text"]
    start = content["actions"][0]
    assert start["type"] == "Action.Submit" and start["title"] == "Start a reflection"
    assert start["data"]["payload"] == "/start_reflection"
    assert start["data"]["msteams"] == {"type": "messageBack", "displayText": "Start a reflection",
                                        "text": "/start_reflection"}


def test_clicking_cards_runs_a_reflection_with_cited_findings(teams):
    [themes] = teams.say(value={"payload": "/start_reflection"}, user="clicker")
    leadership = next(a for a in card(themes)["actions"] if a["title"] == "Leadership")
    [first] = teams.say(value=leadership["data"], user="clicker")
    body = card(first)["body"]
    finding = next(b for b in body if b["type"] == "Container")
    assert finding["style"] == "emphasis"
    assert finding["items"][0]["text"] == "From the report: Key findings: Leadership's role"
    assert finding["items"][1]["text"].startswith("“there's a clarion call")
    assert "McLoughlin (2023)" in finding["items"][2]["text"]
    assert "**What?**" in body[-1]["text"]
    replies = teams.say("My head of service turned down group workshops because appointment "
                        "numbers were what the university measured.", user="clicker")
    assert "So what?" in card_text(replies[-1])
    assert teams.fake.issued.count(teams.fake.issued[-1]) == 1 and len(teams.fake.issued) == 1


def test_a_welcome_when_the_bot_is_added_and_nothing_for_others(teams):
    bot = {"id": f"28:{teams.fake.app_id}"}
    [welcome] = teams.say(kind="conversationUpdate", membersAdded=[bot], user="installer",
                          conversation="19:team-general@thread.tacv2",
                          conversation_type="channel")
    assert "I'm Praxis" in card_text(welcome)
    assert teams.say(kind="conversationUpdate", membersAdded=[{"id": "29:someone-else"}]) == []
    assert teams.say(kind="typing") == []
    assert teams.say(kind="messageReaction", reactionsAdded=[{"type": "like"}]) == []


def test_two_people_in_one_group_chat_keep_their_own_reflections(teams):
    chat = {"conversation": "19:group-chat-1@thread.v2", "conversation_type": "groupChat"}
    teams.say('/start_reflection{"theme": "leadership"}', user="ana", **chat)
    teams.say('/start_reflection{"theme": "systems_thinking"}', user="ben", **chat)
    ana = teams.say("My director said no to a pilot of group sessions last term.", user="ana",
                    **chat)
    ben = teams.say("Our careers appointments system does not talk to the faculty timetable.",
                    user="ben", **chat)
    # each gets the next prompt of their own theme
    assert "how evidence, hierarchy and leadership" in card_text(ana[-1])
    assert "Seen as a system rather than a single problem" in card_text(ben[-1])
    for user, replies in {"ana": ana, "ben": ben}.items():
        assert all(r["recipient"]["id"] == f"29:user-{user}" for r in replies)


def hs256_with(token: str, secret: bytes) -> str:
    """The same claims, signed HS256 with ``secret``: the key-confusion attack, made by hand
    because PyJWT refuses to sign it."""
    claims = jwt.decode(token, options={"verify_signature": False})
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=")  # noqa: E731
    signing_input = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": "key-1"}).encode()) \
        + b"." + b64(json.dumps(claims).encode())
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + b64(signature)).decode()


def refusals(fake):
    """Each forged or misdirected request, and the status it must get."""
    other = Key("key-1")  # the right key id, the wrong key
    public_pem = fake.keys[0].private.public_key().public_bytes(
        Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
    return {
        "no token": (lambda a: None, 401),
        "not a bearer token": (lambda a: "", 401),
        "garbage": (lambda a: "not.a.jwt", 401),
        "bad signature": (lambda a: fake.token(a, key=other), 401),
        "wrong audience": (lambda a: fake.token(a, audience="someone-elses-bot"), 401),
        "wrong issuer": (lambda a: fake.token(a, issuer="https://sts.windows.net/evil/"), 401),
        "expired": (lambda a: fake.token(a, expires_in=-900), 401),
        "serviceUrl mismatch": (lambda a: fake.token(a, service_url="https://evil.example/"),
                                401),
        "alg none": (lambda a: jwt.encode({**jwt.decode(fake.token(a),
                                                         options={"verify_signature": False})},
                                          None, algorithm="none", headers={"kid": "key-1"}), 401),
        "HS256 with the public key": (lambda a: hs256_with(fake.token(a), public_pem), 401),
        "unknown key": (lambda a: fake.token(a, key=Key("never-published")), 401),
    }


REFUSED = ["no token", "not a bearer token", "garbage", "bad signature", "wrong audience",
           "wrong issuer", "expired", "serviceUrl mismatch", "alg none",
           "HS256 with the public key", "unknown key"]


@pytest.mark.parametrize("case", REFUSED)
def test_forged_or_misdirected_requests_are_refused_and_reach_nothing(teams, case):
    make_token, status = refusals(teams.fake)[case]
    before = len(teams.fake.posted)
    activity = teams.fake.activity("hello", user=f"forger-{case}")
    r = teams.post(activity, token=make_token(activity))
    assert r.status_code == status, r.text
    assert "Traceback" not in r.text
    assert len(teams.fake.posted) == before  # no reply: nothing reached the dialogue


def test_a_tenant_outside_the_allow_list_is_forbidden(teams):
    before = len(teams.fake.posted)
    activity = teams.fake.activity("hello", tenant="another-tenant")
    r = teams.post(activity)
    assert r.status_code == 403 and len(teams.fake.posted) == before


@pytest.mark.parametrize("body", [b"{not json", b"[]", b'{"type": "message"}', b"\xff\xfe"])
def test_a_body_that_is_not_an_activity_is_a_400(teams, body):
    r = requests.post(teams.url, data=body, headers={"Content-Type": "application/json"},
                      timeout=10)
    assert r.status_code == 400 and "Traceback" not in r.text


def test_over_long_and_empty_messages_get_a_clear_reply(teams, stack):
    limit = stack.settings.max_message_chars
    [notice] = teams.say("a" * (limit + 1), user="long")
    assert notice["text"].startswith(f"That message is {limit + 1:,} characters long")
    [notice] = teams.say("<at>Praxis</at>", user="long")
    assert notice["text"] == "I can only read text: please type your message."


def test_a_rotated_signing_key_is_accepted_after_the_refresh(teams):
    teams.say("hello", user="rotation")  # the current key is known
    fetches = teams.fake.metadata_fetches
    new = teams.fake.rotate()
    deadline = time.monotonic() + 15
    while True:
        activity = teams.fake.activity("hello", user="rotation")
        r = teams.post(activity, token=teams.fake.token(activity, key=new))
        if r.status_code == 200 or time.monotonic() > deadline:
            break
        time.sleep(1)  # unknown keys are looked up at most every few seconds
    assert r.status_code == 200
    assert teams.fake.metadata_fetches > fetches


@pytest.mark.parametrize("title, expected", [
    ("start a reflection", "Which theme would you like to reflect on?"),
    ("what is the report about?", "From the report"),
    ("help", "I can take you through a ten-minute guided reflection"),
    ("delete my data", "Delete your whole conversation with Praxis"),
])
def test_the_app_package_commands_are_understood(teams, title, expected):
    from praxis.teams_package import COMMANDS

    assert title in [t for t, _ in COMMANDS]
    replies = teams.say(f"<at>Praxis</at> {title}", user=f"command-{title}")
    assert expected in card_text(replies[0])


def stored_senders(stack, marker: str) -> list[str]:
    """The sender ids whose stored events contain ``marker``."""
    with sqlite3.connect(stack.settings.path(stack.settings.tracker_db)) as db:
        return [row[0] for row in db.execute(
            "SELECT DISTINCT sender_id FROM events WHERE data LIKE ?", (f"%{marker}%",))]


def test_delete_my_data_deletes_the_conversation_for_real(teams, stack):
    marker = f"wombat{uuid.uuid4().hex[:8]}"
    teams.say('/start_reflection{"theme": "leadership"}', user="deleter")
    teams.say(f"My {marker} director said no to a pilot of group sessions.", user="deleter")
    [sender] = stored_senders(stack, marker)
    assert sender.startswith("teams-") and len(sender) == 46  # a hash, not the user's ids
    [ask] = teams.say("delete my data", user="deleter")
    buttons = card(ask)["actions"]
    assert [b["title"] for b in buttons] == ["Yes, delete it", "No, keep it"]
    [kept] = teams.say(value=buttons[1]["data"], user="deleter")
    assert kept["text"] == "Nothing was deleted." and stored_senders(stack, marker) == [sender]
    [done] = teams.say(value=buttons[0]["data"], user="deleter")
    assert done["text"] == "Your conversation with Praxis was deleted."
    with sqlite3.connect(stack.settings.path(stack.settings.tracker_db)) as db:
        assert db.execute("SELECT count(*) FROM events WHERE sender_id = ?",
                          (sender,)).fetchone()[0] == 0
    [hello] = teams.say("hello", user="deleter")  # a fresh start afterwards
    assert "I'm Praxis" in card_text(hello)


def test_a_burst_from_one_user_is_rate_limited_and_others_are_not(teams, stack):
    burst = stack.settings.rate_limit_burst
    replies = [r for _ in range(burst + 5) for r in teams.say("hi", user="burst")]
    limited = [r for r in replies if "faster than I can take them in" in r.get("text", "")]
    assert len(limited) >= 4
    [hello] = teams.say("hello", user="not-bursting")
    assert "I'm Praxis" in card_text(hello)


def test_a_one_megabyte_activity_is_refused(teams):
    activity = teams.fake.activity("a" * 1_000_000, user="huge")
    r = teams.post(activity)
    assert r.status_code == 413 and "Traceback" not in r.text
