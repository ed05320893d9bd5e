"""Attacks on the action server, which holds every journal: a call that reaches its port without
the Rasa server's key, and a process holding a secret it has no use for."""

from __future__ import annotations

import pytest
import requests

from praxis import config
from store import reflections
from store.reflections import Owner

pytestmark = pytest.mark.e2e

MARKER = "the-pilot-my-dean-stopped"


def journal_call(sender: str) -> dict:
    """What the Rasa server sends to run ``action_journal_list`` for ``sender`` on the web."""
    return {"next_action": "action_journal_list", "sender_id": sender, "version": "3.6.21",
            "domain": {}, "tracker": {
                "sender_id": sender, "slots": {}, "paused": False, "followup_action": None,
                "active_loop": {}, "latest_action_name": "action_listen",
                "latest_message": {"text": "show me my past reflections", "entities": [],
                                   "intent": {"name": "journal", "confidence": 1.0}},
                "events": [{"event": "user", "text": "show me my past reflections",
                            "input_channel": "socketio", "parse_data": {}}]}}


def test_a_call_without_the_key_reads_no_journal_and_runs_nothing(stack):
    sender = "victim-of-a-direct-call"
    reflections.save(Owner(sender, "socketio"), "leadership", {"what": MARKER}, [], [],
                     f"# Leadership\n\n{MARKER}", stack.settings)
    base = stack.settings.action_url.removesuffix("/webhook")
    for headers in ({}, {config.ACTION_KEY_HEADER: "a-guess"},
                    {config.ACTION_KEY_HEADER: ""}):
        r = requests.post(f"{base}/webhook", json=journal_call(sender), headers=headers,
                          timeout=30)
        assert r.status_code == 401 and MARKER not in r.text and "Leadership" not in r.text
        r = requests.post(f"{base}/safety", json={"text": "hello"}, headers=headers, timeout=30)
        assert r.status_code == 401
    assert requests.get(f"{base}/health", timeout=10).status_code == 200
    # with the key the same call is answered: the refusal above was the key's doing
    r = requests.post(f"{base}/webhook", json=journal_call(sender), timeout=30,
                      headers={config.ACTION_KEY_HEADER: stack.settings.action_key})
    assert r.status_code == 200 and "Leadership" in r.text
    assert len(reflections.journal(Owner(sender, "socketio"), stack.settings)) == 1


def held_secrets(pid: int) -> set[str]:
    with open(f"/proc/{pid}/environ", "rb") as f:
        names = {item.split(b"=", 1)[0].decode() for item in f.read().split(b"\0") if item}
    return names & set(config.SECRETS_USED_BY)


def test_each_process_holds_only_the_secrets_it_uses(stack):
    for service in stack.services:
        held = held_secrets(service.process.pid)
        assert held == {s for s, users in config.SECRETS_USED_BY.items()
                        if service.name in users}, service.name
    assert "TEAMS_APP_PASSWORD" not in held_secrets(stack.actions.process.pid)
    assert "SESSION_SECRET" not in held_secrets(stack.web.process.pid)
