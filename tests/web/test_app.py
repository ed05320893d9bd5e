"""The web app: the demo page with the widget and its embed snippet, the widget script for other
sites, and a clear stop when the script has not been built."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient

from praxis import config
from web.app import WidgetMissing, create_app

SETTINGS = config.Settings(rasa_port=5999)


@pytest.fixture
def client(tmp_path):
    widget = tmp_path / "praxis-widget.js"
    widget.write_text("/* the built widget */")
    return TestClient(create_app(SETTINGS, widget))


def test_the_demo_page_has_the_widget_open_and_the_embed_snippet(client):
    page = client.get("/")
    assert page.status_code == 200
    html = page.text
    assert '<praxis-chat server="http://127.0.0.1:5999" chat-title="Praxis" accent="#1d4e89" ' \
           "open></praxis-chat>" in html
    assert '&lt;script src="http://testserver/widget.js" defer&gt;' in html
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp
    assert "connect-src 'self' http://127.0.0.1:5999 ws://127.0.0.1:5999" in csp
    assert page.headers["x-content-type-options"] == "nosniff"


def test_the_widget_script_may_be_loaded_by_any_page(client):
    script = client.get("/widget.js")
    assert script.status_code == 200 and script.text == "/* the built widget */"
    assert script.headers["content-type"].startswith("text/javascript")
    assert script.headers["access-control-allow-origin"] == "*"


def test_health_and_unknown_paths(client):
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/nothing-here").status_code == 404


def test_without_the_built_widget_it_says_to_run_setup(tmp_path):
    with pytest.raises(WidgetMissing, match=r"praxis-widget.js is missing: run `make setup`"):
        create_app(SETTINGS, tmp_path / "praxis-widget.js")
