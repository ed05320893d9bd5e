"""Trainers' accounts: passwords checked against the Argon2id hashes in ``TRAINER_ACCOUNTS``,
and sign-in attempts limited before any password is checked.

No password is stored anywhere in clear, and there is no default account: ``praxis
trainer-password NAME`` makes an entry to put in ``.env``.
"""

from __future__ import annotations

import threading
import time

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cachetools import TTLCache

HASHER = PasswordHasher()
_DUMMY = HASHER.hash("a password no account has")  # an unknown name costs a check too

MAX_NAME = 64
WINDOW_S = 15 * 60
# Attempts in WINDOW_S: for one name from one address, and from one address for any name. A
# stranger elsewhere cannot lock a trainer out; one address cannot try many names.
PER_NAME_AND_ADDRESS = 5
PER_ADDRESS = 10
ARGON2_AT_ONCE = 2  # password checks running together (each takes 64 MiB); more get 503
MAX_KEYS = 10_000  # the throttle's memory: the least recently used key beyond this is forgotten


def hash_password(password: str) -> str:
    return HASHER.hash(password)


def entry(name: str, password: str) -> str:
    """A TRAINER_ACCOUNTS entry: NAME:HASH."""
    if not name or any(c in name for c in ": \t\n") or len(name) > MAX_NAME:
        raise ValueError(f"a trainer's name is 1 to {MAX_NAME} characters, without ':' or "
                         "spaces")
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
    """Sign-in attempts counted before the password is checked, per (name, address) and per
    address, in a window of ``window_s``; held in a size-capped cache whose entries expire."""

    def __init__(self, per_pair: int = PER_NAME_AND_ADDRESS, per_address: int = PER_ADDRESS,
                 window_s: float = WINDOW_S, max_keys: int = MAX_KEYS) -> None:
        self.per_pair = per_pair
        self.per_address = per_address
        self.window_s = window_s
        self._attempts: TTLCache[tuple[str, ...], list[float]] = TTLCache(
            maxsize=max_keys, ttl=window_s, timer=time.monotonic)
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, ...], now: float) -> list[float]:
        return [t for t in self._attempts.get(key, ()) if t > now - self.window_s]

    def attempt(self, name: str, address: str) -> float:
        """Count an attempt by ``name`` from ``address``: 0 if it may go on to the password
        check, else the seconds until another is allowed (and nothing is counted)."""
        now = time.monotonic()
        limits = (((address,), self.per_address), ((address, name), self.per_pair))
        with self._lock:
            waits = []
            for key, limit in limits:
                recent = self._recent(key, now)
                if len(recent) >= limit:
                    waits.append(recent[-limit] + self.window_s - now)
            if waits:
                return max(max(waits), 1.0)
            for key, _ in limits:
                self._attempts[key] = [*self._recent(key, now), now]
        return 0.0

    def succeeded(self, name: str, address: str) -> None:
        """A right password: that name's attempts from that address are forgotten."""
        with self._lock:
            self._attempts.pop((address, name), None)

    def __len__(self) -> int:
        with self._lock:
            self._attempts.expire()
            return len(self._attempts)
