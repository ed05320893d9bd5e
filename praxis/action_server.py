"""The action server: rasa-sdk serving ``actions``, with the knowledge base loaded first.

``python -m praxis.action_server`` (``praxis serve`` starts it). It loads the embedding model and
the index before it listens, so a missing, stale or mismatched index stops it at once with one
sentence naming the fix, and the first turn does not wait for the model. One process, bound to
the configured host (loopback by default). Beside rasa-sdk's ``/webhook`` it serves ``/safety``,
the risk detector the Rasa server asks about every message (``bot.components.safety``), and
``/forget`` and ``/retention``, through which the Rasa server has the app store delete a
sender's data or what is past ``RETENTION_DAYS`` (``store.erasure``: the app store's own code is
the only code that touches its tables). Every
call but ``/health`` must carry the action server key (``ACTION_SERVER_KEY``) in the
``X-Praxis-Key`` header; without it the answer is 401 and nothing runs.

Rasa 3.6 calls it over the action HTTP protocol, which rasa-sdk 3.x keeps stable. rasa-sdk logs
"Your versions of rasa and rasa-sdk might not be compatible" on each call because their minor
versions differ (3.6 and 3.21); the protocol they share is the same, and the end-to-end tests
prove it on every run.
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from typing import Any

from praxis import config

MAX_SAFETY_TEXT = 20_000  # characters judged of one message (the channels allow fewer)


async def safety(request: Any) -> Any:
    """``POST /safety`` with ``{"text": ...}``: the risk detector's verdict on one message
    (``actions.risk.Assessment``), asked by the Rasa server's guard for every message."""
    import asyncio

    from sanic import response

    from actions.retrieval import risk_detector

    text = _body(request).get("text")
    if not isinstance(text, str):
        return response.json({"error": "expected {\"text\": \"...\"}"}, status=400)
    verdict = await asyncio.to_thread(
        lambda: risk_detector().assess([text[:MAX_SAFETY_TEXT]])[0])
    return response.json(verdict.as_dict())


def _body(request: Any) -> dict[str, Any]:
    try:
        body = request.json
    except Exception:  # sanic's own error for a body that is not JSON
        body = None
    return body if isinstance(body, dict) else {}


async def forget(request: Any) -> Any:
    """``POST /forget`` with ``{"sender_id": ...}``: delete that sender's data in the app store;
    how many rows of each kind."""
    import asyncio

    from sanic import response

    from store import erasure

    sender = _body(request).get("sender_id")
    if not isinstance(sender, str) or not sender or len(sender) > 255:
        return response.json({"error": "expected {\"sender_id\": \"...\"}"}, status=400)
    return response.json(await asyncio.to_thread(erasure.forget, sender))


async def retention(request: Any) -> Any:
    """``POST /retention`` with ``{"days": ...}``: delete what the app store holds past it."""
    import asyncio

    from sanic import response

    from store import erasure

    days = _body(request).get("days")
    if isinstance(days, bool) or not isinstance(days, (int, float)) or days <= 0:
        return response.json({"error": "expected {\"days\": a number above 0}"}, status=400)
    return response.json(await asyncio.to_thread(erasure.purge, float(days)))


def require_key(key: str) -> Any:
    """Sanic request middleware: 401 for a call without the action server key."""
    from sanic import response

    expected = key.encode()

    async def check(request: Any) -> Any:
        if request.path == "/health":
            return None
        given = request.headers.get(config.ACTION_KEY_HEADER, "").encode()
        if not (given and secrets.compare_digest(given, expected)):
            return response.json({"error": "this server answers the Rasa server only"},
                                 status=401)
        return None

    return check


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="praxis-actions", description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    settings = config.get()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    from sqlalchemy.exc import SQLAlchemyError

    from actions.retrieval import depth_estimator, knowledge_base, risk_detector
    from knowledge.documents import SourceError
    from knowledge.embedding import ModelError
    from knowledge.index import IndexLoadError
    from store.db import sessions

    try:
        knowledge_base()
        depth_estimator()
        risk_detector()
    except (IndexLoadError, ModelError, SourceError) as exc:
        print(f"praxis: the action server cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        sessions(settings)  # the app store, its schema migrated
    except SQLAlchemyError as exc:
        where = settings.store_url.split("@")[-1]  # never the password
        print(f"praxis: the action server cannot open the app store ({where}): "
              f"{exc.__class__.__name__}; check DATABASE_URL", file=sys.stderr)
        return 2

    from rasa_sdk import endpoint
    from rasa_sdk.executor import ActionExecutor

    executor = ActionExecutor()
    executor.register_package("actions")
    app = endpoint.create_app(executor, cors_origins=[])
    app.register_middleware(require_key(settings.action_key), "request")
    app.add_route(safety, "/safety", methods=["POST"])
    app.add_route(forget, "/forget", methods=["POST"])
    app.add_route(retention, "/retention", methods=["POST"])
    app.run(host=settings.host, port=args.port or settings.action_port, single_process=True,
            access_log=False, motd=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
