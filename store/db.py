"""The database: one engine per process, its schema brought up to date on first use."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from praxis import config

MIGRATIONS = Path(__file__).parent / "migrations"
_lock = threading.Lock()
_engines: dict[str, sessionmaker[Session]] = {}


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":  # instances starting together: one at a time
            connection.execute(text("SELECT pg_advisory_xact_lock(7734201)"))
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "head")


def aware(moment: datetime) -> datetime:
    """``moment`` with its time zone (UTC): SQLite gives stored datetimes back without it."""
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _owner_only(path: Path) -> None:
    """The SQLite file, made (if need be) readable and writable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


def sessions(settings: config.Settings | None = None) -> sessionmaker[Session]:
    url = (settings or config.get()).store_url
    with _lock:
        if url not in _engines:
            if url.startswith("sqlite:///"):
                _owner_only(Path(url.removeprefix("sqlite:///")))
            # hide_parameters: an error or a log names the statement, never its values (words)
            engine = create_engine(url, pool_pre_ping=True, hide_parameters=True)
            try:
                migrate(engine)
            except Exception:
                engine.dispose()
                raise
            _engines[url] = sessionmaker(engine, expire_on_commit=False)
        return _engines[url]


@contextmanager
def session(settings: config.Settings | None = None) -> Iterator[Session]:
    with sessions(settings).begin() as s:
        yield s
