"""Faults, on a stack of its own: servers killed mid-reflection and restarted, the action server
down or frozen, the Rasa server stopped during a turn, and an unusable index at start-up."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
import requests

from praxis.config import ROOT
from praxis.stack import Stack, model_file

pytestmark = pytest.mark.e2e

ACTION_TIMEOUT_S = 3
SORRY = "part of Praxis isn't answering right now"
REST_TOKEN = "rest-token-" + "r" * 32
NEW_SESSIONS, ADDRESS_TURNS = 3, 24  # the widget's limits per client address, small here
AUTH = {"Authorization": f"Bearer {REST_TOKEN}"}
ANSWERS = [
    "Last month my head of service turned down my idea for group workshops because "
    "appointment numbers were what the university measured.",
    "It showed me that evidence mattered less than the hierarchy and the targets set by "
    "senior leaders.",
    "I could bring data from a small pilot and ask to present it at the leadership team meeting.",
    "I will email my manager by Friday to propose a four-week pilot of group sessions in January.",
]


@pytest.fixture(scope="module")
def faulty(kb, stack_settings, tmp_path_factory):
    settings = stack_settings(ACTION_TIMEOUT_S=str(ACTION_TIMEOUT_S), RETENTION_DAYS="30",
                              REFLECTION_FOLLOWUPS="false",  # fixed paths through the form
                              REST_API_TOKEN=REST_TOKEN,  # the REST webhook opened with a token
                              NEW_SESSIONS_BURST=str(NEW_SESSIONS), NEW_SESSIONS_PER_MINUTE="1",
                              ADDRESS_RATE_LIMIT_BURST=str(ADDRESS_TURNS),
                              ADDRESS_RATE_LIMIT_PER_MINUTE="1")
    assert model_file(settings).exists()
    s = Stack(settings, log_dir=tmp_path_factory.mktemp("logs"))
    s.start()
    yield s
    for service in s.services:
        if service.process and service.process.poll() is None:
            os.killpg(service.process.pid, signal.SIGCONT)
    s.stop()


def say(stack, sender: str, message: str, timeout: float = 60) -> str:
    r = requests.post(f"{stack.settings.rasa_base_url}/webhooks/rest/webhook",
                      json={"sender": sender, "message": message}, timeout=timeout,
                      headers=AUTH)
    assert r.status_code == 200, r.text
    return "\n".join(m.get("text", "") for m in r.json())


def kill(service, sig: int = signal.SIGKILL) -> None:
    os.killpg(service.process.pid, sig)
    if sig in (signal.SIGKILL, signal.SIGTERM):
        service.process.wait(timeout=60)


def restart(stack, *services) -> None:
    for service in services:
        service.start()
    stack.wait_until_ready()


def test_a_reflection_survives_both_servers_being_killed(faulty):
    sender = "fault-killed"
    assert "**What?**" in say(faulty, sender, '/start_reflection{"theme": "leadership"}')
    assert "**So what?**" in say(faulty, sender, ANSWERS[0])
    kill(faulty.rasa)
    kill(faulty.actions)
    restart(faulty, faulty.actions, faulty.rasa)
    assert "**Now what?**" in say(faulty, sender, ANSWERS[1])  # the same prompt, answered
    assert "**Now what: your next step.**" in say(faulty, sender, ANSWERS[2])
    summary = say(faulty, sender, ANSWERS[3])
    assert summary.startswith("Here is your reflection on leadership")
    for answer in ("turned down my idea for group workshops", "evidence mattered less"):
        assert answer in summary  # the answers from before the kill are intact


def test_action_server_down_gets_an_honest_reply_and_the_turn_is_not_lost(faulty):
    sender = "fault-down"
    say(faulty, sender, '/start_reflection{"theme": "leadership"}')
    kill(faulty.actions)
    started = time.monotonic()
    reply = say(faulty, sender, ANSWERS[0])
    assert SORRY in reply and "Traceback" not in reply
    assert time.monotonic() - started < ACTION_TIMEOUT_S + 2
    restart(faulty, faulty.actions)
    assert "**So what?**" in say(faulty, sender, ANSWERS[0])  # as if the failed turn never was


def test_a_frozen_action_server_gets_an_honest_reply_within_the_timeout(faulty):
    sender = "fault-frozen"
    say(faulty, sender, '/start_reflection{"theme": "leadership"}')
    kill(faulty.actions, signal.SIGSTOP)
    try:
        started = time.monotonic()
        reply = say(faulty, sender, ANSWERS[0])
        waited = time.monotonic() - started
    finally:
        kill(faulty.actions, signal.SIGCONT)
    assert SORRY in reply
    assert ACTION_TIMEOUT_S - 0.5 < waited < ACTION_TIMEOUT_S + 3
    assert "**So what?**" in say(faulty, sender, ANSWERS[0])


def test_sigterm_lets_the_turn_in_flight_finish_and_store(faulty):
    sender = "fault-sigterm"
    say(faulty, sender, '/start_reflection{"theme": "leadership"}')
    kill(faulty.actions, signal.SIGSTOP)  # hold the turn in flight
    result: dict = {}

    def turn() -> None:
        try:
            result["text"] = say(faulty, sender, ANSWERS[0])
        except Exception as exc:  # noqa: BLE001 (reported below)
            result["error"] = exc

    t = threading.Thread(target=turn)
    t.start()
    time.sleep(1.0)
    os.killpg(faulty.rasa.process.pid, signal.SIGTERM)
    time.sleep(0.5)
    kill(faulty.actions, signal.SIGCONT)
    t.join(timeout=60)
    assert "error" not in result, result
    assert "**So what?**" in result["text"]  # the turn finished
    assert faulty.rasa.process.wait(timeout=60) in (0, -signal.SIGTERM)
    restart(faulty, faulty.rasa)
    assert "**Now what?**" in say(faulty, sender, ANSWERS[1])  # and was stored whole


@pytest.mark.parametrize("damage", ["missing", "corrupt"])
def test_an_unusable_index_stops_the_action_server_with_the_fix(tmp_path, index_dir, damage):
    broken = tmp_path / "index"
    broken.mkdir()
    if damage == "corrupt":
        for f in index_dir.iterdir():
            if f.is_file():  # the index's own files, not the verifier beside them
                (broken / f.name).write_bytes(f.read_bytes())
        (broken / "index.faiss").write_bytes(b"not a faiss index")
    env = {**os.environ, "INDEX_DIR": str(broken), "ACTION_PORT": "9"}
    run = subprocess.run([sys.executable, "-m", "praxis.action_server"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 2
    [line] = run.stderr.strip().splitlines()[-1:]
    assert line.startswith("praxis: the action server cannot start:") and "praxis index" in line


def test_conversations_past_the_retention_period_are_deleted(faulty):
    say(faulty, "fault-old", "hello")
    say(faulty, "fault-recent", "hello")
    kill(faulty.rasa, signal.SIGTERM)
    db = faulty.settings.path(faulty.settings.tracker_db)
    with sqlite3.connect(db) as c:  # as if the first one had been left for 40 days
        c.execute("UPDATE events SET timestamp = timestamp - 40 * 86400 WHERE sender_id = ?",
                  ("fault-old",))
    restart(faulty, faulty.rasa)  # the purge runs at start-up, then hourly
    count = "SELECT count(*) FROM events WHERE sender_id = ?"
    deadline = time.monotonic() + 30
    while True:
        with sqlite3.connect(db) as c:
            old, recent = (c.execute(count, (s,)).fetchone()[0]
                           for s in ("fault-old", "fault-recent"))
        if old == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert old == 0 and recent > 0


def test_the_conversation_and_app_store_files_are_readable_by_their_owner_only(faulty):
    say(faulty, "fault-files", "hello")
    store = faulty.settings.store_url.removeprefix("sqlite:///")
    for path in (faulty.settings.path(faulty.settings.tracker_db), store):
        assert os.stat(path).st_mode & 0o077 == 0, path


def test_a_database_error_logs_no_message_text(faulty):
    marker = "wombat" + str(time.monotonic_ns())[-8:]
    tracker_db = faulty.settings.path(faulty.settings.tracker_db)
    store_db = faulty.settings.store_url.removeprefix("sqlite:///")
    fail = ("CREATE TRIGGER forced_{0} BEFORE INSERT ON {0} WHEN NEW.{1} LIKE '%{2}%' "
            "BEGIN SELECT RAISE(ABORT, 'forced failure'); END")
    with sqlite3.connect(tracker_db) as c:
        c.execute(fail.format("events", "data", marker + "-said"))
    with sqlite3.connect(store_db) as c:
        c.execute(fail.format("reflections", "markdown", marker + "-kept"))
    try:
        r = requests.post(f"{faulty.settings.rasa_base_url}/webhooks/rest/webhook",
                          json={"sender": "fault-db-1", "message": f"My {marker}-said dean"},
                          timeout=60, headers=AUTH)
        assert r.status_code >= 500 or marker not in r.text
        sender = "fault-db-2"
        say(faulty, sender, '/start_reflection{"theme": "leadership"}')
        say(faulty, sender, f"{ANSWERS[0]} {marker}-kept")
        for answer in ANSWERS[1:]:
            reply = say(faulty, sender, answer)
        assert "couldn't keep this reflection" in reply  # the store's write did fail
    finally:
        with sqlite3.connect(tracker_db) as c:
            c.execute("DROP TRIGGER IF EXISTS forced_events")
        with sqlite3.connect(store_db) as c:
            c.execute("DROP TRIGGER IF EXISTS forced_reflections")
    logs = {s.name: s.log_path.read_text(encoding="utf-8", errors="replace")
            for s in faulty.services}
    assert "parameters hidden" in logs["rasa"] and "parameters hidden" in logs["actions"]
    for name, log in logs.items():
        assert marker not in log, f"{name} logged a message's words"



def test_with_a_rest_token_set_a_call_without_it_reaches_nothing(faulty):
    url = f"{faulty.settings.rasa_base_url}/webhooks/rest/webhook"
    for headers in ({}, {"Authorization": "Bearer guess"}, {"Authorization": REST_TOKEN}):
        r = requests.post(url, json={"sender": "fault-no-token", "message": "hello"},
                          headers=headers, timeout=30)
        assert r.status_code == 401 and "REST_API_TOKEN" in r.json()["error"]
    with sqlite3.connect(faulty.settings.path(faulty.settings.tracker_db)) as c:
        assert c.execute("SELECT count(*) FROM events WHERE sender_id = 'fault-no-token'"
                         ).fetchone()[0] == 0
    assert "I'm Praxis" in say(faulty, "fault-no-token", "hello")


def test_one_address_cannot_mint_sessions_or_send_turns_without_limit(faulty):
    from tests.e2e.test_socketio import Client

    clients = [Client(faulty) for _ in range(NEW_SESSIONS + 1)]
    try:
        for client in clients[:NEW_SESSIONS]:
            client.start()
        last = clients[-1]
        last.sio.emit("session_request", {"session_id": None})
        notice = last.next("bot_uttered")
        assert "Too many new conversations" in notice["text"]
        clients[0].start(clients[0].session_id)  # a conversation it has is resumed, not new
        sent = 0
        for n in range(ADDRESS_TURNS + 1):  # spread over sessions: under each one's own limit
            client = clients[n % NEW_SESSIONS]
            client.sio.emit("user_uttered", {"message": "hi", "session_id": client.session_id})
            sent += 1
        replies = [clients[n % NEW_SESSIONS].next("bot_uttered")["text"] for n in range(sent)]
        refused = [r for r in replies if "Many messages are arriving from your network" in r]
        assert len(refused) >= 1 and len(replies) - len(refused) <= ADDRESS_TURNS
    finally:
        for client in clients:
            client.close()
