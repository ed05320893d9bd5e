"""Rasa's Redis lock store, made safe for several Rasa servers at once.

Rasa 3.6's ``RedisLockStore`` keeps a conversation's ticket lock as one JSON value and changes it
by read, modify, write: two servers taking a turn of the same conversation at the same moment can
both read "no lock", both take ticket 0 and both go ahead, so the turns interleave (seen in
``tests/e2e/test_scale_out.py``). Here every change to a conversation's lock (issuing a ticket,
dropping expired ones, finishing) happens under a short Redis mutex of that conversation
(redis-py's ``Lock``: ``SET NX PX`` with a token), so the ticket queue is the same for all servers.
``endpoints.scale.yml`` names this class as the lock store.
"""

from __future__ import annotations

from typing import Any

from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore

MUTEX_S = 10  # the longest one change may hold the mutex (it takes milliseconds)


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Any) -> None:
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _mutex(self, conversation_id: str) -> Any:
        return self.red.lock(f"praxis-mutex:{self.key_prefix}{conversation_id}",
                             timeout=MUTEX_S, blocking_timeout=MUTEX_S)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        with self._mutex(conversation_id):
            return super().issue_ticket(conversation_id, lock_lifetime)

    def update_lock(self, conversation_id: str) -> None:
        with self._mutex(conversation_id):
            super().update_lock(conversation_id)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        with self._mutex(conversation_id):
            super().cleanup(conversation_id, ticket_number)
