"""``python -m web``: serve the web app on HOST:WEB_PORT until SIGTERM."""

from __future__ import annotations

import sys

import uvicorn

from praxis import config
from web.app import WidgetMissing, create_app


def main() -> int:
    settings = config.get()
    try:
        app = create_app(settings)
    except WidgetMissing as exc:
        print(f"praxis web: {exc}", file=sys.stderr)
        return 1
    uvicorn.run(app, host=settings.host, port=settings.web_port, log_level="warning",
                access_log=False, server_header=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
