"""The trainer's dashboard over HTTP: sign-in, one trainer's sessions kept from another's, bad
input refused, the exports (exact columns, no identifiers) and deletion."""

from __future__ import annotations

import csv
import io
import re

import pytest
from starlette.testclient import TestClient

from praxis import config
from store import group_sessions
from store.reflections import Owner
from web import accounts
from web.app import create_app

PASSWORDS = {"tess": "tess-long-password", "tom": "tom-long-password"}


@pytest.fixture(scope="module")
def hashes():
    return " ".join(accounts.entry(n, p) for n, p in PASSWORDS.items())


@pytest.fixture
def settings(tmp_path, hashes, index_dir, kb):
    return config.Settings(database_url=f"sqlite:///{tmp_path / 'praxis.db'}",
                           trainer_accounts=hashes, session_secret="test-secret",
                           index_dir=str(index_dir), rasa_internal_url="http://127.0.0.1:9")


@pytest.fixture
def app(tmp_path, settings):
    widget = tmp_path / "praxis-widget.js"
    widget.write_text("/* widget */")
    return create_app(settings, widget)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def signed_in(app, name="tess") -> tuple[TestClient, str]:
    client = TestClient(app)
    token = csrf_of(client.get("/trainer").text)
    r = client.post("/trainer/login", data={"csrf": token, "name": name,
                                            "password": PASSWORDS[name]},
                    follow_redirects=False)
    assert r.status_code == 303
    return client, csrf_of(client.get("/trainer").text)


def create(client, token, **fields) -> int:
    data = {"csrf": token, "title": "Away-day", "themes": ["leadership", "power_dynamics"],
            "pacing": "trainer", "closing_question": "What will you take back?", **fields}
    r = client.post("/trainer/sessions", data=data, follow_redirects=False)
    assert r.status_code == 303, r.text
    return int(r.headers["location"].rsplit("/", 1)[1])


def test_without_accounts_the_sign_in_page_says_how_to_make_one(tmp_path, settings):
    widget = tmp_path / "w.js"
    widget.write_text("")
    client = TestClient(create_app(config.Settings(**{**settings.__dict__,
                                                      "trainer_accounts": ""}), widget))
    page = client.get("/trainer")
    assert "praxis trainer-password NAME" in page.text
    assert client.get("/trainer/sessions/1", follow_redirects=False).status_code == 303
    assert client.get("/trainer/sessions/1/data").status_code == 401


def test_a_wrong_password_is_refused_and_repeated_tries_are_slowed(app):
    client = TestClient(app)
    token = csrf_of(client.get("/trainer").text)
    for _ in range(accounts.PER_NAME_AND_ADDRESS):
        r = client.post("/trainer/login", data={"csrf": token, "name": "tess",
                                                "password": "wrong"})
        assert r.status_code == 401 and "match an account" in r.text
    right = client.post("/trainer/login", data={"csrf": token, "name": "tess",
                                                "password": PASSWORDS["tess"]})
    assert right.status_code == 429 and "Too many attempts" in right.text
    other = TestClient(app)  # the same address, another name: only the address's limit
    token = csrf_of(other.get("/trainer").text)
    assert other.post("/trainer/login", data={"csrf": token, "name": "tom",
                                              "password": PASSWORDS["tom"]},
                      follow_redirects=False).status_code == 303
    token = csrf_of(other.get("/trainer").text)  # a new sign-in, a new token
    for _ in range(accounts.PER_ADDRESS - accounts.PER_NAME_AND_ADDRESS - 1):
        assert other.post("/trainer/login", data={"csrf": token, "name": "tim",
                                                  "password": "x"}).status_code == 401
    assert other.post("/trainer/login", data={"csrf": token, "name": "tom",
                                              "password": "x"}).status_code == 429


def test_a_form_without_the_page_s_token_is_refused(app):
    client, _ = signed_in(app)
    r = client.post("/trainer/sessions", data={"title": "x", "themes": "leadership",
                                                "pacing": "self"})
    assert r.status_code == 403
    assert client.post("/trainer/sessions", content=b"\x00\xff",
                       headers={"content-type": "application/json"}).status_code == 403


def test_a_session_has_a_code_a_link_and_a_qr_code(app):
    client, token = signed_in(app)
    sid = create(client, token)
    page = client.get(f"/trainer/sessions/{sid}")
    code = re.search(r'id="join-code">([A-Z0-9]{8})<', page.text).group(1)
    assert f"http://testserver/?session={code}" in page.text
    assert "Next prompt" in page.text and "8 prompts" not in page.text  # 2 themes + closing
    assert "9 prompts" in page.text
    qr = client.get(f"/trainer/sessions/{sid}/qr.png")
    assert qr.status_code == 200 and qr.content.startswith(b"\x89PNG")
    assert "script-src" not in page.headers["content-security-policy"]  # scripts: self only
    assert client.get("/trainer").text.count(code) == 1


@pytest.mark.parametrize("fields, problem", [
    ({"title": ""}, "a title"),
    ({"title": "x" * 201}, "a title"),
    ({"themes": []}, "at least one of the eight themes"),
    ({"themes": ["leadership", "no_such_theme"]}, "at least one of the eight themes"),
    ({"themes": ["leadership", "leadership"]}, "at least one of the eight themes"),
    ({"pacing": "fast"}, "self-paced or trainer-paced"),
    ({"closing_question": "?" * 501}, "a closing question"),
])
def test_a_bad_session_is_refused_with_the_reason(app, fields, problem):
    client, token = signed_in(app)
    data = {"csrf": token, "title": "Away-day", "themes": ["leadership"], "pacing": "self",
            **fields}
    r = client.post("/trainer/sessions", data=data)
    assert r.status_code == 200 and problem in r.text
    assert "You have no sessions yet" in r.text


def test_another_trainer_gets_403_everywhere_and_a_missing_session_404(app):
    tess, token = signed_in(app, "tess")
    sid = create(tess, token)
    tom, tom_token = signed_in(app, "tom")
    for path in ("", "/live", "/data", "/export.csv", "/export.md", "/qr.png"):
        assert tom.get(f"/trainer/sessions/{sid}{path}").status_code == 403, path
    for action in ("next", "end", "delete"):
        assert tom.post(f"/trainer/sessions/{sid}/{action}",
                        data={"csrf": tom_token}).status_code == 403, action
    page = tom.get(f"/trainer/sessions/{sid}", headers={"accept": "text/html"})
    assert "belongs to another trainer" in page.text
    assert tom.get("/trainer/sessions/999").status_code == 404
    assert tom.get("/trainer/sessions/abc").status_code == 404
    assert "Away-day" not in tom.get("/trainer").text
    assert tess.get(f"/trainer/sessions/{sid}").status_code == 200  # still the owner's


def seed(settings, sid, embedder):
    code = group_sessions.get(sid, "tess", settings).code
    people = [Owner(f"sender-{n}", "socketio") for n in range(3)]
    for n, who in enumerate(people):
        group_sessions.join(code, who, settings)
        group_sessions.set_sharing(who, n < 2, settings)
    answers = ["My director cut the careers fair, with no say for our team.",
               "Leaders decided about the careers fair over our heads.",
               "A private answer that nobody else may see."]
    for who, text in zip(people, answers, strict=True):
        group_sessions.record(who, 0, text, embedder.embed([text])[0].tolist(),
                              ["Leadership's role"], "", settings)
    return people


def test_the_exports_have_the_shared_answers_only_and_no_identifiers(app, settings, embedder):
    client, token = signed_in(app)
    sid = create(client, token)
    people = seed(settings, sid, embedder)
    rows = list(csv.reader(io.StringIO(client.get(f"/trainer/sessions/{sid}/export.csv").text)))
    assert rows[0] == ["prompt", "answer", "cluster", "finding", "time"]
    assert len(rows) == 3 and all(r[0] == "1. Leadership: What?" for r in rows[1:])
    assert {r[1] for r in rows[1:]} == {"My director cut the careers fair, with no say for our "
                                        "team.", "Leaders decided about the careers fair over "
                                        "our heads."}
    assert all(r[3] == "Leadership" and re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d UTC", r[4])
               for r in rows[1:])
    markdown = client.get(f"/trainer/sessions/{sid}/export.md")
    assert markdown.headers["content-disposition"].endswith('.md"')
    for export in (markdown.text, client.get(f"/trainer/sessions/{sid}/export.csv").text):
        assert "private answer" not in export
        assert not any(p.sender_id in export for p in people)
        assert "Participant" not in export
    assert "# Away-day" in markdown.text and "| Leadership | 2 |" in markdown.text
    data = client.get(f"/trainer/sessions/{sid}/data").json()
    assert [p["name"] for p in data["participants"]] == ["Participant 1", "Participant 2",
                                                         "Participant 3"]
    assert [p["shares"] for p in data["participants"]] == ["shares", "shares", "private"]
    assert data["prompts"][0]["shared"] == 2 and len(data["prompts"][0]["clusters"]) == 1


def test_next_prompt_moves_on_even_when_participants_cannot_be_reached(app, settings,
                                                                       embedder):
    client, token = signed_in(app)
    sid = create(client, token)
    seed(settings, sid, embedder)
    r = client.post(f"/trainer/sessions/{sid}/next", data={"csrf": token})
    assert "Prompt 2 is out" in r.text and "It reached 0 of 3 participants" in r.text
    assert "3 could not be reached" in r.text
    assert group_sessions.get(sid, "tess", settings).current == 1


def test_ending_stops_the_code_and_deleting_removes_everything(app, settings, embedder):
    client, token = signed_in(app)
    sid = create(client, token)
    people = seed(settings, sid, embedder)
    code = group_sessions.get(sid, "tess", settings).code
    assert "has ended" in client.post(f"/trainer/sessions/{sid}/end", data={"csrf": token}).text
    with pytest.raises(group_sessions.JoinRefused, match="has ended"):
        group_sessions.join(code, Owner("late", "socketio"), settings)
    r = client.post(f"/trainer/sessions/{sid}/delete", data={"csrf": token})
    assert "were deleted" in r.text
    assert client.get(f"/trainer/sessions/{sid}").status_code == 404
    assert group_sessions.place(people[0], settings) is None


def test_signing_out_ends_the_trainer_s_session(app):
    client, token = signed_in(app)
    client.post("/trainer/logout", data={"csrf": token})
    assert client.get("/trainer/sessions/1/data").status_code == 401
