"""Deletion that sticks: "delete my data" empties both stores, and a write from a turn that
was still in flight when the practitioner deleted (it timed out on the Rasa side, then ran on
the action server) cannot bring any of it back."""

from __future__ import annotations

import sqlite3
import time

import pytest
import requests

from praxis import config
from store import reflections
from store.reflections import Owner
from tests.e2e.test_socketio import Client

pytestmark = pytest.mark.e2e

MARKER = "the-careers-fair-we-lost"


def close_reflection(stack, sender: str, said_at: float) -> requests.Response:
    """The action server's part of a turn that finishes a reflection, its last message sent
    at ``said_at``: as the Rasa server sends it."""
    slots = {"theme": "leadership", "answer_what": f"My dean cut {MARKER}.",
             "answer_so_what": "Targets outrank evidence.", "answer_now_what": "Bring data.",
             "next_step": "I will email my manager by Friday."}
    body = {"next_action": "action_close_reflection", "sender_id": sender, "version": "3.6.21",
            "domain": {}, "tracker": {
                "sender_id": sender, "slots": slots, "paused": False, "followup_action": None,
                "active_loop": {}, "latest_action_name": "action_listen",
                "latest_message": {"text": slots["next_step"], "entities": [],
                                   "intent": {"name": "reflect", "confidence": 1.0}},
                "events": [{"event": "user", "text": slots["next_step"], "timestamp": said_at,
                            "input_channel": "socketio", "parse_data": {}}]}}
    return requests.post(stack.settings.action_url, json=body, timeout=60,
                         headers={config.ACTION_KEY_HEADER: stack.settings.action_key})


def test_a_write_from_a_turn_begun_before_the_deletion_is_refused(stack):
    client = Client(stack)
    try:
        client.start()
        client.say("/greet")
        sender = client.session_id
        owner = Owner(sender, "socketio")
        assert close_reflection(stack, sender, time.time()).status_code == 200
        assert len(reflections.journal(owner, stack.settings)) == 1
        in_flight_since = time.time()  # a turn that began now, and is slow
        time.sleep(0.05)
        client.sio.emit("delete_session", {"session_id": sender})
        assert client.next("session_deleted") == {"session_id": sender}
    finally:
        client.close()
    assert reflections.journal(owner, stack.settings) == []
    with sqlite3.connect(stack.settings.path(stack.settings.tracker_db)) as c:
        assert c.execute("SELECT count(*) FROM events WHERE sender_id = ?",
                         (sender,)).fetchone()[0] == 0
    late = close_reflection(stack, sender, in_flight_since)  # the slow turn's write lands
    assert late.status_code == 200
    assert reflections.journal(owner, stack.settings) == []  # and brings nothing back
    # a turn begun after the deletion is a new conversation: it is kept
    assert close_reflection(stack, sender, time.time()).status_code == 200
    assert len(reflections.journal(owner, stack.settings)) == 1
    reflections.forget(sender, stack.settings)
