"""What every channel checks before a message reaches the dialogue: that it is text, not empty,
within ``MAX_MESSAGE_CHARS``, and that its sender is not sending faster than a person types."""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass

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
