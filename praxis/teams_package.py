"""``praxis teams-package``: the Teams app package (a zip of ``manifest.json`` and two icons) that
an institution's Teams administrator uploads to install Praxis."""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from praxis import config

MANIFEST_VERSION = "1.24"
SCHEMA_URL = ("https://developer.microsoft.com/en-us/json-schemas/teams/"
              f"v{MANIFEST_VERSION}/MicrosoftTeams.schema.json")
ACCENT = "#1D4E89"
SCOPES = ["personal", "team", "groupChat"]
# What a user picks from the command menu is sent as its title: each is a message the bot
# understands (tests/e2e/test_teams.py sends them).
COMMANDS = [
    ("start a reflection", "A ten-minute guided reflection on one of the report's key findings"),
    ("what is the report about?", "Ask about McLoughlin (2023); answers quote the report"),
    ("help", "What Praxis can do, and how to pause or start again"),
    ("delete my data", "Delete your whole conversation with Praxis"),
]


class PackageError(ValueError):
    """The package cannot be made; the message says what to set."""


@dataclass(frozen=True)
class Publisher:
    name: str = "Praxis"
    website: str = "https://www.example.ac.uk/praxis"
    privacy_url: str = "https://www.example.ac.uk/praxis/privacy"
    terms_url: str = "https://www.example.ac.uk/praxis/terms"


def manifest(app_id: str, version: str, publisher: Publisher) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_URL,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {"name": publisher.name, "websiteUrl": publisher.website,
                      "privacyUrl": publisher.privacy_url,
                      "termsOfUseUrl": publisher.terms_url},
        "name": {"short": "Praxis",
                 "full": "Praxis: reflecting on power, norms and language in careers work"},
        "description": {
            "short": "Guided reflections for careers practitioners, grounded in research",
            "full": ("Praxis guides career development practitioners in higher education through "
                     "short reflections on power, professional and social norms, and the "
                     "language of their work. Every prompt and answer is grounded in the "
                     "published summary of McLoughlin (2023), \"How can we do this? Power "
                     "constraints and barriers to innovation\" (Jisc careers research grant), "
                     "quoted with its section. In a "
                     "group chat or a channel, each person keeps their own reflection."),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [{
            "botId": app_id,
            "scopes": SCOPES,
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": SCOPES, "commands": [
                {"title": title, "description": description}
                for title, description in COMMANDS]}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def _bubble(draw: ImageDraw.ImageDraw, size: int, fill: Any, outline: Any, width: int) -> None:
    """A speech bubble with three lines of "text", scaled to ``size``."""
    s = size / 32
    draw.rounded_rectangle([4 * s, 5 * s, 28 * s, 22 * s], radius=5 * s, fill=fill,
                           outline=outline, width=width)
    draw.polygon([(9 * s, 21 * s), (9 * s, 28 * s), (16 * s, 21 * s)], fill=fill or outline)
    for y, right in ((10, 23), (13.5, 23), (17, 18)):
        draw.line([(9 * s, y * s), (right * s, y * s)], fill=outline if fill is None else ACCENT,
                  width=max(1, round(1.6 * s)))


def color_icon() -> bytes:
    """192 x 192, full colour: a white speech bubble on the accent colour."""
    image = Image.new("RGBA", (192, 192), ACCENT)
    _bubble(ImageDraw.Draw(image), 192, fill="white", outline="white", width=1)
    return _png(image)


def outline_icon() -> bytes:
    """32 x 32, white on transparent only (what Teams requires of the outline icon)."""
    image = Image.new("RGBA", (32, 32), (255, 255, 255, 0))
    _bubble(ImageDraw.Draw(image), 32, fill=None, outline=(255, 255, 255, 255), width=2)
    return _png(image)


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def build(out: Path, settings: config.Settings, version: str = "1.0.0",
          publisher: Publisher = Publisher()) -> Path:
    """Write the package to ``out`` and return it."""
    if not settings.teams_app_id:
        raise PackageError("TEAMS_APP_ID is not set: put the Azure Bot's Microsoft App ID in "
                           ".env (see \"Add Praxis to Teams\" in the README)")
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("manifest.json", json.dumps(
            manifest(settings.teams_app_id, version, publisher), indent=2))
        z.writestr("color.png", color_icon())
        z.writestr("outline.png", outline_icon())
    return out
