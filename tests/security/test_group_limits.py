"""A group session under load: joiners past its participant limit are turned away (and the
trainer is told it is full), and a trainer's next prompt reaches a session larger than one push
request may carry, batch by batch, with how many it reached."""

from __future__ import annotations

import re

import httpx
import pytest

from store import group_sessions
from store.reflections import Owner
from tests.e2e.test_group_sessions import rest

pytestmark = pytest.mark.e2e


def signed_in(stack, trainers) -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=stack.settings.web_base_url, timeout=300)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/trainer").text).group(1)
    r = client.post("/trainer/login", data={"csrf": token, "name": "tess",
                                            "password": trainers["tess"]})
    assert r.status_code == 303
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/trainer").text).group(1)
    return client, token


def test_a_full_session_turns_joiners_away_and_a_big_push_goes_out_in_batches(stack, trainers):
    limit = stack.settings.group_max_participants
    row = group_sessions.create("tess", "Big lecture", ["leadership"], 4, True, "",
                                stack.settings)
    for n in range(limit):  # a full room, joined as the join action does
        group_sessions.join(row.code, Owner(f"crowd-{row.id}-{n}", "socketio"), stack.settings)
    turned_away = rest(stack, f"late-{row.id}", f"join {row.code}")
    assert "is full" in turned_away and "Welcome to" not in turned_away
    client, token = signed_in(stack, trainers)
    live = client.get(f"/trainer/sessions/{row.id}/live")
    assert "The session is full" in live.text
    r = client.post(f"/trainer/sessions/{row.id}/next", data={"csrf": token},
                    follow_redirects=True)
    assert "Prompt 2 is out" in r.text
    assert f"It reached {limit} of {limit} participants" in r.text  # more than one request holds
    assert "could not be reached" not in r.text
