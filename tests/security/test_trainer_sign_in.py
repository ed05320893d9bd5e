"""Attacks on the trainer's sign-in, against the real web app served by uvicorn on loopback:
a flood of parallel guesses, a forged X-Forwarded-For, a form without a CSRF cookie, a cookie
copied before sign-out, and a short SESSION_SECRET."""

from __future__ import annotations

import asyncio
import re
import secrets
import socket
import threading
import time

import httpx
import pytest
import uvicorn

from praxis import config
from web import accounts
from web.__main__ import server_config
from web.app import create_app

PASSWORD = "tess-long-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def hashes() -> str:
    return accounts.entry("tess", PASSWORD)


class Served:
    """The web app in a uvicorn server on a loopback port, in a thread of this process."""

    def __init__(self, settings: config.Settings, widget) -> None:
        self.port = settings.web_port
        self.url = f"http://127.0.0.1:{self.port}"
        server = uvicorn.Server(server_config(create_app(settings, widget), settings))
        self.server = server
        self.thread = threading.Thread(target=server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline, "the web app did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@pytest.fixture
def serve(tmp_path, hashes):
    widget = tmp_path / "praxis-widget.js"
    widget.write_text("/* widget */")
    running = []

    def start(**overrides) -> Served:
        settings = config.Settings(**{
            "database_url": f"sqlite:///{tmp_path / 'praxis.db'}", "trainer_accounts": hashes,
            "session_secret": secrets.token_hex(32), "index_dir": str(tmp_path / "index"),
            "web_port": free_port(),
            **overrides})
        running.append(Served(settings, widget))
        return running[-1]

    yield start
    for served in running:
        served.stop()


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


async def sign_in(client: httpx.AsyncClient, name: str, password: str,
                  headers: dict[str, str] | None = None) -> httpx.Response:
    token = csrf_of((await client.get("/trainer")).text)
    return await client.post("/trainer/login", headers=headers, data={
        "csrf": token, "name": name, "password": password})


@pytest.fixture
def checks(monkeypatch):
    """Count the password checks the web app runs: in all, and the most at once."""
    seen = {"total": 0, "now": 0, "most": 0}
    lock = threading.Lock()
    real = accounts.verify

    def counted(*args):
        with lock:
            seen["total"] += 1
            seen["now"] += 1
            seen["most"] = max(seen["most"], seen["now"])
        try:
            return real(*args)
        finally:
            with lock:
                seen["now"] -= 1

    monkeypatch.setattr(accounts, "verify", counted)
    return seen


def test_a_flood_of_parallel_guesses_reaches_few_password_checks(serve, checks):
    served = serve()

    async def flood() -> list[int]:
        async with httpx.AsyncClient(base_url=served.url, timeout=60) as client:
            token = csrf_of((await client.get("/trainer")).text)
            guesses = [client.post("/trainer/login", data={
                "csrf": token, "name": secrets.token_hex(8), "password": "wrong-password"})
                for _ in range(60)]
            return [r.status_code for r in await asyncio.gather(*guesses)]

    statuses = asyncio.run(flood())
    assert checks["most"] <= accounts.ARGON2_AT_ONCE
    assert checks["total"] <= accounts.PER_ADDRESS
    assert statuses.count(401) == checks["total"]  # every other guess was refused unchecked
    assert set(statuses) <= {401, 429, 503} and statuses.count(401) < 60

    async def elsewhere() -> httpx.Response:  # another address on loopback
        transport = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
        async with httpx.AsyncClient(base_url=served.url, transport=transport) as client:
            return await sign_in(client, "tess", PASSWORD)

    assert asyncio.run(elsewhere()).status_code == 303


def test_the_throttle_forgets_and_never_stores_overlong_names():
    throttle = accounts.Throttle(per_pair=2, per_address=3, window_s=0.2, max_keys=8)
    assert throttle.attempt("tess", "10.0.0.1") == 0
    assert throttle.attempt("tess", "10.0.0.1") == 0
    assert throttle.attempt("tess", "10.0.0.1") > 0  # the pair's limit
    assert throttle.attempt("tom", "10.0.0.1") == 0
    assert throttle.attempt("tim", "10.0.0.1") > 0  # the address's limit, whatever the name
    for n in range(20):  # many addresses: the memory stays capped
        throttle.attempt("x", f"10.1.0.{n}")
    assert len(throttle) <= 8
    time.sleep(0.25)
    assert len(throttle) == 0  # expired
    assert throttle.attempt("tess", "10.0.0.1") == 0


def test_an_overlong_name_is_refused_before_anything_is_checked(serve, checks):
    served = serve()

    async def go() -> httpx.Response:
        async with httpx.AsyncClient(base_url=served.url) as client:
            return await sign_in(client, "t" * 10_000, "wrong-password")

    assert asyncio.run(go()).status_code == 401
    assert checks["total"] == 0


def test_a_forged_forwarded_for_does_not_escape_the_limit(serve, checks):
    served = serve()  # no trusted proxies: the header is ignored

    async def go() -> list[int]:
        async with httpx.AsyncClient(base_url=served.url) as client:
            return [(await sign_in(client, "tess", "wrong-password",
                                   {"X-Forwarded-For": f"203.0.113.{n}"})).status_code
                    for n in range(accounts.PER_NAME_AND_ADDRESS + 1)]

    assert asyncio.run(go())[-1] == 429


def test_behind_a_trusted_proxy_a_stranger_cannot_lock_a_trainer_out(serve, checks):
    served = serve(trusted_proxies="127.0.0.1")  # the tests play the proxy

    async def go() -> tuple[list[int], int, int]:
        async with httpx.AsyncClient(base_url=served.url) as client:
            stranger = [(await sign_in(client, "tess", "wrong-password",
                                       {"X-Forwarded-For": "203.0.113.7"})).status_code
                        for _ in range(accounts.PER_NAME_AND_ADDRESS + 1)]
            # a forged left-hand entry does not change who the proxy saw
            forged = (await sign_in(client, "tess", "wrong-password",
                                    {"X-Forwarded-For": "198.51.100.1, 203.0.113.7"}))
            trainer = await sign_in(client, "tess", PASSWORD,
                                    {"X-Forwarded-For": "198.51.100.20"})
            return stranger, forged.status_code, trainer.status_code

    stranger, forged, trainer = asyncio.run(go())
    assert stranger[-1] == 429 and forged == 429
    assert trainer == 303


def test_a_sign_in_form_without_a_cookie_or_token_is_refused(serve, checks):
    served = serve()

    async def go() -> list[int]:
        async with httpx.AsyncClient(base_url=served.url) as client:
            return [(await client.post("/trainer/login", data=form)).status_code
                    for form in ({"csrf": "", "name": "tess", "password": PASSWORD},
                                 {"name": "tess", "password": PASSWORD})]

    assert asyncio.run(go()) == [403, 403]
    assert checks["total"] == 0


def test_a_cookie_copied_before_sign_out_no_longer_works(serve):
    served = serve()

    async def go() -> tuple[int, int, int]:
        async with httpx.AsyncClient(base_url=served.url) as client:
            assert (await sign_in(client, "tess", PASSWORD)).status_code == 303
            copied = dict(client.cookies)
            before = (await client.get("/trainer/sessions/1/data")).status_code
            token = csrf_of((await client.get("/trainer")).text)
            await client.post("/trainer/logout", data={"csrf": token})
        async with httpx.AsyncClient(base_url=served.url, cookies=copied) as thief:
            after = (await thief.get("/trainer/sessions/1/data")).status_code
            page = await thief.get("/trainer")
        return before, after, "Sign out" in page.text

    before, after, signed_in_page = asyncio.run(go())
    assert before == 404  # signed in: there is just no such session
    assert after == 401 and not signed_in_page


def test_a_short_session_secret_is_refused_at_start(tmp_path):
    with pytest.raises(config.SettingsError, match="32 bytes"):
        config.load(env_file=tmp_path / "none", environ={"SESSION_SECRET": "too-short"})
    assert config.load(env_file=tmp_path / "none",
                       environ={"SESSION_SECRET": secrets.token_hex(32)}).session_secret
