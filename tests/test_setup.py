"""Setup's pieces that run outside Python's own env: finding the interpreters, and the distress
guard, which runs inside the Rasa server's env (Python 3.10)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"


def test_find_python_finds_3_10_and_3_11():
    for version in ("3.10", "3.11"):
        out = subprocess.run([str(ROOT / "tools/find-python"), version], capture_output=True,
                             text=True, check=True).stdout.strip()
        found = subprocess.run([out, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                               capture_output=True, text=True, check=True).stdout.strip()
        assert found == version


def test_find_python_says_what_to_install_when_missing():
    result = subprocess.run([str(ROOT / "tools/find-python"), "3.99"], capture_output=True,
                            text=True, env={"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"})
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("Python 3.99 was not found: install it")


GUARD = """
import json, sys
from bot.components.safety import DistressGuard
from rasa.shared.nlu.training_data.message import Message
# the action server's detector is not running: every message is judged by the phrase floor
guard = DistressGuard({"use_detector": sys.argv[2] == "detector"})
out = []
for text in json.loads(sys.argv[1]):
    m = Message(data={"text": text, "intent": {"name": "reflect", "confidence": 0.9},
                      "intent_ranking": [{"name": "reflect", "confidence": 0.9}]})
    guard.process([m])
    kinds = [e["value"] for e in m.get("entities") or [] if e["entity"] == "risk_kind"]
    out.append([m.get("intent")["name"], m.get("intent_ranking")[0]["name"], kinds])
print(json.dumps(out))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa env is made by `make setup`")
@pytest.mark.parametrize("mode", ["phrases only", "detector"])
def test_distress_guard_falls_back_on_the_phrase_floor_in_the_rasa_env(mode, tmp_path):
    """Without the detector, and with a detector that cannot be reached (nothing listens on
    the action port here), explicit phrases still get the distress intent and their kind;
    ordinary words of careers work do not, and button payloads are left alone."""
    import json
    import os
    import socket

    risky = [("I've been self-harming since the restructure", "suicidal"),
             ("some days I want to die", "suicidal"),
             ("I'm not safe tonight", "life"),
             ("I think I'm heading for a nervous breakdown", "distress")]
    calm = ["My manager turned down the group sessions", "The booking system is hopeless",
            "I can't go on leave until after the careers fair", "students having panic attacks "
            "about applications", "/choose_theme{\"theme\": \"leadership\"}", "/misread"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing answers there
    env = {**os.environ, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{port}/webhook"}
    result = subprocess.run([str(RASA_PYTHON), "-c", GUARD,
                             json.dumps([t for t, _ in risky] + calm),
                             "detector" if mode == "detector" else "floor"],
                            capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-2000:]
    got = json.loads(result.stdout.strip().splitlines()[-1])
    assert got[: len(risky)] == [["distress", "distress", [k]] for _, k in risky]
    assert got[len(risky):] == [["reflect", "reflect", []]] * len(calm)
    if mode == "detector":
        assert "judged by the phrase list alone" in result.stderr


SPEEDUP = """
import json
import bot  # applies bot.speedups
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from bot import speedups
action = RemoteAction("action_x", None)
out = {"patched": RemoteAction._validate_action_result is speedups._validate_action_result}
out["valid"] = action._validate_action_result(
    {"events": [{"event": "slot", "name": "theme", "value": "leadership"}],
     "responses": [{"text": "hi"}]})
for name, bad in [("type", {"events": [], "responses": "no"}),
                  ("event", {"events": [{"event": "no_such_event"}], "responses": []})]:
    try:
        action._validate_action_result(bad)
        out[name] = "accepted"
    except ValidationError as exc:
        out[name] = "Failed to validate Action server response" in exc.message
print(json.dumps(out))
"""


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the Rasa env is made by `make setup`")
def test_the_action_response_check_still_refuses_bad_responses():
    import json

    result = subprocess.run([str(RASA_PYTHON), "-c", SPEEDUP], capture_output=True, text=True,
                            cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out == {"patched": True, "valid": True, "type": True, "event": True}
