"""The trainer's dashboard: sign in, create a group session, run it live, export it, delete it.

Every page and call but the sign-in needs a signed-in trainer (a signed, HTTP-only, same-site
cookie naming a sign-in held in the app store, which signing out deletes), and every change is a
POST carrying the page's CSRF token. Sign-in attempts are counted before any password is
checked, per (name, client address) and per address (``web.accounts``), and at most
``accounts.ARGON2_AT_ONCE`` password checks run at once: more are refused with 503 at once. A
trainer reaches only their own sessions: another trainer's gets 403. The dashboard refreshes
itself by fetching its live part (``/live``) every few seconds.
"""

from __future__ import annotations

import asyncio
import io
import logging
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import qrcode
from jinja2 import Environment
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from actions.themes import THEMES, session_prompts
from praxis import config
from store import group_sessions, trainer_sessions
from store.group_sessions import NotFound, NotYours
from web import accounts, summary

logger = logging.getLogger(__name__)

STATIC = Path(__file__).parent / "static"
MAX_TITLE = 200
MAX_CLOSING = 500
REFRESH_S = 3
SIGN_IN_HOURS = 12  # as long as the cookie lives
PUSH_BATCH = 100  # participants per push request (the Rasa server takes at most 200)

Handler = Callable[[Request], Awaitable[Response]]


class Trainer:
    """The dashboard's routes, over one settings object and template environment."""

    def __init__(self, settings: config.Settings, templates: Environment,
                 security: Callable[[], dict[str, str]]) -> None:
        self.settings = settings
        self.templates = templates
        self.security = security
        self.throttle = accounts.Throttle()
        self.checking = asyncio.Semaphore(accounts.ARGON2_AT_ONCE)
        try:
            self.accounts = settings.trainers
        except config.SettingsError as exc:
            logger.error("%s", exc)
            self.accounts = {}

    # ---- plumbing
    def page(self, name: str, request: Request, status: int = 200, **values: Any) -> Response:
        html = self.templates.get_template(name).render(
            trainer=self.trainer(request), csrf=self.csrf(request), **values)
        return HTMLResponse(html, status_code=status,
                            headers={**self.security(), "Cache-Control": "no-store"})

    @staticmethod
    def csrf(request: Request) -> str:
        if "csrf" not in request.session:
            request.session["csrf"] = secrets.token_urlsafe(24)
        return request.session["csrf"]

    async def form(self, request: Request) -> FormData:
        """The POSTed form, refused unless it carries this session's CSRF token."""
        try:
            form = await request.form(max_files=0, max_fields=50)
        except Exception as exc:  # a body that is no form
            raise HTTPException(400, "the request is not a form") from exc
        token, expected = form.get("csrf"), request.session.get("csrf")
        if not (isinstance(token, str) and token and isinstance(expected, str) and expected
                and secrets.compare_digest(token.encode(), expected.encode())):
            raise HTTPException(403, "the form has expired: reload the page and try again")
        return form

    @staticmethod
    def trainer(request: Request) -> str | None:
        """The signed-in trainer of this request (set by ``who``)."""
        return getattr(request.state, "trainer", None)

    async def who(self, request: Request) -> str | None:
        """The trainer whose open sign-in this request's cookie names, if any."""
        token = request.session.get("sid")
        name = None
        if isinstance(token, str) and token:
            name = await asyncio.to_thread(trainer_sessions.trainer_of, token, self.settings)
        if name not in self.accounts:  # signed out, expired, or the account was removed
            request.session.pop("sid", None)
            name = None
        request.state.trainer = name
        return name

    def signed_in(self, handler: Handler, page: bool = False) -> Handler:
        """Only for a signed-in trainer; others are sent to sign in (a page) or get 401."""
        async def wrapped(request: Request) -> Response:
            if await self.who(request) is None:
                if page:
                    return RedirectResponse("/trainer", status_code=303)
                return JSONResponse({"error": "sign in first"}, status_code=401)
            return await handler(request)
        return wrapped

    async def mine(self, request: Request) -> Any:
        try:
            session_id = int(request.path_params["session_id"])
        except ValueError as exc:
            raise HTTPException(404, "no such session") from exc
        try:
            return await asyncio.to_thread(group_sessions.get, session_id,
                                           self.trainer(request), self.settings)
        except NotFound as exc:
            raise HTTPException(404, "no such session") from exc
        except NotYours as exc:
            raise HTTPException(403, "this session belongs to another trainer") from exc

    async def view(self, row: Any) -> summary.SessionView:
        """The session's live view, its answers grouped in a worker thread (off the loop)."""
        return await asyncio.to_thread(summary.view, row, self.settings.index_path,
                                       self.settings.group_max_participants)

    def join_link(self, request: Request, code: str) -> str:
        """The demo page with the code: at the public URL (RASA_URL, where a deployment
        serves both) if set, else where the trainer reached this app."""
        base = self.settings.rasa_url or str(request.base_url)
        return f"{base.rstrip('/')}/?session={quote(code)}"

    # ---- pages
    async def home(self, request: Request) -> Response:
        name = await self.who(request)
        if name is None:
            return self.page("trainer_login.html", request, accounts=bool(self.accounts))
        rows = await asyncio.to_thread(group_sessions.for_trainer, name, self.settings)
        return self.page("trainer_home.html", request, sessions=rows,
                         themes=list(THEMES.values()), error=request.query_params.get("error"))

    async def login(self, request: Request) -> Response:
        form = await self.form(request)
        name, password = str(form.get("name") or ""), str(form.get("password") or "")
        address = request.client.host if request.client else ""

        def refused(status: int, error: str) -> Response:
            return self.page("trainer_login.html", request, status=status,
                             accounts=bool(self.accounts), error=error)

        if not name or len(name) > accounts.MAX_NAME or len(password) > 1024:
            return refused(401, "That name and password don't match an account.")
        if self.checking.locked():  # never a queue of 64 MiB checks
            return refused(503, "Too many sign-ins at once. Try again in a moment.")
        wait = self.throttle.attempt(name, address)
        if wait:
            return refused(429, f"Too many attempts. Try again in {int(wait // 60) + 1} "
                                "minutes.")
        async with self.checking:
            ok = await asyncio.to_thread(accounts.verify, self.accounts, name, password)
        if not ok:
            return refused(401, "That name and password don't match an account.")
        self.throttle.succeeded(name, address)
        token = await asyncio.to_thread(trainer_sessions.open_for, name, SIGN_IN_HOURS,
                                        self.settings)
        request.session.clear()
        request.session["sid"] = token
        return RedirectResponse("/trainer", status_code=303)

    async def logout(self, request: Request) -> Response:
        await self.form(request)
        token = request.session.get("sid")
        if isinstance(token, str) and token:
            await asyncio.to_thread(trainer_sessions.close, token, self.settings)
        request.session.clear()
        return RedirectResponse("/trainer", status_code=303)

    async def create(self, request: Request) -> Response:
        form = await self.form(request)
        title = str(form.get("title") or "").strip()
        themes = [t for t in form.getlist("themes") if isinstance(t, str) and t]  # in order
        closing = str(form.get("closing_question") or "").strip()
        problems = []
        if not title or len(title) > MAX_TITLE:
            problems.append(f"a title of 1 to {MAX_TITLE} characters")
        if not themes or any(t not in THEMES for t in themes) or len(set(themes)) != len(themes):
            problems.append("at least one of the eight themes")
        if len(closing) > MAX_CLOSING:
            problems.append(f"a closing question of at most {MAX_CLOSING} characters")
        if form.get("pacing") not in ("self", "trainer"):
            problems.append("self-paced or trainer-paced")
        if problems:
            return RedirectResponse("/trainer?error=" + quote("A session needs "
                                    + ", ".join(problems) + "."), status_code=303)
        row = await asyncio.to_thread(
            group_sessions.create, self.trainer(request), title, themes,
            len(session_prompts(themes, closing)), form.get("pacing") == "trainer", closing,
            self.settings)
        return RedirectResponse(f"/trainer/sessions/{row.id}", status_code=303)

    async def dashboard(self, request: Request) -> Response:
        row = await self.mine(request)
        return self.page("trainer_session.html", request, s=await self.view(row),
                         link=self.join_link(request, row.code), refresh_s=REFRESH_S,
                         notice=request.query_params.get("notice"))

    async def live(self, request: Request) -> Response:
        row = await self.mine(request)
        return self.page("trainer_live.html", request, s=await self.view(row))

    async def data(self, request: Request) -> Response:
        row = await self.mine(request)
        return JSONResponse((await self.view(row)).to_dict(),
                            headers={"Cache-Control": "no-store"})

    async def next_prompt(self, request: Request) -> Response:
        await self.form(request)
        row = await self.mine(request)
        try:
            current, owners = await asyncio.to_thread(
                group_sessions.advance, row.id, self.trainer(request), self.settings)
        except ValueError as exc:
            return self.back(row.id, str(exc).capitalize() + ".")
        reached, failed = await self.push(owners)
        notice = f"Prompt {current + 1} is out."
        if owners:
            notice += f" It reached {reached} of {len(owners)} participants."
        if failed:
            notice += (f" {failed} could not be reached just now; they see it when they next "
                       "write or reload.")
        return self.back(row.id, notice)

    async def push(self, owners: list[group_sessions.Owner]) -> tuple[int, int]:
        """Hand the participants to the Rasa server, PUSH_BATCH at a time, which sends each the
        next prompt; how many were reached (or held back for their safety), and how many not."""
        auth = {"Authorization": f"Bearer {self.settings.group_push_token}"}
        reached = failed = 0
        async with httpx.AsyncClient(timeout=120) as client:
            for start in range(0, len(owners), PUSH_BATCH):
                batch = owners[start:start + PUSH_BATCH]
                body = {"senders": [{"sender_id": o.sender_id, "channel": o.channel}
                                    for o in batch]}
                try:
                    r = await client.post(f"{self.settings.rasa_push_url}/webhooks/group/push",
                                          json=body, headers=auth)
                    r.raise_for_status()
                    counts = r.json()
                    reached += int(counts.get("pushed", 0)) + int(counts.get("held", 0))
                    failed += int(counts.get("failed", 0))
                except (httpx.HTTPError, ValueError, AttributeError):
                    logger.exception("the next prompt could not be pushed to a batch")
                    failed += len(batch)  # one failed batch stops no other
        return reached, failed

    async def end(self, request: Request) -> Response:
        await self.form(request)
        row = await self.mine(request)
        await asyncio.to_thread(group_sessions.end, row.id, self.trainer(request),
                                self.settings)
        return self.back(row.id, "The session has ended: its code no longer works.")

    async def delete(self, request: Request) -> Response:
        await self.form(request)
        row = await self.mine(request)
        await asyncio.to_thread(group_sessions.remove, row.id, self.trainer(request),
                                self.settings)
        return RedirectResponse("/trainer?error=" + quote(f"“{row.title}” and all its data "
                                                          "were deleted."), status_code=303)

    @staticmethod
    def back(session_id: int, notice: str) -> Response:
        return RedirectResponse(f"/trainer/sessions/{session_id}?notice={quote(notice)}",
                                status_code=303)

    async def export_csv(self, request: Request) -> Response:
        row = await self.mine(request)
        return Response(await asyncio.to_thread(summary.export_csv, row),
                        media_type="text/csv; charset=utf-8",
                        headers=self.download(row.code, "csv"))

    async def export_md(self, request: Request) -> Response:
        row = await self.mine(request)
        return Response(await asyncio.to_thread(summary.export_markdown, row,
                                                self.settings.index_path),
                        media_type="text/markdown; charset=utf-8",
                        headers=self.download(row.code, "md"))

    def download(self, code: str, ext: str) -> dict[str, str]:
        return {**self.security(), "Cache-Control": "no-store",
                "Content-Disposition": f'attachment; filename="praxis-session-{code}.{ext}"'}

    async def qr(self, request: Request) -> Response:
        row = await self.mine(request)
        image = qrcode.make(self.join_link(request, row.code), border=2, box_size=8)
        out = io.BytesIO()
        image.save(out, format="PNG")
        return Response(out.getvalue(), media_type="image/png",
                        headers={"Cache-Control": "no-store"})

    def routes(self) -> list[Any]:
        s = self.signed_in
        return [
            Route("/trainer", self.home),
            Route("/trainer/login", self.login, methods=["POST"]),
            Route("/trainer/logout", self.logout, methods=["POST"]),
            Route("/trainer/sessions", s(self.create), methods=["POST"]),
            Route("/trainer/sessions/{session_id}", s(self.dashboard, page=True)),
            Route("/trainer/sessions/{session_id}/live", s(self.live)),
            Route("/trainer/sessions/{session_id}/data", s(self.data)),
            Route("/trainer/sessions/{session_id}/next", s(self.next_prompt), methods=["POST"]),
            Route("/trainer/sessions/{session_id}/end", s(self.end), methods=["POST"]),
            Route("/trainer/sessions/{session_id}/delete", s(self.delete), methods=["POST"]),
            Route("/trainer/sessions/{session_id}/export.csv", s(self.export_csv)),
            Route("/trainer/sessions/{session_id}/export.md", s(self.export_md)),
            Route("/trainer/sessions/{session_id}/qr.png", s(self.qr)),
            Mount("/trainer/static", StaticFiles(directory=STATIC), name="trainer-static"),
        ]


async def store_unavailable(request: Request, exc: Exception) -> Response:
    logger.exception("the app store failed", exc_info=exc)
    return PlainTextResponse("The session store can't be reached just now. Please try again.",
                             status_code=503)
