"""Trainers' accounts: passwords checked against the Argon2id hashes in ``TRAINER_ACCOUNTS``,
and repeated failures slowed down.

No password is stored anywhere in clear, and there is no default account: ``praxis
trainer-password NAME`` makes an entry to put in ``.env``.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

HASHER = PasswordHasher()
_DUMMY = HASHER.hash("a password no account has")  # an unknown name costs a check too

MAX_FAILURES = 5
WINDOW_S = 15 * 60


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def entry(name: str, password: str) -> str:
    """A TRAINER_ACCOUNTS entry: NAME:HASH."""
    if not name or any(c in name for c in ": \t\n") or len(name) > 64:
        raise ValueError("a trainer's name is 1 to 64 characters, without ':' or spaces")
    if len(password) < 10:
        raise ValueError("a trainer's password has at least 10 characters")
    return f"{name}:{hash_password(password)}"


def verify(accounts: dict[str, str], name: str, password: str) -> bool:
    hashed = accounts.get(name)
    try:
        return HASHER.verify(hashed or _DUMMY, password) and hashed is not None
    except (VerificationError, InvalidHashError):
        return False


class Throttle:
    """At most MAX_FAILURES failed sign-ins per key (a name, a client address) in WINDOW_S."""

    def __init__(self, max_failures: int = MAX_FAILURES, window_s: float = WINDOW_S) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self._failures: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        return failures

    def wait_s(self, *keys: str) -> float:
        """Seconds until another try is allowed (0: now)."""
        now = time.monotonic()
        with self._lock:
            waits = [f[0] + self.window_s - now for k in keys
                     if len(f := self._recent(k, now)) >= self.max_failures]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._recent(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)
