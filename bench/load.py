"""Turn latency over the REST webhook at a number of concurrent conversations.

A *plain* turn is a greeting: NLU and a response, no action server. A *grounded* turn is an
answer inside a reflection: NLU, the form, the action server embedding the answer, searching the
index and relating a passage. Each concurrent conversation is one thread; it starts a new
sender id for every reflection (and every ten greetings), so a measured turn carries a tracker of
a typical length rather than one that grows through the run. The number of turns is fixed, so
every run is bounded and ends by itself.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass

import requests

ANSWERS = [
    "My head of service turned down group workshops because only appointments are counted.",
    "It shows that the hierarchy and its targets decide what counts as good careers work.",
    "I could gather evidence from a small pilot and share it with the leadership team.",
]
NEXT_STEP = "I will email my manager by Friday to propose a four-week pilot in January."


@dataclass
class Phase:
    """The measured turns of one kind at one concurrency."""

    latencies_ms: list[float]
    wall_s: float
    turns: int  # every request of the phase, measured or not

    def summary(self) -> dict[str, float]:
        q = statistics.quantiles(self.latencies_ms, n=100, method="inclusive")
        return {"p50": round(statistics.median(self.latencies_ms), 1), "p95": round(q[94], 1),
                "p99": round(q[98], 1), "n": len(self.latencies_ms)}

    @property
    def throughput(self) -> float:
        """Turns answered per second over the phase, counting every turn."""
        return round(self.turns / self.wall_s, 2)


def _post(session: requests.Session, url: str, sender: str, message: str) -> float:
    start = time.perf_counter()
    r = session.post(url, json={"sender": sender, "message": message}, timeout=120)
    elapsed = (time.perf_counter() - start) * 1000
    r.raise_for_status()
    return elapsed


def _plain(session, url, sender, turns, out):
    for i in range(turns):
        out.append(_post(session, url, f"{sender}-{i // 10}", "hello"))


def _grounded(session, url, sender, cycles, out):
    for cycle in range(cycles):
        who = f"{sender}-{cycle}"
        _post(session, url, who, '/start_reflection{"theme": "leadership"}')
        for answer in ANSWERS:
            out.append(_post(session, url, who, answer))
        _post(session, url, who, NEXT_STEP)


def run_phase(base_url: str, kind: str, conversations: int, per_conversation: int,
              tag: str) -> Phase:
    """``per_conversation`` turns (plain) or reflection cycles of three grounded turns each."""
    url = f"{base_url}/webhooks/rest/webhook"
    work = _plain if kind == "plain" else _grounded
    results: list[list[float]] = [[] for _ in range(conversations)]
    errors: list[BaseException] = []
    barrier = threading.Barrier(conversations)

    def worker(i: int) -> None:
        with requests.Session() as session:
            barrier.wait()
            try:
                work(session, url, f"bench-{tag}-{kind}-{conversations}-{i}", per_conversation,
                     results[i])
            except BaseException as exc:  # reported after the phase
                errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(conversations)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} conversations failed: {errors[0]!r}")
    per_cycle = 1 if kind == "plain" else len(ANSWERS) + 2
    return Phase([x for r in results for x in r], wall,
                 conversations * per_conversation * per_cycle)


# turns (plain) or reflection cycles (grounded) per conversation at each concurrency: enough
# samples for p95 without letting the 50-conversation phases run for minutes
PLAN = {"plain": {1: 60, 10: 12, 50: 4}, "grounded": {1: 15, 10: 3, 50: 1}}


def measure(base_url: str, tag: str = "run") -> dict[str, dict[str, dict]]:
    """Warm up, then every phase of PLAN; returns turn_ms and throughput_tps."""
    run_phase(base_url, "plain", 1, 5, f"{tag}-warm")
    run_phase(base_url, "grounded", 1, 1, f"{tag}-warm")
    turn_ms: dict[str, dict[str, dict]] = {}
    tps: dict[str, dict[str, float]] = {}
    for kind, levels in PLAN.items():
        for conversations, n in levels.items():
            phase = run_phase(base_url, kind, conversations, n, tag)
            turn_ms.setdefault(kind, {})[str(conversations)] = phase.summary()
            tps.setdefault(kind, {})[str(conversations)] = phase.throughput
    return {"turn_ms": turn_ms, "throughput_tps": tps}
