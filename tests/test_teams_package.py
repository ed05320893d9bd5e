"""`praxis teams-package`: a zip Teams accepts, its manifest checked against Microsoft's published
JSON schema (from the npm package @microsoft/app-manifest, no network), and its two icons."""

from __future__ import annotations

import io
import json
import uuid
import zipfile

import jsonschema
import pytest
from PIL import Image

from praxis import cli, config, teams_package
from praxis.config import ROOT

SCHEMAS = ROOT / "web" / "node_modules" / "@microsoft" / "app-manifest" / "build" / \
    "json-schemas" / "teams"


@pytest.fixture
def package(tmp_path, monkeypatch):
    app_id = str(uuid.uuid4())
    monkeypatch.setattr(config, "_settings", config.Settings(teams_app_id=app_id))
    out = tmp_path / "praxis-teams.zip"
    assert cli.main(["teams-package", "--out", str(out), "--version", "1.2.3",
                     "--developer", "Example University Careers",
                     "--website", "https://careers.example.ac.uk"]) == 0
    with zipfile.ZipFile(out) as z:
        return app_id, {name: z.read(name) for name in z.namelist()}


def test_the_manifest_is_valid_against_microsofts_schema(package):
    app_id, files = package
    assert sorted(files) == ["color.png", "manifest.json", "outline.png"]
    manifest = json.loads(files["manifest.json"])
    schema_file = SCHEMAS / f"v{teams_package.MANIFEST_VERSION}" / "MicrosoftTeams.schema.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(
        schema, format_checker=jsonschema.FormatChecker())
    errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(manifest)]
    assert errors == []
    assert manifest["manifestVersion"] == teams_package.MANIFEST_VERSION == \
        schema["properties"]["manifestVersion"]["const"]
    assert manifest["id"] == app_id and manifest["version"] == "1.2.3"
    [bot] = manifest["bots"]
    assert bot["botId"] == app_id
    assert bot["scopes"] == ["personal", "team", "groupChat"]
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert titles == ["start a reflection", "what is the report about?", "help",
                      "delete my data"]
    assert manifest["developer"]["name"] == "Example University Careers"
    assert manifest["developer"]["websiteUrl"] == "https://careers.example.ac.uk"


def test_the_icons_are_the_sizes_and_colours_teams_asks_for(package):
    _, files = package
    color = Image.open(io.BytesIO(files["color.png"]))
    assert color.format == "PNG" and color.size == (192, 192)
    outline = Image.open(io.BytesIO(files["outline.png"])).convert("RGBA")
    assert outline.size == (32, 32)
    pixels = [outline.getpixel((x, y)) for y in range(32) for x in range(32)]
    assert all(a == 0 or (r, g, b) == (255, 255, 255) for r, g, b, a in pixels)
    assert any(a == 0 for *_, a in pixels) and any(a == 255 for *_, a in pixels)


def test_without_an_app_id_it_says_what_to_set(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(config, "_settings", config.Settings())
    assert cli.main(["teams-package", "--out", str(tmp_path / "p.zip")]) == 2
    assert "TEAMS_APP_ID is not set" in capsys.readouterr().err
    assert not (tmp_path / "p.zip").exists()
