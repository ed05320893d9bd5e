"""The web widget's socket.io channel on the real Rasa server: sessions that resume with their
history, the server's limit, input that is refused with a clear reply, and allowed origins."""

from __future__ import annotations

import queue
import sqlite3
import time
import uuid

import pytest
import requests
import socketio

pytestmark = pytest.mark.e2e

WAIT_S = 30


class Client:
    """A socket.io client that records every event it receives, in order."""

    def __init__(self, stack):
        self.events: queue.Queue = queue.Queue()
        self.sio = socketio.Client(reconnection=False)
        for name in ("session_confirm", "limits", "history", "bot_uttered", "session_deleted"):
            self.sio.on(name, lambda data=None, name=name: self.events.put((name, data)))
        self.sio.connect(stack.settings.rasa_base_url, transports=["websocket"],
                         wait_timeout=WAIT_S)
        self.session_id: str | None = None

    def next(self, name: str):
        while True:
            got, data = self.events.get(timeout=WAIT_S)
            if got == name:
                return data

    def start(self, session_id: str | None = None) -> list[dict]:
        self.sio.emit("session_request", {"session_id": session_id})
        self.session_id = self.next("session_confirm")
        self.limits = self.next("limits")
        return self.next("history")

    def say(self, message, count: int = 1, **extra) -> list[dict]:
        self.sio.emit("user_uttered", {"message": message, "session_id": self.session_id,
                                       **extra})
        return [self.next("bot_uttered") for _ in range(count)]

    def close(self):
        self.sio.disconnect()


def assert_a_new_session_is_greeted(stack) -> None:
    other = Client(stack)
    try:
        other.start()
        [greeting] = other.say("/greet")
        assert "I'm Praxis" in greeting["text"]
    finally:
        other.close()


@pytest.fixture
def client(stack):
    c = Client(stack)
    yield c
    c.close()


def test_a_session_resumes_with_its_history(stack, client):
    assert client.start() == []
    assert len(client.session_id) == 48
    assert client.limits == {"max_message_chars": stack.settings.max_message_chars}
    [greeting] = client.say("/greet")
    assert "I'm Praxis" in greeting["text"]
    assert {"title": "Start a reflection", "payload": "/start_reflection"} in \
        greeting["quick_replies"]
    [themes] = client.say("/start_reflection")
    leadership = next(b for b in themes["quick_replies"] if b["title"] == "Leadership")
    [first] = client.say(leadership["payload"])
    kinds = [b["type"] for b in first["custom"]["blocks"]]
    assert kinds == ["text", "citation", "text"]  # one event: prose, the finding, the prompt
    client.close()

    again = Client(stack)  # a reload: a new connection with the stored session id
    try:
        shown = again.start(client.session_id)
        assert again.session_id == client.session_id
        # the opening /greet is not shown; a button's payload is shown as its title
        assert [m["from"] for m in shown] == ["bot", "user", "bot", "user", "bot"]
        assert shown[1]["text"] == "Start a reflection" and shown[3]["text"] == "Leadership"
        assert shown[4]["custom"]["blocks"][1]["section"] == "Key findings: Leadership's role"
        [reply] = again.say("My manager cancelled our group sessions without asking us.", 2)[:1]
        assert "Thank you" in reply["text"]  # the same reflection goes on
    finally:
        again.close()


def test_another_session_does_not_see_that_history(stack, client):
    client.start()
    client.say("/greet")
    other = Client(stack)
    try:
        assert other.start() == []
        assert other.session_id != client.session_id
        forged = client.session_id[:32] + "0" * 16  # the right nonce, a made-up signature
        assert other.start(forged) == [] and other.session_id not in (forged, client.session_id)
        other.session_id = forged
        [notice] = other.say("hello")
        assert notice["text"].startswith("This conversation has no valid session.")
    finally:
        other.close()


def test_another_channel_s_conversation_cannot_be_read_or_written(stack, client):
    sender = f"rest-{uuid.uuid4().hex}"
    url = f"{stack.settings.rasa_base_url}/webhooks/rest/webhook"
    assert requests.post(url, json={"sender": sender, "message": "hello"}, timeout=60).ok
    assert client.start(sender) == [] and client.session_id != sender
    client.session_id = sender
    [notice] = client.say("I'd like to reflect on leadership")
    assert notice["text"].startswith("This conversation has no valid session.")


@pytest.mark.parametrize("message, reply", [
    ("", "That message was empty"),
    ("  \n\t ", "That message was empty"),
    ("\x00\x07\x1b", "That message was empty"),
    (42, "Messages must be text."),
    (None, "Messages must be text."),
    (["hello"], "Messages must be text."),
])
def test_bad_messages_get_a_clear_reply_and_reach_nothing(stack, client, message, reply):
    client.start()
    [notice] = client.say(message)
    assert notice["text"].startswith(reply) and notice["custom"] == {"notice": True}
    assert client.start(client.session_id) == []  # nothing was stored
    [greeting] = client.say("/greet")  # and the server still answers
    assert "I'm Praxis" in greeting["text"]


def test_a_message_over_the_limit_is_refused_with_the_reason(stack, client):
    client.start()
    limit = stack.settings.max_message_chars
    [notice] = client.say("a" * (limit + 1))
    assert notice["text"] == (f"That message is {limit + 1:,} characters long; the limit is "
                              f"{limit:,}. Please shorten it and send it again.")
    [greeting] = client.say("/greet")
    assert "I'm Praxis" in greeting["text"]


def test_emoji_and_right_to_left_text_are_accepted(stack, client):
    client.start()
    client.say("hello 👋 مرحبا", 1)
    shown = client.start(client.session_id)
    assert shown[0] == {"from": "user", "text": "hello 👋 مرحبا"}


@pytest.mark.parametrize("session_id", ["short", "../../etc/passwd", "x" * 65, "f" * 48, 7,
                                        {"$ne": None}])
def test_an_invalid_session_id_is_replaced_or_refused(stack, client, session_id):
    assert client.start(session_id) == []
    assert client.session_id != session_id and len(client.session_id) == 48
    client.session_id = session_id
    [notice] = client.say("hello")
    assert notice["text"].startswith("This conversation has no valid session.")


def test_only_the_allowed_origins_can_connect(stack):
    url = f"{stack.settings.rasa_base_url}/socket.io/"
    params = {"EIO": "4", "transport": "polling"}
    page = stack.settings.web_base_url
    ok = requests.get(url, params=params, headers={"Origin": page}, timeout=10)
    assert ok.status_code == 200 and ok.headers["Access-Control-Allow-Origin"] == page
    refused = requests.get(url, params=params, headers={"Origin": "https://elsewhere.example"},
                           timeout=10)
    assert refused.status_code == 400 and "not an accepted origin" in refused.text


def test_delete_session_deletes_the_conversation_for_real(stack, client):
    client.start()
    client.say("/greet")
    client.say("I'd like to reflect on leadership")
    db = stack.settings.path(stack.settings.tracker_db)
    with sqlite3.connect(db) as c:
        count = "SELECT count(*) FROM events WHERE sender_id = ?"
        assert c.execute(count, (client.session_id,)).fetchone()[0] > 0
    client.sio.emit("delete_session", {"session_id": client.session_id})
    assert client.next("session_deleted") == {"session_id": client.session_id}
    with sqlite3.connect(db) as c:
        assert c.execute(count, (client.session_id,)).fetchone()[0] == 0
    assert client.start(client.session_id) == []  # nothing left to show


def test_delete_session_needs_the_session_s_own_signed_id(stack, client):
    client.start()
    client.sio.emit("delete_session", {"session_id": "teams-" + "0" * 40})
    [notice] = [client.next("bot_uttered")]
    assert notice["text"].startswith("This conversation has no valid session.")


def test_a_burst_from_one_session_is_rate_limited_and_others_are_not(stack, client):
    client.start()
    burst = stack.settings.rate_limit_burst
    for _ in range(burst + 5):  # bounded: a burst a little over the limit
        client.sio.emit("user_uttered", {"message": "hi", "session_id": client.session_id})
    replies = [client.next("bot_uttered") for _ in range(burst + 5)]
    limited = [r for r in replies if "faster than I can take them in" in r.get("text", "")]
    assert len(limited) >= 4 and all(r["custom"] == {"notice": True} for r in limited)
    assert_a_new_session_is_greeted(stack)


def test_a_one_megabyte_message_is_dropped_and_the_server_carries_on(stack, client):
    client.start()
    try:
        client.sio.emit("user_uttered", {"message": "a" * 1_000_000,
                                         "session_id": client.session_id})
        time.sleep(1)
    except socketio.exceptions.SocketIOError:
        pass  # the server may close a connection that sends more than it accepts
    assert_a_new_session_is_greeted(stack)
