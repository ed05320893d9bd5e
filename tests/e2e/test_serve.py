"""`praxis serve`, the command behind `make run`: it starts the servers and the web app, says how
to chat, serves the REST and socket.io channels and the widget's page, and stops everything on
SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.e2e


def test_serve_runs_the_stack_and_stops_on_sigterm(kb, index_dir, tmp_path, free_port):
    rasa_port, action_port, web_port = free_port(), free_port(), free_port()
    env = {**os.environ, "RASA_PORT": str(rasa_port), "ACTION_PORT": str(action_port),
           "WEB_PORT": str(web_port), "DATABASE_URL": f"sqlite:///{tmp_path / 'praxis.db'}",
           "INDEX_DIR": str(index_dir), "TRACKER_DB": str(tmp_path / "tracker.db")}
    proc = subprocess.Popen([sys.executable, "-m", "praxis.cli", "serve"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                break
            lines.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        out = "".join(lines)
        assert "Praxis is ready." in out, out
        assert ".venv/bin/praxis chat" in out
        assert f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook" in out
        assert f"Chat in a browser:   http://127.0.0.1:{web_port}/" in out
        page = requests.get(f"http://127.0.0.1:{web_port}/", timeout=10)
        assert page.status_code == 200 and "<praxis-chat" in page.text
        assert f'server="http://127.0.0.1:{rasa_port}"' in page.text

        base = f"http://127.0.0.1:{rasa_port}"
        reply = requests.post(f"{base}/webhooks/rest/webhook",
                              json={"sender": "serve-test", "message": "hello"}, timeout=60)
        assert reply.status_code == 200 and "I'm Praxis" in reply.json()[0]["text"]
        polling = requests.get(f"{base}/socket.io/", params={"EIO": "4", "transport": "polling"},
                               timeout=10)
        assert polling.status_code == 200 and '"sid"' in polling.text  # socket.io is on

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        rest = proc.stdout.read()
        assert "Stopping" in rest
        for port in (rasa_port, action_port, web_port):
            with pytest.raises(requests.ConnectionError):
                requests.get(f"http://127.0.0.1:{port}/", timeout=2)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
