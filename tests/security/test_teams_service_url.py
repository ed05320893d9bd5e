"""Server-side request forgery through a pushed group prompt: a REST caller writes a Teams
participant's conversation with a forged ``serviceUrl`` in its metadata, then the trainer pushes
the next prompt. Nothing, and above all not the bot's Microsoft token, may reach the forged URL."""

from __future__ import annotations

import http.server
import threading
import uuid

import pytest
import requests

from praxis.config import Settings

pytestmark = pytest.mark.e2e


class Recorder(http.server.ThreadingHTTPServer):
    """A loopback server that records every request made to it (the attacker's)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []
        recorder = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                recorder.seen.append((self.path, self.headers.get("Authorization", "")))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args) -> None:
                """Quiet: the test reads what was recorded, not a log."""

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture
def attacker():
    server = Recorder()
    yield server
    server.shutdown()


def test_a_forged_service_url_gets_no_request_and_no_token(stack, attacker):
    victim = "teams-" + uuid.uuid4().hex[:40]  # a Teams participant's conversation
    forged = {"reference": {"serviceUrl": attacker.url, "conversation": {"id": "stolen"},
                            "recipient": {"id": "bot"}, "channelId": "msteams"}}
    r = requests.post(f"{stack.settings.rasa_base_url}/webhooks/rest/webhook",
                      json={"sender": victim, "message": "hello", "metadata": forged},
                      timeout=60)
    assert r.status_code == 200
    push = requests.post(f"{stack.settings.rasa_base_url}/webhooks/group/push",
                         json={"senders": [{"sender_id": victim, "channel": "teams"}]},
                         headers={"Authorization": f"Bearer {stack.settings.group_push_token}"},
                         timeout=60)
    assert push.status_code == 200
    assert attacker.seen == []


def test_only_allow_listed_connector_hosts_are_posted_to():
    import json
    import subprocess

    from praxis.config import ROOT
    from tests.test_setup import RASA_PYTHON  # the check runs in the Rasa env

    urls = ["https://smba.trafficmanager.net/emea/", "https://europe.webchat.botframework.com/",
            "https://smba.infra.gcc.teams.microsoft.com/x",
            "http://smba.trafficmanager.net/emea/",  # not https
            "https://smba.trafficmanager.net.attacker.example/",
            "https://attacker.example/?smba.trafficmanager.net",
            "https://user@smba.trafficmanager.net/", "http://127.0.0.1:9/", "not a url"]
    script = ("import json, sys\nfrom bot.channels.botframework import service_url_allowed\n"
              "print(json.dumps([service_url_allowed(u, json.loads(sys.argv[2])) "
              "for u in json.loads(sys.argv[1])]))")
    hosts = Settings().teams_service_hosts
    out = subprocess.run([str(RASA_PYTHON), "-c", script, json.dumps(urls), json.dumps(hosts)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300, check=True)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == [
        True, True, True, False, False, False, False, False, False]
