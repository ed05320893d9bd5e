"""The web app's memory under a sign-in flood: rounds of parallel sign-ins with wrong
passwords and new random names against the real web app (``python -m web``, started here on a
free loopback port with an app store of its own). It reports the web app's resident memory before,
at its highest during, and after the flood, and how the attempts were answered: each Argon2
check takes 64 MiB, so this is what the sign-in limits (``web/accounts.py``) bound.

``python -m bench.sign_in`` alone (``--tree DIR`` runs the web app of another checkout, for a
before-and-after comparison in one run), or as a step of ``make bench``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from praxis import config
from web import accounts

ROUNDS, AT_ONCE = 5, 60  # bounded: 300 attempts in all


def _flood(url: str) -> Counter:
    async def run() -> Counter:
        statuses: Counter = Counter()
        async with httpx.AsyncClient(base_url=url, timeout=120) as client:
            page = (await client.get("/trainer")).text
            token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
            for _ in range(ROUNDS):
                replies = await asyncio.gather(*(client.post("/trainer/login", data={
                    "csrf": token, "name": secrets.token_hex(12), "password": "wrong-password"})
                    for _ in range(AT_ONCE)))
                statuses.update(r.status_code for r in replies)
        return statuses

    return asyncio.run(run())


def measure(tree: Path | None = None) -> dict[str, Any]:
    from bench.run import free_port, rss_mb

    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        env = {**config.load().env_for("web"), "WEB_PORT": str(port), "HOST": "127.0.0.1",
               "DATABASE_URL": f"sqlite:///{Path(tmp) / 'praxis.db'}",
               "TRAINER_ACCOUNTS": accounts.entry("tess", secrets.token_hex(8))}
        web = subprocess.Popen([sys.executable, "-m", "web"], env=env, cwd=tree or config.ROOT,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("the web app did not start")
                time.sleep(0.2)
            httpx.get(f"{url}/trainer")  # warmed up
            before = rss_mb(web.pid)
            peak = [before]
            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    peak.append(rss_mb(web.pid))
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample)
            sampler.start()
            started = time.perf_counter()
            statuses = _flood(url)
            seconds = time.perf_counter() - started
            done.set()
            sampler.join()
            return {"attempts": ROUNDS * AT_ONCE, "at_once": AT_ONCE,
                    "statuses": {str(k): v for k, v in sorted(statuses.items())},
                    "rss_mb_before": before, "rss_mb_peak": max(peak),
                    "rss_mb_after": rss_mb(web.pid), "seconds": round(seconds, 2)}
        finally:
            web.terminate()
            web.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="bench.sign_in", description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, help="the checkout whose web app to measure")
    print(json.dumps(measure(parser.parse_args().tree), indent=2))
