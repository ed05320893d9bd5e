"""`make bench`: measure Praxis in one run and write bench/results.json, results.md and a chart.

Everything is measured on this machine in the same run, so the ratios between figures hold even
when the machine is busy and absolute times move: the cost of grounding (grounded / plain turn),
approximate against exact search, hybrid against dense and BM25 retrieval. Servers are the real
ones, started here on free loopback ports with their own tracker database.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import ann, load, retrieval, sign_in
from knowledge.embedding import Embedder
from knowledge.engine import KnowledgeBase
from praxis import config
from praxis.stack import RASA_BIN, Stack, rasa_environment

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench"


def machine() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {"cores": os.cpu_count(), "memory_gb": round(memory_gb, 1), "cpu": cpu,
            "python": platform.python_version(), "load_avg_at_start": os.getloadavg()[0]}


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, in MB."""
    total = 0
    pids = [pid]
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            pids.append(int(stat.parent.name))
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return round(total / 1024, 1)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def synthetic_chunks(kb: KnowledgeBase, n: int, seed: int = 0) -> list[str]:
    """``n`` distinct sentence-sized texts from the report's sentences, for timing an index
    build at a size no real report reaches. (A sentence is shorter than most passages, which
    keeps the 100,000-chunk build to minutes; `embed_chunks_per_s` is for such texts.)"""
    from knowledge.chunking import sentences_of

    sentences = [s for c in kb.chunks if c.kind == "passage" for s in sentences_of(c.text)]
    rng = random.Random(seed)
    return [f"{rng.choice(sentences)} (note {i})" for i in range(n)]


def index_figures(embedder: Embedder, synthetic: int) -> tuple[dict[str, Any], KnowledgeBase]:
    settings = config.get()
    start = time.perf_counter()
    kb = KnowledgeBase.build(settings.sources, embedder)
    build_report = time.perf_counter() - start
    texts = synthetic_chunks(kb, synthetic)
    start = time.perf_counter()
    vectors = embedder.embed(texts)
    embed_s = time.perf_counter() - start
    import faiss

    start = time.perf_counter()
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    add_s = time.perf_counter() - start
    query_ms = []
    for q in retrieval.load_set(retrieval.SETS["holdout"])["answerable"][:50]:
        t = time.perf_counter()
        embedder.embed([q["q"]])
        query_ms.append((time.perf_counter() - t) * 1000)
    query_ms.sort()
    return {
        "build_s_report": round(build_report, 2),
        f"build_s_{synthetic // 1000}k": round(embed_s + add_s, 1),
        "embed_chunks_per_s": round(synthetic / embed_s, 1),
        "query_embed_ms": round(query_ms[len(query_ms) // 2], 2),
        "synthetic_chunks": synthetic,
    }, kb


def train_figures(install: Path | None = None) -> dict[str, float]:
    """`rasa train` from scratch (empty cache), then again after one new NLU example.

    With ``install``, the model of the from-scratch run (the project's training data as it is)
    is also copied there, so that a fresh clone's `make bench` trains the served model once,
    not once for the setup and again for the measurement."""
    with tempfile.TemporaryDirectory(prefix="praxis-train-") as tmp:
        work = Path(tmp)
        for name in ("config.yml", "domain.yml"):
            shutil.copy(ROOT / name, work / name)
        shutil.copytree(ROOT / "bot", work / "bot")
        env = {**rasa_environment(config.get()), "RASA_CACHE_DIRECTORY": str(work / "cache"),
               "PYTHONPATH": str(ROOT)}
        cmd = [str(RASA_BIN), "train", "--data", "bot/data", "--domain", "domain.yml",
               "--config", "config.yml", "--out", "models", "--fixed-model-name", "bench"]

        def timed() -> float:
            start = time.perf_counter()
            done = subprocess.run(cmd, cwd=work, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
            if done.returncode:
                tail = "\n".join(done.stderr.splitlines()[-30:])
                raise RuntimeError(f"rasa train failed ({done.returncode}):\n{tail}")
            return round(time.perf_counter() - start, 1)

        scratch = timed()
        if install is not None:
            install.parent.mkdir(parents=True, exist_ok=True)
            partial = install.with_name(install.name + ".partial")
            shutil.copy(work / "models" / "bench.tar.gz", partial)
            partial.replace(install)
        nlu = work / "bot" / "data" / "nlu" / "report.yml"
        nlu.write_text(nlu.read_text().replace(
            "examples: |\n", "examples: |\n    - what does the report say about job titles\n",
            1))
        return {"scratch": scratch, "retrain": timed()}


def server_figures() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="praxis-bench-") as tmp:
        settings = config.load(environ={**os.environ, "RASA_PORT": str(free_port()),
                                        "ACTION_PORT": str(free_port()),
                                        "WEB_PORT": str(free_port()),
                                        "TRACKER_DB": str(Path(tmp) / "tracker.db")})
        with Stack(settings, log_dir=Path(tmp) / "logs") as stack:
            figures = load.measure(settings.rasa_base_url)
            rss = {s.name: rss_mb(s.process.pid) for s in stack.services}
            ready = {name: round(v, 1) for name, v in stack.ready_s.items()}
    return {**figures, "rss_mb": rss, "ready_s": ready}


def write_chart(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for kind, colour in (("plain", "#1f6f8b"), ("grounded", "#c2571a")):
        levels = sorted(results["turn_ms"][kind], key=int)
        x = [int(c) for c in levels]
        for stat, style in (("p50", "-o"), ("p95", "--s")):
            ax.plot(x, [results["turn_ms"][kind][c][stat] for c in levels], style,
                    color=colour, label=f"{kind} {stat}")
    ax.set_xscale("log")
    ax.set_xticks([1, 10, 50], labels=["1", "10", "50"])
    ax.set_xlabel("concurrent conversations")
    ax.set_ylabel("turn latency (ms)")
    m = results["machine"]
    ax.set_title(f"Praxis turn latency over REST ({m['cores']} cores, {m['memory_gb']} GB)")
    ax.grid(True, alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def table(results: dict[str, Any]) -> str:
    m, t, tps = results["machine"], results["turn_ms"], results["throughput_tps"]
    lines = [f"Machine: {m['cores']} cores, {m['memory_gb']} GB, {m['cpu']}; load average "
             f"{m['load_avg_at_start']:.1f} at start. Run {results['date']}.", "",
             "| turn | conversations | p50 ms | p95 ms | p99 ms | turns/s |",
             "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for kind in ("plain", "grounded"):
        for c in ("1", "10", "50"):
            r = t[kind][c]
            lines.append(f"| {kind} | {c} | {r['p50']} | {r['p95']} | {r['p99']} | "
                         f"{tps[kind][c]} |")
    ratio = results["ratios"]
    lines += ["", f"Cost of grounding (grounded / plain p95): {ratio['grounding_p95_1']}× at 1 "
              f"conversation, {ratio['grounding_p95_10']}× at 10.", "",
              "| process | RSS after warm-up (MB) | start to ready (s) |", "| --- | ---: | ---: |"]
    for p in ("rasa", "actions", "web"):
        lines.append(f"| {p} | {results['rss_mb'].get(p)} | {results['ready_s'].get(p)} |")
    tr, ix = results["train_s"], results["index"]
    lines += ["", f"`rasa train` from scratch {tr['scratch']} s; after a one-line NLU change "
              f"{tr['retrain']} s.",
              f"Index build: the report {ix['build_s_report']} s; "
              f"{ix['synthetic_chunks']:,} synthetic chunks {ix['build_s_100k']} s "
              f"({ix['embed_chunks_per_s']} chunks/s); one query embedding "
              f"{ix['query_embed_ms']} ms. Answer verifier: trained in "
              f"{ix.get('verifier_train_s')} s on {ix.get('verifier_pairs')} pairs (by `praxis "
              f"index`); one check {ix.get('verifier_ms')} ms.", "",
              "| index | vectors | p50 ms | p95 ms | recall@10 | build s | params |",
              "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    for kind, sizes in results["search_ms"].items():
        for n, r in sizes.items():
            params = ", ".join(f"{k}={v}" for k, v in r["params"].items())
            lines.append(f"| {kind} | {int(n):,} | {r['p50']} | {r['p95']} | "
                         f"{r['recall_at_10']} | {r['build_s']} | {params} |")
    ret = results["retrieval_detail"]
    chosen = results["retrieval"]["chosen"][results["retrieval"]["default"]]
    lines += ["", f"Retrieval (default: {results['retrieval']['default']}; method and "
              f"abstention chosen on the tuning sets {', '.join(ret.get('tuning_sets', []))}: "
              f"threshold {chosen['threshold']}, margin {chosen['margin']}; "
              f"{' and '.join(ret.get('untuned_sets', [ret['headline_set']]))} never tuned "
              "on):", "",
              "| set | method | recall@1 | recall@3 | MRR | abstain precision | abstain recall "
              "| answerable refused |", "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    untuned = ret.get("untuned_sets", [])
    for name, methods in ret["sets"].items():
        for method, r in methods.items():
            if name not in untuned and method != results["retrieval"]["default"]:
                continue  # the tuning sets: the default method only
            lines.append(f"| {name} ({r['answerable']}+{r['unanswerable']}) | {method} | "
                         f"{r['recall_at_1']} | {r['recall_at_3']} | {r['mrr']} | "
                         f"{r['abstain_precision']} | {r['abstain_recall']} | "
                         f"{r['false_refusals']} |")
    if "without" in ret:
        default = results["retrieval"]["default"]
        lines += ["", f"Abstain recall of {default} (answerable refused) without the answer "
                  "verifier: " + "; ".join(
                      f"{name} {r['verifier']['abstain_recall']} "
                      f"({r['verifier']['false_refusals']})"
                      for name, r in ret["without"].items())
                  + "; and without the missing-detail rule either: " + "; ".join(
                      f"{name} {r['verifier_and_details']['abstain_recall']} "
                      f"({r['verifier_and_details']['false_refusals']})"
                      for name, r in ret["without"].items()) + "."]
    if "sign_in" in results:
        f = results["sign_in"]
        lines += ["", f"Sign-in flood ({f['attempts']} wrong sign-ins, {f['at_once']} at once, "
                  f"new names): the web app's RSS {f['rss_mb_before']} MB before, "
                  f"{f['rss_mb_peak']} MB at most, {f['rss_mb_after']} MB after; answered "
                  + ", ".join(f"{n} × {code}" for code, n in f["statuses"].items()) + "."]
    if "bench_s" in results:
        steps = "; ".join(f"{k} {v} s" for k, v in results["bench_s"].items())
        lines += ["", f"Time of each benchmark step: {steps}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, for checking the benchmark itself")
    parser.add_argument("--install-model", type=Path, metavar="PATH",
                        help="also keep the model of the from-scratch `rasa train` at PATH "
                             "(`make bench` passes the served model's path when it is missing "
                             "or out of date, so it is trained once)")
    args = parser.parse_args(argv)
    sizes = (10_000, 100_000) if args.quick else (10_000, 100_000, 1_000_000)
    synthetic = 10_000 if args.quick else 100_000
    results: dict[str, Any] = {"machine": machine(),
                               "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    settings = config.get()
    embedder = Embedder(settings.embedding_model, precision=settings.embedding_precision)
    kb: list[KnowledgeBase] = []

    def index_step() -> None:
        results["index"], built = index_figures(embedder, synthetic)
        if args.quick:
            results["index"]["build_s_100k"] = results["index"].pop("build_s_10k")
        kb.append(built)

    def retrieval_step() -> None:
        from knowledge import verifier

        folder = settings.index_path / verifier.FOLDER
        kb[0].verifier = verifier.load_for(kb[0], folder)
        if kb[0].verifier is None:
            raise RuntimeError(f"no answer verifier in {folder}: run `praxis index` first")
        info = verifier.manifest_of(folder) or {}
        pair = [("which university was the study done at?", kb[0].chunks[0].text)]
        kb[0].verifier.probability(pair)
        times = []
        for _ in range(20):
            t = time.perf_counter()
            kb[0].verifier.probability(pair)
            times.append((time.perf_counter() - t) * 1000)
        results["index"].update(verifier_train_s=info.get("train_s"),
                                verifier_pairs=info.get("pairs"),
                                verifier_ms=round(sorted(times)[len(times) // 2], 2))
        detail = retrieval.compare(kb[0], settings.verify_threshold)
        results["retrieval_detail"] = detail
        results["retrieval"] = {**detail["sets"][detail["headline_set"]],
                                "default": detail["default"], "set": detail["headline_set"],
                                "chosen": detail["chosen"]}

    # the from-scratch train comes before the servers, which may serve the model it made
    steps = [
        ("index and embedding", index_step),
        ("retrieval quality", retrieval_step),
        ("rasa train", lambda: results.update(train_s=train_figures(args.install_model))),
        ("servers and turn latency", lambda: results.update(server_figures())),
        ("vector search", lambda: results.update(search_ms=ann.measure(sizes=sizes))),
        ("sign-in flood", lambda: results.update(sign_in=sign_in.measure())),
    ]
    started = time.perf_counter()
    results["bench_s"] = {}
    for name, step in steps:
        print(f"== {name}", flush=True)
        t = time.perf_counter()
        step()
        results["bench_s"][name] = round(time.perf_counter() - t, 1)
    results["bench_s"]["total"] = round(time.perf_counter() - started, 1)
    t = results["turn_ms"]
    results["ratios"] = {
        "grounding_p95_1": round(t["grounded"]["1"]["p95"] / t["plain"]["1"]["p95"], 2),
        "grounding_p95_10": round(t["grounded"]["10"]["p95"] / t["plain"]["10"]["p95"], 2),
    }
    OUT.mkdir(exist_ok=True)
    (OUT / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    md = table(results)
    (OUT / "results.md").write_text("# Benchmark results\n\n" + md
                                    + "\n![turn latency](latency.png)\n", encoding="utf-8")
    write_chart(results, OUT / "latency.png")
    print(md)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
