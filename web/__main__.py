"""``python -m web``: serve the web app on HOST:WEB_PORT until SIGTERM."""

from __future__ import annotations

import sys

import uvicorn
from starlette.applications import Starlette

from praxis import config
from web.app import WidgetMissing, create_app


def server_config(app: Starlette, settings: config.Settings) -> uvicorn.Config:
    """How uvicorn serves the app. Its own proxy-header handling is off (it would believe an
    X-Forwarded-For from 127.0.0.1): the app reads the header from TRUSTED_PROXIES only."""
    return uvicorn.Config(app, host=settings.host, port=settings.web_port, log_level="warning",
                          access_log=False, server_header=False, proxy_headers=False)


def main() -> int:
    settings = config.get()
    try:
        app = create_app(settings)
    except WidgetMissing as exc:
        print(f"praxis web: {exc}", file=sys.stderr)
        return 1
    uvicorn.Server(server_config(app, settings)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
