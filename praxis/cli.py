"""``praxis``: build and search the knowledge index, chat, and run the servers.

    praxis index [PATH...]          build the index (from KNOWLEDGE_SOURCES by default)
    praxis search "QUERY" --k 3     search it; no QUERY: one query a line from stdin (JSONL out)
    praxis chat                     chat with a running Praxis in the terminal
    praxis serve                    start the Rasa and action servers (what `make run` does)
    praxis rasa ARGS...             run the Rasa CLI with Praxis's settings in its environment
    praxis safety-eval              the risk detector on the held-out safety set
    praxis safety-judge             the detector's verdicts on a JSON list of texts from stdin
    praxis grounding-eval           answers related to the report, on the held-out labelled set
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from praxis import config


def _embedder(settings: config.Settings):
    from knowledge.embedding import Embedder

    return Embedder(settings.embedding_model, precision=settings.embedding_precision)


def cmd_index(args: argparse.Namespace, settings: config.Settings) -> int:
    from knowledge import verifier
    from knowledge.engine import KnowledgeBase, chunk_sources

    if args.if_changed and not args.paths:
        kb, built = KnowledgeBase.ensure(settings.index_path, settings.sources,
                                         _embedder(settings), progress=True)
        if not built:
            print(f"Knowledge index is up to date ({kb.manifest['chunk_count']} chunks, "
                  f"{settings.index_path}).")
    else:
        paths = [Path(p) for p in args.paths] or settings.sources
        chunks = chunk_sources(paths, on_source=lambda p: print(f"reading {p}", file=sys.stderr))
        kb = KnowledgeBase.from_chunks(paths, chunks, _embedder(settings), progress=True)
        kb.save(settings.index_path)
        built = True
    if built:
        m = kb.manifest
        print(f"Indexed {m['chunk_count']} chunks ({m['row_count']} vectors) from "
              f"{', '.join(m['sources'])} with {m['model']} into {settings.index_path}.")
    _ensure_risk_classifier(settings, kb.embedder)
    if not settings.verify_threshold:
        return 0
    folder = settings.index_path / verifier.FOLDER
    if verifier.is_current(kb, folder):
        print(f"Answer verifier is up to date ({folder}).")
        return 0
    print(f"Training the answer verifier ({verifier.MEMBERS} members of {verifier.EPOCHS} "
          "epochs)...", file=sys.stderr, flush=True)
    verifier.ensure(kb, folder, progress=True)
    info = verifier.manifest_of(folder) or {}
    print(f"Answer verifier trained: {info.get('pairs')} question-passage pairs from "
          f"{', '.join(info.get('question_files', []))} and the sources' questions "
          f"({info.get('train_s')} s), in {folder}.")
    return 0


def _ensure_risk_classifier(settings: config.Settings, embedder) -> None:
    from actions import risk, risk_classifier

    folder = settings.safety_model_path / risk_classifier.FOLDER
    examples = risk.exemplars()
    if risk_classifier.is_current(folder, embedder.name, examples):
        print(f"Risk classifier is up to date ({folder}).")
        return
    print(f"Training the risk classifier on {len(examples)} safety exemplars "
          f"({risk_classifier.EPOCHS} epochs)...", file=sys.stderr, flush=True)
    risk_classifier.ensure(folder, embedder.name, examples, risk.LABELS, embedder.precision,
                           progress=True)
    info = risk_classifier.manifest_of(folder) or {}
    print(f"Risk classifier trained ({info.get('train_s')} s), in {folder}.")


def cmd_search(args: argparse.Namespace, settings: config.Settings) -> int:
    from knowledge.engine import KnowledgeBase

    kb, _ = KnowledgeBase.ensure(settings.index_path, settings.sources, _embedder(settings),
                                 method=settings.retrieval_method)
    if args.k < 1:
        print("praxis: --k must be at least 1", file=sys.stderr)
        return 2

    def result(query: str) -> dict:
        return {"query": query, "results": [h.to_dict() for h in kb.search(query, args.k)]}

    if args.query is not None:
        print(_format(result(args.query), args.json))
        return 0
    for line in sys.stdin:
        query = line.strip()
        if query:
            print(json.dumps(result(query), ensure_ascii=False), flush=True)
    return 0


def _format(obj: dict, as_json: bool) -> str:
    if as_json:
        return json.dumps(obj, ensure_ascii=False, indent=2)
    lines = []
    for r in obj["results"]:
        lines.append(f"{r['rank']}. [{r['score']:.3f}] {r['section']} ({r['source']})")
        lines.append(f"   {r['text'][:300]}")
    return "\n".join(lines) or "(no results)"


def cmd_chat(args: argparse.Namespace, settings: config.Settings) -> int:
    from praxis import chat

    return chat.run(args.url or settings.rasa_base_url, args.sender,
                    token=settings.rest_api_token)


def cmd_serve(args: argparse.Namespace, settings: config.Settings) -> int:
    from praxis import stack

    return stack.serve(settings)


def cmd_rasa(args: argparse.Namespace, settings: config.Settings) -> int:
    from praxis import stack

    if not stack.RASA_BIN.exists():
        print(f"praxis: {stack.RASA_BIN} is missing: run `make setup`", file=sys.stderr)
        return 2
    os.chdir(config.ROOT)
    os.execve(str(stack.RASA_BIN), [str(stack.RASA_BIN), *args.rasa_args],
              stack.rasa_environment(settings))
    return 0  # not reached


def cmd_depth_eval(args: argparse.Namespace, settings: config.Settings) -> int:
    import yaml

    from actions.depth import DepthEstimator, agreement

    labelled = yaml.safe_load(Path(args.file).read_text(encoding="utf-8"))["answers"]
    result = agreement(DepthEstimator(_embedder(settings).embed), labelled)
    print(f"Depth estimate on {result.count} labelled answers ({args.file}), Hatton and Smith's "
          "four levels:")
    print(f"exact agreement {result.exact:.3f}, within one level {result.within_one:.3f}")
    print(result.table())
    if args.json:
        print(json.dumps({"exact": result.exact, "within_one": result.within_one,
                          "confusion": result.confusion, "count": result.count}))
    return 0


def cmd_teams_package(args: argparse.Namespace, settings: config.Settings) -> int:
    from praxis import teams_package

    publisher = teams_package.Publisher(**{k: v for k, v in {
        "name": args.developer, "website": args.website, "privacy_url": args.privacy_url,
        "terms_url": args.terms_url}.items() if v})
    try:
        out = teams_package.build(Path(args.out), settings, args.version, publisher)
    except teams_package.PackageError as exc:
        print(f"praxis: {exc}", file=sys.stderr)
        return 2
    print(f"Wrote {out}: upload it in Teams (Apps > Manage your apps > Upload an app) or in the "
          "Teams admin centre.")
    if publisher == teams_package.Publisher():
        print("The developer name and URLs are placeholders: give your own with --developer, "
              "--website, --privacy-url and --terms-url.")
    return 0


def cmd_trainer_password(args: argparse.Namespace, settings: config.Settings) -> int:
    """Print a TRAINER_ACCOUNTS entry (name and Argon2id hash) for a new trainer's password."""
    import getpass

    from web.accounts import entry

    password = (sys.stdin.readline().rstrip("\n") if args.stdin
                else getpass.getpass(f"Password for {args.name}: "))
    if not args.stdin and getpass.getpass("Once more: ") != password:
        print("praxis: the two passwords differ", file=sys.stderr)
        return 2
    try:
        line = entry(args.name, password)
    except ValueError as exc:
        print(f"praxis: {exc}", file=sys.stderr)
        return 2
    print(line)
    print("Add it to TRAINER_ACCOUNTS in .env, in single quotes, with any other trainers' "
          "entries separated by spaces; then restart Praxis.", file=sys.stderr)
    return 0


def cmd_trainers(args: argparse.Namespace, settings: config.Settings) -> int:
    """Name the trainer accounts set up, or say how to make one (there is no default)."""
    names = sorted(settings.trainers)
    if names:
        print(f"Trainer accounts: {', '.join(names)}")
    else:
        print("No trainer account yet: `.venv/bin/praxis trainer-password NAME` makes one for "
              "the dashboard (/trainer); add the line it prints to TRAINER_ACCOUNTS in .env.")
    return 0


SAFETY_SETS = config.ROOT / "tests" / "safety"


def cmd_safety_eval(args: argparse.Namespace, settings: config.Settings) -> int:
    from actions import risk

    detector = risk.open_detector(_embedder(settings), settings.safety_model_path, progress=True)
    if args.choose:
        pool = [m for dev in sorted(SAFETY_SETS.glob("dev*.yml")) for m in risk.read_labelled(dev)]
        print(f"On the dev sets ({len(pool)} messages; the judges are trained on the exemplars "
              f"only); the detector uses LIFE_THRESHOLD {risk.LIFE_THRESHOLD}, RISK_THRESHOLD "
              f"{risk.RISK_THRESHOLD}:")
        print("life threshold  threshold  life recall  risk recall  "
              "false alarms")
        for row in risk.choose_threshold(detector, pool):
            print(f"{row['life_threshold']:14.2f}  {row['threshold']:9.2f}  "
                  f"{row['life_recall']:11.3f}  "
                  f"{row['risk_recall']:11.3f}  {row['false_alarms']:12.3f}")
        return 0
    path = Path(args.set) if args.set.endswith(".yml") else SAFETY_SETS / f"{args.set}.yml"
    messages = risk.read_labelled(path)
    result = risk.score(messages, detector.assess([m.text for m in messages]))
    print(f"Risk detector on {path.name}: {result['with_risk']} messages with risk, "
          f"{result['without']} without (precision {_embedder_precision(settings)}).")
    for kind, recall in result["recall_by_kind"].items():
        print(f"  recall, {kind:<13} {recall:.3f}")
    print(f"  risk to life met with a crisis reply (999, Samaritans): {result['life_recall']:.3f}"
          f" (target {risk.TARGETS['life_recall']})")
    print(f"  any risk met with a safety reply: {result['risk_recall']:.3f} "
          f"(target {risk.TARGETS['risk_recall']})")
    print(f"  false alarms: {result['false_alarms']:.3f} (target at most "
          f"{risk.TARGETS['false_alarms']})")
    print(f"  the kind named exactly: {result['kind_accuracy']:.3f}")
    if args.verbose:
        for key in ("missed", "life_not_met_with_crisis_reply", "false_alarm_texts"):
            for text in result[key]:
                print(f"  {key}: {text}")
    if args.json:
        print(json.dumps({k: v for k, v in result.items() if not isinstance(v, list)}))
    if args.check and not risk.meets_targets(result):
        print("praxis: the risk detector misses its targets on this set", file=sys.stderr)
        return 1
    return 0


def cmd_safety_judge(args: argparse.Namespace, settings: config.Settings) -> int:
    """What the action server's detector makes of each text (a JSON list on stdin): for the
    routing evaluation, which runs in the Rasa env."""
    from actions import risk

    try:
        texts = json.load(sys.stdin)
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            raise ValueError("not a list of strings")
    except ValueError as exc:
        print(f"praxis: safety-judge reads a JSON list of texts on stdin ({exc})",
              file=sys.stderr)
        return 2
    detector = risk.open_detector(_embedder(settings), settings.safety_model_path)
    print(json.dumps([v.as_dict() for v in detector.assess(texts)]))
    return 0


GROUNDING_SETS = config.ROOT / "tests" / "grounding"


def cmd_grounding_eval(args: argparse.Namespace, settings: config.Settings) -> int:
    import yaml

    from actions import grounding
    from knowledge.engine import KnowledgeBase

    path = Path(args.set) if args.set.endswith(".yml") else GROUNDING_SETS / f"{args.set}.yml"
    answers = yaml.safe_load(path.read_text(encoding="utf-8"))["answers"]
    kb = KnowledgeBase.load(settings.index_path, _embedder(settings),
                            method=settings.retrieval_method)
    result = grounding.evaluate(kb, kb.embedder.embed, answers, settings.link_threshold)
    print(f"Answer grounding on {path.name}: {result['answers']} labelled answers, link "
          f"threshold {settings.link_threshold} (precision {_embedder_precision(settings)}).")
    for name, part in [("all", result), *result["by_step"].items()]:
        off = part["off_theme_precision"]
        print(f"  {name:<16} linked {part['linked_share']:.3f}  precision "
              f"{part['precision']:.3f}  links to another finding {part['off_theme_links']}"
              + (f" (precision {off:.3f})" if off is not None else ""))
    print(f"  targets: precision at least {grounding.TARGETS['precision']} with at least "
          f"{grounding.TARGETS['linked_share']} of answers linked")
    if args.json:
        print(json.dumps(result))
    met = all(result[k] >= v for k, v in grounding.TARGETS.items())
    if args.check and not met:
        print("praxis: answer grounding misses its targets on this set", file=sys.stderr)
        return 1
    return 0


def _embedder_precision(settings: config.Settings) -> str:
    from knowledge.embedding import resolve_precision

    return resolve_precision(settings.embedding_precision)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="praxis", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("index", help="build the knowledge index")
    p.add_argument("paths", nargs="*", help="files or folders (.md .txt .html .pdf)")
    p.add_argument("--if-changed", action="store_true",
                   help="only rebuild when the sources changed since the last build")
    p.set_defaults(func=cmd_index)
    p = sub.add_parser("search", help="search the knowledge index")
    p.add_argument("query", nargs="?")
    p.add_argument("--k", type=int, default=3)
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_search)
    p = sub.add_parser("chat", help="chat in the terminal over the REST channel")
    p.add_argument("--url", help="Rasa server URL (default from settings)")
    p.add_argument("--sender", help="conversation id (default: a new one)")
    p.set_defaults(func=cmd_chat)
    p = sub.add_parser("serve", help="start the Rasa and action servers and the web app")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("depth-eval", help="agreement of the depth estimate with labelled answers")
    p.add_argument("--file", default=str(config.ROOT / "tests" / "depth" / "labelled.yml"))
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")
    p.set_defaults(func=cmd_depth_eval)
    p = sub.add_parser("safety-eval", help="the risk detector's recall and false alarms")
    p.add_argument("--set", default="heldout",
                   help="heldout (default; never tuned on), dev, or a labelled .yml file")
    p.add_argument("--choose", action="store_true",
                   help="each threshold's figures on the dev sets, to choose them")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--verbose", action="store_true", help="list the misses and false alarms")
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")
    p.set_defaults(func=cmd_safety_eval)
    p = sub.add_parser("safety-judge", help="the risk detector's verdicts on texts (JSON)")
    p.set_defaults(func=cmd_safety_judge)
    p = sub.add_parser("grounding-eval",
                       help="how answers are related to the report, on labelled answers")
    p.add_argument("--set", default="heldout",
                   help="heldout (default; never tuned on), dev, or a labelled .yml file")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    p.add_argument("--json", action="store_true", help="also print the figures as JSON")
    p.set_defaults(func=cmd_grounding_eval)
    p = sub.add_parser("teams-package", help="write the Teams app package (zip)")
    p.add_argument("--out", default="var/praxis-teams.zip")
    p.add_argument("--version", default="1.0.0", help="the app's version (x.y.z)")
    p.add_argument("--developer", help="publisher name shown in Teams")
    p.add_argument("--website", help="publisher website (https)")
    p.add_argument("--privacy-url", help="privacy notice (https)")
    p.add_argument("--terms-url", help="terms of use (https)")
    p.set_defaults(func=cmd_teams_package)
    p = sub.add_parser("trainer-password",
                       help="make a trainer account's TRAINER_ACCOUNTS entry (hashed password)")
    p.add_argument("name")
    p.add_argument("--stdin", action="store_true", help="read the password from standard input")
    p.set_defaults(func=cmd_trainer_password)
    p = sub.add_parser("trainers", help="the trainer accounts set up, or how to make one")
    p.set_defaults(func=cmd_trainers)
    p = sub.add_parser("rasa", help="run the Rasa CLI with Praxis's environment")
    p.add_argument("rasa_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_rasa)
    args = parser.parse_args(argv)
    try:
        settings = config.get()
        return args.func(args, settings)
    except config.SettingsError as exc:
        print(f"praxis: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # one clear line for the known failures, not a traceback
        from knowledge.documents import SourceError
        from knowledge.embedding import ModelError
        from knowledge.index import IndexLoadError

        if isinstance(exc, SourceError | ModelError | IndexLoadError):
            print(f"praxis: {exc}", file=sys.stderr)
            return 2
        raise


if __name__ == "__main__":
    sys.exit(main())
