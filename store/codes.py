"""Join codes for group sessions: random, unguessable, easy to read out and type.

The alphabet leaves out the characters people confuse (0 and O, 1, I and L), so a code read off a
projector or said aloud is typed right; codes are matched without regard to case, spaces or
dashes.
"""

from __future__ import annotations

import re
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8  # 31**8, about 8.5e11 codes


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str) -> str:
    """A code as typed ("abcd-efgh", "ABCD EFGH") in its stored form."""
    return re.sub(r"[\s\-]", "", text).upper()


def well_formed(code: str) -> bool:
    return len(code) == LENGTH and all(c in ALPHABET for c in code)
