"""Starting and stopping the Praxis processes: the action server, the Rasa server and the web app.

``praxis serve`` (behind ``make run``) and the end-to-end tests both use :class:`Stack`. Each
server runs as a child process in its own process group, logs to ``var/log/<name>.log``, is
waited for until it answers on its health URL, and is stopped with SIGTERM (then SIGKILL after a
grace period). Children also get SIGTERM if the supervisor itself dies.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from praxis import config
from praxis.config import ROOT

RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
MODEL_NAME = "praxis"
MAX_BODY_BYTES = 256 * 1024


class StackError(RuntimeError):
    """A server did not start; the message says which and why."""


def inherited() -> dict[str, str]:
    """This process's environment without any secret setting (each process gets its own)."""
    return {k: v for k, v in os.environ.items() if k not in config.SECRETS_USED_BY}


def rasa_environment(settings: config.Settings) -> dict[str, str]:
    """The environment the Rasa process needs: what endpoints.yml refers to, and no telemetry."""
    env = {**inherited(), **settings.env_for("rasa")}
    tracker = settings.path(settings.tracker_db)
    tracker.parent.mkdir(parents=True, exist_ok=True)
    env.update(
        ACTION_ENDPOINT_URL=settings.action_url,
        TRACKER_DB=str(tracker),
        RASA_TELEMETRY_ENABLED="false",
        SANIC_REQUEST_MAX_SIZE=str(MAX_BODY_BYTES),  # larger bodies get a 413
        # long enough for a turn's remote actions (up to three) to time out one after another
        TICKET_LOCK_LIFETIME=str(max(settings.lock_lifetime_s,
                                     int(3 * settings.action_timeout_s) + 5)),
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONWARNINGS="ignore::DeprecationWarning",
    )
    return env


def model_file(settings: config.Settings) -> Path:
    return settings.path(settings.model_dir) / f"{MODEL_NAME}.tar.gz"


def _die_with_parent() -> None:  # runs in the child before exec
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Service:
    name: str
    command: list[str]
    health_url: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = field(default=None, repr=False)

    def start(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True, preexec_fn=_die_with_parent,
        )
        log.close()

    def answers(self) -> bool:
        try:
            return requests.get(self.health_url, timeout=2).status_code == 200
        except requests.RequestException:
            return False

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self, grace_s: float = 20.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        except ProcessLookupError:
            pass


class Stack:
    """The action server, the Rasa server and the web app, started in that order and stopped in
    reverse."""

    def __init__(self, settings: config.Settings | None = None, log_dir: Path | None = None,
                 env: dict[str, str] | None = None) -> None:
        self.settings = settings or config.get()
        s = self.settings
        log_dir = log_dir or ROOT / "var" / "log"
        model = model_file(s)
        self.actions = Service(
            "actions",
            [sys.executable, "-m", "praxis.action_server", "--port", str(s.action_port)],
            f"http://{s.host}:{s.action_port}/health",
            {**inherited(), **s.env_for("actions"), "SANIC_HOST": s.host, **(env or {})},
            log_dir / "actions.log",
        )
        self.rasa = Service(
            "rasa",
            [str(RASA_BIN), "run", "--model", str(model), "--endpoints", s.endpoints,
             "--credentials", "credentials.yml", "--interface", s.host,
             "--port", str(s.rasa_port)],
            f"http://{s.host}:{s.rasa_port}/webhooks/rest/",
            {**rasa_environment(s), **(env or {})}, log_dir / "rasa.log",
        )
        self.web = Service(
            "web", [sys.executable, "-m", "web"], f"{s.web_base_url}/health",
            {**inherited(), **s.env_for("web"), **(env or {})}, log_dir / "web.log",
        )
        self.services = [self.actions, self.rasa, self.web]
        self.ready_s: dict[str, float] = {}

    def start(self) -> None:
        if not RASA_BIN.exists():
            raise StackError(f"{RASA_BIN} is missing: run `make setup`")
        if not model_file(self.settings).exists():
            raise StackError(f"no trained model at {model_file(self.settings)}: run `make setup`")
        for service in self.services:
            if service.answers():
                raise StackError(f"something already answers at {service.health_url}: stop it "
                                 "or set another port in .env")
        try:
            for service in self.services:
                service.start()
            self.wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def wait_until_ready(self) -> None:
        """Wait until every service answers; record each one's seconds from start to ready in
        ``ready_s``."""
        started = time.monotonic()
        deadline = started + self.settings.ready_timeout_s
        pending = list(self.services)
        while pending:
            for service in list(pending):
                assert service.process is not None
                if service.process.poll() is not None:
                    raise StackError(
                        f"the {service.name} server stopped while starting (exit code "
                        f"{service.process.returncode}); last lines of {service.log_path}:\n"
                        + service.log_tail())
                if service.answers():
                    pending.remove(service)
                    self.ready_s[service.name] = time.monotonic() - started
            if pending and time.monotonic() > deadline:
                names = ", ".join(s.name for s in pending)
                raise StackError(f"{names} did not answer within "
                                 f"{self.settings.ready_timeout_s:.0f} s; "
                                 f"see {pending[0].log_path}")
            time.sleep(0.5)

    def stop(self) -> None:
        for service in reversed(self.services):
            service.stop()

    def __enter__(self) -> Stack:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def trainer_hint(settings: config.Settings) -> str:
    """How to make a trainer account, when there is none (there is no default password)."""
    try:
        if settings.trainers:
            return ""
    except config.SettingsError as exc:
        return f"  ({exc})"
    return ("  (no trainer account yet: `.venv/bin/praxis trainer-password NAME`, then add "
            "the line to TRAINER_ACCOUNTS in .env)")


def serve(settings: config.Settings | None = None) -> int:
    """Start everything, say how to chat, and run until Ctrl-C or SIGTERM."""
    stack = Stack(settings)
    s = stack.settings
    stopping = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    print(f"Starting the action server (port {s.action_port}), the Rasa server "
          f"(port {s.rasa_port}) and the web app (port {s.web_port})…", flush=True)
    try:
        stack.start()
    except StackError as exc:
        print(f"praxis: {exc}", file=sys.stderr)
        return 1
    print(
        "\nPraxis is ready.\n"
        f"  Chat in a browser:   {s.web_base_url}/\n"
        f"  Trainer dashboard:   {s.web_base_url}/trainer{trainer_hint(s)}\n"
        "  Chat in a terminal:  .venv/bin/praxis chat\n"
        f"  REST webhook:        {s.rasa_base_url}/webhooks/rest/webhook\n"
        f"  Logs:                {stack.rasa.log_path.parent}/\n"
        "Press Ctrl-C to stop.", flush=True)
    try:
        while not stopping:
            for service in stack.services:
                assert service.process is not None
                if service.process.poll() is not None:
                    print(f"praxis: the {service.name} server stopped (exit code "
                          f"{service.process.returncode}); see {service.log_path}",
                          file=sys.stderr)
                    stopping = True
            time.sleep(0.5)
    finally:
        print("Stopping…", flush=True)
        stack.stop()
    return 0
