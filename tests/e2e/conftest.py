"""Fixtures for the end-to-end tests."""

from __future__ import annotations

import socket

import pytest


@pytest.fixture(scope="session")
def free_port():
    """A function returning a loopback port that is free now."""

    def pick() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return s.getsockname()[1]

    return pick
