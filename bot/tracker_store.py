"""Rasa's SQL tracker store, made private: its engine never writes a statement's bound values
(a message's words) into a log or an error, and its SQLite file is readable by its owner only.

endpoints.yml and endpoints.scale.yml name it as ``bot.tracker_store.PrivateSQLTrackerStore``.
"""

from __future__ import annotations

import os
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs


def owner_only(path: str) -> None:
    """Create the SQLite file ``path`` (if need be) readable and writable by its owner only."""
    os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    os.chmod(path, 0o600)


class PrivateSQLTrackerStore(SQLTrackerStore):
    def __init__(self, *args: Any, dialect: str = "sqlite", db: str = "rasa.db",
                 **kwargs: Any) -> None:
        if dialect == "sqlite" and db and db != ":memory:":
            owner_only(db)
        super().__init__(*args, dialect=dialect, db=db, **kwargs)
        # Rasa builds its engine with no way to pass hide_parameters: build it again with it.
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(url, hide_parameters=True, **create_engine_kwargs(url))
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
