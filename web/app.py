"""The web app: ``/`` (a demo page with the widget open), ``/widget.js``, ``/health``, and the
trainer's dashboard under ``/trainer`` (``web.trainer``)."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from sqlalchemy.exc import SQLAlchemyError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from praxis import config
from praxis.config import ROOT
from store.notice import what_is_kept
from web.trainer import Trainer, store_unavailable

WIDGET = ROOT / "var" / "web" / "praxis-widget.js"
TEMPLATES = Environment(loader=FileSystemLoader(Path(__file__).parent / "templates"),
                        autoescape=select_autoescape())
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


class WidgetMissing(RuntimeError):
    """The widget script has not been built."""


def create_app(settings: config.Settings | None = None, widget: Path = WIDGET) -> Starlette:
    settings = settings or config.get()
    if not widget.is_file():
        raise WidgetMissing(f"the widget script {widget} is missing: run `make setup`")

    def page_security(socket_url: str) -> dict[str, str]:
        ws = socket_url.replace("http", "ws", 1)
        return {**SECURITY_HEADERS, "Content-Security-Policy": (
            "default-src 'self'; "
            f"connect-src 'self' {socket_url} {ws}; "
            "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'")}

    async def index(request: Request) -> Response:
        html = TEMPLATES.get_template("index.html").render(
            server=settings.rasa_base_url, widget_url=f"{request.base_url}widget.js",
            what_is_kept=what_is_kept(settings.retention_days, "web"))
        return HTMLResponse(html, headers=page_security(settings.rasa_base_url))

    async def widget_js(request: Request) -> Response:
        # A script for other sites' pages: any origin may load it.
        return FileResponse(widget, media_type="text/javascript", headers={
            **SECURITY_HEADERS, "Access-Control-Allow-Origin": "*",
            "Cache-Control": "no-cache"})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    def dashboard_security() -> dict[str, str]:
        return {**SECURITY_HEADERS, "Content-Security-Policy": (
            "default-src 'self'; style-src 'self'; img-src 'self'; object-src 'none'; "
            "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")}

    async def error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        if request.url.path.startswith("/trainer") and "text/html" in request.headers.get(
                "accept", "") and exc.status_code in (400, 403, 404):
            html = TEMPLATES.get_template("trainer_error.html").render(
                status=exc.status_code, message=exc.detail)
            return HTMLResponse(html, status_code=exc.status_code,
                                headers=dashboard_security())
        return JSONResponse({"error": exc.detail}, status_code=exc.status_code)

    trainer = Trainer(settings, TEMPLATES, dashboard_security)
    # The client's address (the sign-in limits) is read from X-Forwarded-For only when the
    # request comes from a proxy named in TRUSTED_PROXIES; otherwise the header is ignored.
    proxies = [Middleware(ProxyHeadersMiddleware, trusted_hosts=settings.trusted_proxy_list)
               ] if settings.trusted_proxy_list else []
    return Starlette(
        routes=[Route("/", index), Route("/widget.js", widget_js), Route("/health", health),
                *trainer.routes()],
        middleware=[*proxies, Middleware(SessionMiddleware,
                               secret_key=settings.cookie_key,
                               session_cookie="praxis_trainer", max_age=12 * 3600,
                               same_site="strict", path="/trainer",
                               https_only=settings.rasa_base_url.startswith("https://"))],
        exception_handlers={HTTPException: error, SQLAlchemyError: store_unavailable})
