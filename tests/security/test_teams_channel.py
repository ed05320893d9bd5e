"""Attacks on the Teams channel: a delete card clicked by someone else in a group chat, a
signing key without the channel's endorsement, an activity from another Bot Framework channel,
and a bot with no tenant configured (which must refuse every tenant)."""

from __future__ import annotations

import json
import subprocess
import time
import uuid

import pytest

from praxis.config import ROOT
from tests.e2e.test_teams import Teams, card, stored_senders
from tests.test_setup import RASA_PYTHON

pytestmark = pytest.mark.e2e


@pytest.fixture
def teams(stack, botframework):
    return Teams(stack, botframework)


def test_a_delete_card_deletes_only_the_data_of_whoever_asked(teams, stack):
    chat = {"conversation": f"19:{uuid.uuid4().hex}@thread.v2", "conversation_type": "groupChat"}
    marks = {u: f"numbat{uuid.uuid4().hex[:8]}" for u in ("ana", "ben")}
    for user, mark in marks.items():
        teams.say('/start_reflection{"theme": "leadership"}', user=user, **chat)
        teams.say(f"My {mark} director said no to a pilot of group sessions.", user=user, **chat)
    [ask] = teams.say("delete my data", user="ana", **chat)
    yes, no = card(ask)["actions"]
    for button in (yes, no):  # Ben clicks Ana's card
        [refused] = teams.say(value=button["data"], user="ben", **chat)
        assert refused["text"].startswith("That button belongs to the person who asked")
    assert stored_senders(stack, marks["ana"]) and stored_senders(stack, marks["ben"])
    [done] = teams.say(value=yes["data"], user="ana", **chat)
    assert done["text"] == "Your conversation with Praxis was deleted."
    assert stored_senders(stack, marks["ana"]) == [] and stored_senders(stack, marks["ben"])
    [typed] = teams.say("praxis:delete-confirmed", user="ben", **chat)  # no owner: nothing
    assert typed["text"].startswith("That button belongs") and stored_senders(
        stack, marks["ben"])


def known(teams, key) -> None:
    """Wait until the bot has fetched the keys since ``key`` was published."""
    fetches = teams.fake.metadata_fetches
    deadline = time.monotonic() + 15
    while teams.fake.metadata_fetches == fetches and time.monotonic() < deadline:
        activity = teams.fake.activity("hello", user="keys")
        teams.post(activity, token=teams.fake.token(activity, key=key))
        time.sleep(1)
    assert teams.fake.metadata_fetches > fetches


def test_a_key_without_the_channel_s_endorsement_is_refused(teams):
    key = teams.fake.rotate(endorsements=())
    known(teams, key)
    before = len(teams.fake.posted)
    activity = teams.fake.activity("hello", user="unendorsed")
    r = teams.post(activity, token=teams.fake.token(activity, key=key))
    assert r.status_code == 401 and "endorsed" in r.json()["error"]
    assert len(teams.fake.posted) == before


def test_an_activity_from_another_bot_framework_channel_is_refused(teams):
    key = teams.fake.rotate(endorsements=("msteams", "webchat"))
    known(teams, key)
    before = len(teams.fake.posted)
    activity = teams.fake.activity("hello", user="webchat", channelId="webchat")
    r = teams.post(activity, token=teams.fake.token(activity, key=key))
    assert r.status_code == 403 and len(teams.fake.posted) == before


FAIL_CLOSED = """
import json, logging, sys
logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
from bot.channels.teams import TeamsInput
from praxis import config
channel = TeamsInput(config.Settings(teams_app_id="app"))
anyone = TeamsInput(config.Settings(teams_app_id="app", teams_allowed_tenants="*"))
print(json.dumps([sorted(channel.allowed_tenants), sorted(anyone.allowed_tenants)]))
"""


def test_with_no_tenant_configured_every_tenant_is_refused_and_start_up_says_so():
    run = subprocess.run([str(RASA_PYTHON), "-c", FAIL_CLOSED], capture_output=True, text=True,
                         cwd=ROOT, timeout=300, check=True)
    assert json.loads(run.stdout.strip().splitlines()[-1]) == [[], ["*"]]
    assert "every tenant is refused" in run.stderr

