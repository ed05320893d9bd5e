"""The `praxis` command as a user runs it: a separate process, real index, real model."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def praxis(*args: str, index: Path, stdin: str | None = None,
           **settings: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "INDEX_DIR": str(index), **settings}
    return subprocess.run([sys.executable, "-m", "praxis.cli", *args], input=stdin, text=True,
                          capture_output=True, env=env, cwd=ROOT, timeout=300)


@pytest.fixture(scope="module")
def index(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("cli") / "index"


def test_search_builds_the_index_when_there_is_none_and_prints_json(index):
    result = praxis("search", "who funded the study?", "--k", "2", "--json", index=index)
    assert result.returncode == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["query"] == "who funded the study?"
    assert [r["rank"] for r in out["results"]] == [1, 2]
    first = out["results"][0]
    assert set(first) == {"rank", "score", "chunk_id", "section", "source", "text"}
    assert first["section"] == "Funding"
    assert first["source"] == "How do career development practitioners innovate in HE?"
    assert (index / "manifest.json").exists()


def test_search_reads_queries_from_stdin_as_jsonl(index):
    result = praxis("search", "--k", "1", index=index,
                    stdin="what should leaders do?\n\nwhat about the word guidance\n")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["query"] for line in lines] == ["what should leaders do?",
                                                 "what about the word guidance"]
    assert lines[0]["results"][0]["section"] == "Key findings: Leadership's role"
    assert lines[1]["results"][0]["section"] == "Key findings: Language and identity crisis"


def test_index_takes_an_institutions_pdf_beside_the_summary(tmp_path, make_pdf):
    report = make_pdf("Recommendations for careers services",
                      "Heads of service should create protected time for practitioners to "
                      "pilot group-based guidance and evaluate it with students. " * 4)
    index = tmp_path / "index"
    # without the answer verifier, whose training (minutes) `make setup` shows
    result = praxis("index", str(report), str(ROOT / "knowledge" / "sources"), index=index,
                    VERIFY_THRESHOLD="0")
    assert result.returncode == 0, result.stderr
    assert "full-report.pdf" in result.stdout and "mcloughlin-2023-summary.txt" in result.stdout
    assert "verifier" not in result.stdout and not (index / "verifier").exists()
    found = praxis("search", "protected time to pilot group guidance", "--k", "1", "--json",
                   index=index)
    assert json.loads(found.stdout)["results"][0]["section"] == \
        "Recommendations for careers services"


def test_a_bad_source_gets_one_clear_line(tmp_path):
    bad = tmp_path / "report.pdf"
    bad.write_bytes(b"%PDF-1.7 truncated")
    result = praxis("index", str(bad), index=tmp_path / "index")
    assert result.returncode == 2
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("praxis: ") and "not a readable PDF" in last
    assert "Traceback" not in result.stderr


def test_a_trainer_account_is_made_from_a_password_and_then_listed(index):
    from web.accounts import verify

    made = praxis("trainer-password", "tess", "--stdin", index=index,
                  stdin="a long enough password\n")
    assert made.returncode == 0, made.stderr
    entry = made.stdout.strip()
    name, hashed = entry.split(":", 1)
    assert name == "tess" and hashed.startswith("$argon2id$")
    assert "a long enough password" not in made.stdout + made.stderr  # only the hash
    assert verify({"tess": hashed}, "tess", "a long enough password")
    assert not verify({"tess": hashed}, "tess", "another password")
    short = praxis("trainer-password", "tess", "--stdin", index=index, stdin="short\n")
    assert short.returncode == 2 and "at least 10 characters" in short.stderr

    env = {"TRAINER_ACCOUNTS": entry}
    listed = subprocess.run([sys.executable, "-m", "praxis.cli", "trainers"], text=True,
                            capture_output=True, env={**os.environ, **env}, cwd=ROOT)
    assert listed.stdout.strip() == "Trainer accounts: tess"
    none = subprocess.run([sys.executable, "-m", "praxis.cli", "trainers"], text=True,
                          capture_output=True, env={**os.environ, "TRAINER_ACCOUNTS": ""},
                          cwd=ROOT)
    assert "praxis trainer-password NAME" in none.stdout
    bad = subprocess.run([sys.executable, "-m", "praxis.cli", "trainers"], text=True,
                         capture_output=True, env={**os.environ, "TRAINER_ACCOUNTS": "tess:x"},
                         cwd=ROOT)
    assert bad.returncode == 2 and "is not NAME:HASH" in bad.stderr
