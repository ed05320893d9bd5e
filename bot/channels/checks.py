"""What every channel checks before a message reaches the dialogue: that it is text, not empty,
within ``MAX_MESSAGE_CHARS``, and that its sender is not sending faster than a person types; and,
for the widget, whose session ids cost nothing to mint, that one client address does not open
conversations or send turns without limit (shared through Redis across instances)."""

from __future__ import annotations

import ipaddress
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class Refused(ValueError):
    """A message that does not reach the dialogue; ``str()`` is the reply to its sender and
    ``status`` the HTTP status where there is one."""

    def __init__(self, reply: str, status: int = 400) -> None:
        super().__init__(reply)
        self.status = status


def valid_unicode(text: str) -> str:
    """``text`` with anything that is not valid Unicode (a lone surrogate from a broken UTF-8
    sequence) replaced, so that everything stored can be written as UTF-8."""
    return text.encode("utf-8", "replace").decode("utf-8")


def message_text(value: object, limit: int) -> str:
    """The message as the dialogue gets it: control characters removed, ends trimmed."""
    if not isinstance(value, str):
        raise Refused("Messages must be text.")
    text = CONTROL.sub("", valid_unicode(value)).strip()
    if not text:
        raise Refused("That message was empty: please type something.")
    if len(text) > limit:
        raise Refused(f"That message is {len(text):,} characters long; the limit is {limit:,}. "
                      "Please shorten it and send it again.", status=413)
    return text


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per sender: ``burst`` messages at once, then one every
    ``60 / per_minute`` seconds. It remembers the ``max_senders`` most recent senders only, so
    it cannot grow without bound. ``per_minute`` 0 turns it off."""

    def __init__(self, per_minute: int, burst: int, max_senders: int = 50_000) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(burst, 1))
        self.max_senders = max_senders
        self.buckets: OrderedDict[str, _Bucket] = OrderedDict()

    def check(self, sender: str) -> None:
        """Raise :class:`Refused` (429) when ``sender`` is over the limit; else count one."""
        if self.rate <= 0:
            return
        now = time.monotonic()
        bucket = self.buckets.pop(sender, None) or _Bucket(self.burst, now)
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        self.buckets[sender] = bucket
        while len(self.buckets) > self.max_senders:
            self.buckets.popitem(last=False)
        if bucket.tokens < 1:
            wait = (1 - bucket.tokens) / self.rate
            raise Refused(f"You're sending messages faster than I can take them in. Please wait "
                          f"{max(1, round(wait))} seconds and send that again.", status=429)
        bucket.tokens -= 1


class ClientAddresses:
    """The client's address: the peer's, or, when the peer is one of the trusted proxies, the
    right-most X-Forwarded-For entry that is not a trusted proxy (the one the proxy saw)."""

    def __init__(self, trusted: list[str]) -> None:
        self.trusted = [ipaddress.ip_network(t, strict=False) for t in trusted]

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self.trusted)

    def of(self, peer: str, forwarded_for: str = "") -> str:
        if not self._trusted(peer):
            return peer
        for hop in reversed([h.strip() for h in forwarded_for.split(",") if h.strip()]):
            if not self._trusted(hop):
                return hop
        return peer


# A token bucket in Redis, changed atomically: KEYS[1] the bucket; ARGV rate per second, burst,
# now. Returns 1 (allowed, one token taken) or 0.
_BUCKET = """
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local rate, burst, now = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tokens = tonumber(b[1]) or burst
local at = tonumber(b[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local ok = 0
if tokens >= 1 then tokens = tokens - 1; ok = 1 end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], math.ceil(burst / rate) + 60)
return ok
"""


class AddressLimiter:
    """A token bucket per client address, in this process or, given a Redis URL, in Redis so
    that every instance counts the same address together."""

    def __init__(self, kind: str, per_minute: int, burst: int, redis_url: str = "") -> None:
        self.kind, self.per_minute, self.burst = kind, per_minute, max(burst, 1)
        self.local = RateLimiter(per_minute, burst)
        self.redis: Any = None
        if redis_url and per_minute > 0:
            import redis.asyncio

            self.redis = redis.asyncio.from_url(redis_url)
            self.script = self.redis.register_script(_BUCKET)

    async def allow(self, address: str) -> bool:
        if self.per_minute <= 0:
            return True
        if self.redis is None:
            try:
                self.local.check(address)
            except Refused:
                return False
            return True
        key = f"praxis:limit:{self.kind}:{address}"
        return bool(await self.script(keys=[key], args=[self.per_minute / 60.0, self.burst,
                                                        time.time()]))
