"""How often a message takes the route it should: the trained model's reading of each message of a
labelled routing set (``tests/routing/``), in the context it was sent in.

Runs in the Rasa env (``.venv-rasa``): ``python -m bot.routing_eval --set heldout``. The route is
what the dialogue does with the message's intent, which is deterministic (rules and the forms'
slot mappings in ``domain.yml``): outside a reflection each intent has its rule; inside one, an
intent the reflection's slots refuse (``not_intent``) interrupts it and takes its own route, and
any other message is the practitioner's answer (a report question or an out-of-scope reading too,
unless it is put as a question about the report or a request to Praxis: ``praxis.phrasing``).

The safety guard decides as it does live: the action server's risk detector judges each message
(asked through the action env, ``praxis safety-judge``); a message it finds risk in takes the
safety route, and where it finds none, the intent classifier's own ``distress`` reading gives way
to its next one (``bot.components.safety``). The sets hold no risk, so a safety route is a
misroute; the detector's own figures are ``praxis safety-eval``'s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from praxis.phrasing import asks_about_the_report, asks_for_something_else, is_an_answer

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
    "distress": "safety",
}
JUDGE = ROOT / ".venv" / "bin" / "praxis"  # the action env's CLI


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
        if intent == "out_of_scope" and not asks_for_something_else(text):
            return "answer"  # action_out_of_scope hands it to the form as the answer
        if intent in interrupting or intent == "skip":
            return ROUTES.get(intent, "not understood")
        return "answer"
    return ROUTES.get(intent, "not understood")


def read_set(path: Path) -> list[dict[str, Any]]:
    return [i for i in yaml.safe_load(path.read_text(encoding="utf-8"))["items"] if i.get("text")]


Reading = tuple[str, list[dict[str, Any]]]


async def _parses(model: Path, texts: list[str]) -> list[dict[str, Any]]:
    from rasa.core.agent import Agent

    agent = Agent.load(str(model))
    return [await agent.parse_message(t) for t in texts]


def risk_kinds(texts: list[str], judge: Path = JUDGE) -> list[str | None]:
    """The risk detector's verdict on each text (a kind, or None), from the action env."""
    if not judge.exists():
        raise SystemExit(f"routing-eval: {judge} is missing: run `make setup`")
    done = subprocess.run([str(judge), "safety-judge"], input=json.dumps(texts),
                          capture_output=True, text=True, timeout=900, check=False)
    if done.returncode:
        raise SystemExit(f"routing-eval: the risk detector could not judge the set: "
                         f"{done.stderr.strip()[-400:]}")
    return [v["kind"] for v in json.loads(done.stdout)]


def readings(parses: list[dict[str, Any]], kinds: list[str | None]) -> list[Reading]:
    """Each message's intent and entities as the dialogue receives them: the trained model's
    reading, with the safety guard's decision (a risk found: distress; none: the classifier's
    own distress reading replaced by its next one)."""
    out = []
    for parsed, kind in zip(parses, kinds, strict=True):
        intent = (parsed.get("intent") or {}).get("name") or ""
        if kind:
            intent = "distress"
        elif intent == "distress":
            ranking = [i.get("name") for i in parsed.get("intent_ranking") or []
                       if i.get("name") != "distress"]
            intent = ranking[0] if ranking else "nlu_fallback"
        out.append((intent, parsed.get("entities") or []))
    return out


def evaluate(items: list[dict[str, Any]], readings: list[Reading],
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
    parser.add_argument("--judge", default=str(JUDGE),
                        help="the action env's praxis command, whose risk detector judges")
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
    texts = [i["text"] for i in items]
    parses = asyncio.run(_parses(Path(args.model), texts))
    result = evaluate(items, readings(parses, risk_kinds(texts, Path(args.judge))),
                      interruptions(domain))
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
