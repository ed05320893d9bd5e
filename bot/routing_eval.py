"""How often a message takes the route it should: the trained model's reading of each message of a
labelled routing set (``tests/routing/``), in the context it was sent in.

Runs in the Rasa env (``.venv-rasa``): ``python -m bot.routing_eval --set heldout``. The route is
what the dialogue does with the message's intent, which is deterministic (rules and the forms'
slot mappings in ``domain.yml``): outside a reflection each intent has its rule; inside one, an
intent the reflection's slots refuse (``not_intent``) interrupts it and takes its own route, and
any other message is the practitioner's answer (a report question too, unless it is put as one:
``praxis.phrasing``). The safety guard is left out (this set holds no
distress; the risk detector has its own evaluation, ``praxis safety-eval``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from praxis.phrasing import asks_about_the_report, is_an_answer

ROOT = Path(__file__).resolve().parents[1]
SETS = ROOT / "tests" / "routing"
TARGET = 0.95

ROUTES = {
    "ask_report": "report",
    "start_reflection": "reflect", "choose_theme": "reflect", "reflect": "reflect",
    "start_again": "reflect",
    "out_of_scope": "out_of_scope",
    "greet": "smalltalk", "goodbye": "smalltalk", "thanks": "smalltalk",
    "bot_challenge": "smalltalk", "affirm": "smalltalk", "deny": "smalltalk",
    "help": "help", "privacy": "privacy",
    "journal_list": "journal", "journal_open": "journal", "journal_recall": "journal",
    "stop": "stop", "skip": "skip", "resume": "resume",
    "join_session": "session", "group_next": "session", "group_share": "session",
}


def interruptions(domain: dict[str, Any]) -> set[str]:
    """The intents that interrupt a reflection's prompt rather than answer it."""
    for mapping in domain["slots"]["answer_what"]["mappings"]:
        if mapping.get("type") == "from_text":
            return set(mapping.get("not_intent", []))
    return set()


def route(text: str, intent: str, context: str, interrupting: set[str],
          entities: list[dict[str, Any]] | None = None) -> str:
    if context == "reflection":
        if intent == "ask_report" and not asks_about_the_report(text):
            return "answer"  # action_answer_report hands it to the form as the answer
        if intent in ("choose_theme", "start_reflection") and is_an_answer(text, entities or []):
            return "answer"  # action_reset_reflection hands it to the form as the answer
        if intent in interrupting or intent == "skip":
            return ROUTES.get(intent, "not understood")
        return "answer"
    return ROUTES.get(intent, "not understood")


def read_set(path: Path) -> list[dict[str, Any]]:
    return [i for i in yaml.safe_load(path.read_text(encoding="utf-8"))["items"] if i.get("text")]


async def _readings(model: Path, texts: list[str]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Each message's intent and entities, as the trained model reads it."""
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    out = []
    for t in texts:
        parsed = await agent.parse_message(t)
        out.append(((parsed.get("intent") or {}).get("name") or "", parsed.get("entities") or []))
    return out


def evaluate(items: list[dict[str, Any]], readings: list[tuple[str, list[dict[str, Any]]]],
             interrupting: set[str]) -> dict[str, Any]:
    wrong: list[dict[str, str]] = []
    by_route: Counter[str] = Counter()
    right_by_route: Counter[str] = Counter()
    for item, (intent, entities) in zip(items, readings, strict=True):
        got = route(item["text"], intent, item.get("context", "first"), interrupting, entities)
        by_route[item["route"]] += 1
        if got == item["route"]:
            right_by_route[item["route"]] += 1
        else:
            wrong.append({"text": item["text"], "context": item.get("context", "first"),
                          "expected": item["route"], "got": got, "intent": intent})
    return {"items": len(items), "accuracy": 1 - len(wrong) / max(len(items), 1),
            "by_route": {r: right_by_route[r] / n for r, n in sorted(by_route.items())},
            "wrong": wrong}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="routing-eval", description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="heldout",
                        help="heldout (default; never tuned on), dev, or a labelled .yml file")
    parser.add_argument("--model", default=str(ROOT / "models" / "praxis.tar.gz"))
    parser.add_argument("--verbose", action="store_true", help="list the misrouted messages")
    parser.add_argument("--json", action="store_true", help="also print the figures as JSON")
    parser.add_argument("--check", action="store_true", help="exit 1 below the target")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    for noisy in ("rasa", "bot", "tensorflow", "absl"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    path = Path(args.set) if args.set.endswith(".yml") else SETS / f"{args.set}.yml"
    items = read_set(path)
    domain = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
    readings = asyncio.run(_readings(Path(args.model), [i["text"] for i in items]))
    result = evaluate(items, readings, interruptions(domain))
    print(f"Routing on {path.name}: {result['items']} messages; accuracy "
          f"{result['accuracy']:.3f} (target {TARGET})")
    for name, share in result["by_route"].items():
        print(f"  {name:<13} {share:.3f}")
    if args.verbose:
        for w in result["wrong"]:
            print(f"  [{w['context']}] expected {w['expected']}, got {w['got']} "
                  f"({w['intent']}): {w['text']}")
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if k != "wrong"}))
    if args.check and result["accuracy"] < TARGET:
        print("routing-eval: below the target on this set", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
