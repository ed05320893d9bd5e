"""PostgreSQL and Redis for the scale-out tests, from Debian's packages, started by the test on
loopback in throwaway folders (never the machine's own services) and stopped afterwards."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class ServiceMissing(RuntimeError):
    """A Debian package the scale-out tests need is not installed; the message names it."""


def _binary(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(
        f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise ServiceMissing(f"{name} is missing: `make test` installs postgresql and "
                             "redis-server (apt-get)")
    return found


def _wait_for_port(port: int, what: str, proc: subprocess.Popen, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} stopped while starting (exit {proc.returncode})")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not listen on {port} within {timeout_s:.0f} s")


@dataclass
class Postgres:
    port: int
    password: str
    user: str = "praxis"
    db: str = "praxis"

    def start(self) -> Postgres:
        # PostgreSQL refuses to run as root: as root, it runs as Debian's postgres user
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        self.home = Path(tempfile.mkdtemp(prefix="praxis-pg-"))
        (self.home / "pw").write_text(self.password)
        if self.as_user:
            shutil.chown(self.home, "postgres")
            shutil.chown(self.home / "pw", "postgres")
        data = self.home / "data"
        subprocess.run([*self.as_user, _binary("initdb"), "-D", str(data), "-U", self.user,
                        f"--pwfile={self.home / 'pw'}", "-A", "scram-sha-256"],
                       check=True, capture_output=True)
        self.proc = subprocess.Popen(
            [*self.as_user, _binary("postgres"), "-D", str(data), "-p", str(self.port),
             "-k", str(self.home), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"],
            stdout=subprocess.DEVNULL, stderr=(self.home / "log").open("wb"))
        _wait_for_port(self.port, "PostgreSQL", self.proc)
        time.sleep(0.5)
        self.psql_run(["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                       self.db])
        return self

    def psql_run(self, args: list[str]) -> str:
        env = {**os.environ, "PGPASSWORD": self.password}
        for _ in range(20):  # the server may still be starting up
            run = subprocess.run([_binary(args[0]), *args[1:]], env=env, capture_output=True,
                                 text=True)
            if run.returncode == 0:
                return run.stdout
            time.sleep(0.5)
        raise RuntimeError(run.stderr)

    def query(self, sql: str) -> list[list[str]]:
        out = self.psql_run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user,
                             "-d", self.db, "-At", "-F", "\t", "-c", sql])
        return [line.split("\t") for line in out.splitlines() if line]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
        shutil.rmtree(self.home, ignore_errors=True)


@dataclass
class Redis:
    port: int
    password: str

    def start(self) -> Redis:
        self.proc = subprocess.Popen(
            [_binary("redis-server"), "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--requirepass", self.password],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _wait_for_port(self.port, "Redis", self.proc)
        return self

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=30)
