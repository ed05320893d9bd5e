"""A local stand-in for Microsoft's side of a Teams bot, on loopback: the Bot Connector's OpenID
metadata and signing keys (JWKS, with test RSA keys that can be rotated), the token endpoint that
gives the bot its outgoing token, and a Bot Connector that records the activities the bot posts.
It also makes the activities and signed tokens that Teams would send."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

import jwt
import uvicorn
from cryptography.hazmat.primitives.asymmetric import rsa
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

ISSUER = "https://api.botframework.com"
SCOPE = "https://api.botframework.com/.default"


@dataclass
class Key:
    kid: str
    private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048))
    endorsements: list[str] = field(default_factory=lambda: ["msteams"])

    def jwk(self) -> dict[str, Any]:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.private.public_key(), as_dict=True)
        return {**public, "kid": self.kid, "use": "sig", "endorsements": self.endorsements}


class FakeBotFramework:
    def __init__(self, port: int, app_id: str, password: str, tenant: str) -> None:
        self.port, self.app_id, self.password, self.tenant = port, app_id, password, tenant
        self.keys = [Key("key-1")]
        self.posted: list[dict[str, Any]] = []
        self.created: list[dict[str, Any]] = []  # personal chats the bot opened
        self.issued: list[str] = []
        self.metadata_fetches = 0
        self._ids = itertools.count(1)
        self.server = uvicorn.Server(uvicorn.Config(
            self.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def metadata_url(self) -> str:
        return f"{self.url}/v1/.well-known/openidconfiguration"

    @property
    def token_url(self) -> str:
        return f"{self.url}/{self.tenant}/oauth2/v2.0/token"

    def start(self) -> FakeBotFramework:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Bot Framework did not start")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)

    def rotate(self, endorsements: tuple[str, ...] = ("msteams",)) -> Key:
        """A new signing key, published beside the old one."""
        key = Key(f"key-{len(self.keys) + 1}", endorsements=list(endorsements))
        self.keys.append(key)
        return key

    # --- what Teams sends -------------------------------------------------------------------

    def activity(self, text: str | None = None, *, kind: str = "message", user: str = "a",
                 conversation: str = "personal-a", conversation_type: str = "personal",
                 value: dict | None = None, tenant: str | None = None,
                 **extra: Any) -> dict[str, Any]:
        activity = {
            "type": kind, "id": f"activity-{next(self._ids)}", "channelId": "msteams",
            "serviceUrl": self.url + "/", "timestamp": "2026-12-01T09:00:00.000Z",
            "from": {"id": f"29:user-{user}", "name": f"User {user.upper()}",
                     "aadObjectId": f"aad-{user}"},
            "recipient": {"id": f"28:{self.app_id}", "name": "Praxis"},
            "conversation": {"id": conversation, "conversationType": conversation_type,
                             "tenantId": tenant or self.tenant},
            "channelData": {"tenant": {"id": tenant or self.tenant}},
        }
        if text is not None:
            activity["text"] = text
        if value is not None:
            activity["value"] = value
        activity.update(extra)
        return activity

    def token(self, activity: dict[str, Any], *, key: Key | None = None, alg: str = "RS256",
              audience: str | None = None, issuer: str = ISSUER, expires_in: int = 3600,
              service_url: str | None = None, secret: Any = None) -> str:
        now = int(time.time())
        claims = {"iss": issuer, "aud": audience or self.app_id, "nbf": now - 10,
                  "iat": now - 10, "exp": now + expires_in,
                  "serviceUrl": service_url or activity["serviceUrl"]}
        key = key or self.keys[0]
        signing = secret if secret is not None else key.private
        return jwt.encode(claims, signing, algorithm=alg, headers={"kid": key.kid})

    # --- Microsoft's endpoints --------------------------------------------------------------

    def app(self) -> Starlette:
        async def metadata(request: Request) -> JSONResponse:
            self.metadata_fetches += 1
            return JSONResponse({"issuer": ISSUER, "jwks_uri": f"{self.url}/v1/keys",
                                 "id_token_signing_alg_values_supported": ["RS256"]})

        async def keys(request: Request) -> JSONResponse:
            return JSONResponse({"keys": [k.jwk() for k in self.keys]})

        async def token(request: Request) -> JSONResponse:
            form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
            if (request.path_params["tenant"] != self.tenant
                    or form.get("grant_type") != "client_credentials"
                    or form.get("client_id") != self.app_id
                    or form.get("client_secret") != self.password
                    or form.get("scope") != SCOPE):
                return JSONResponse({"error": "invalid_client"}, status_code=401)
            self.issued.append(f"bot-token-{uuid.uuid4().hex}")
            return JSONResponse({"token_type": "Bearer", "expires_in": 3600,
                                 "access_token": self.issued[-1]})

        async def activities(request: Request) -> JSONResponse:
            auth = request.headers.get("authorization", "")
            if not self.issued or auth != f"Bearer {self.issued[-1]}":
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            self.posted.append({"conversation": request.path_params["conversation"],
                                "reply_to": request.path_params.get("activity"),
                                "authorization": auth, "activity": await request.json()})
            return JSONResponse({"id": f"reply-{len(self.posted)}"})

        async def conversations(request: Request) -> JSONResponse:
            auth = request.headers.get("authorization", "")
            if not self.issued or auth != f"Bearer {self.issued[-1]}":
                return JSONResponse({"error": "unauthorized"}, status_code=401)
            body = await request.json()
            members = body.get("members") or []
            if body.get("isGroup") or len(members) != 1 or not members[0].get("id"):
                return JSONResponse({"error": "BadArgument"}, status_code=400)
            conversation = f"a:personal-{members[0]['id']}"
            self.created.append({"conversation": conversation, "body": body})
            return JSONResponse({"id": conversation})

        return Starlette(routes=[
            Route("/v3/conversations", conversations, methods=["POST"]),
            Route("/v1/.well-known/openidconfiguration", metadata),
            Route("/v1/keys", keys),
            Route("/{tenant}/oauth2/v2.0/token", token, methods=["POST"]),
            Route("/v3/conversations/{conversation}/activities", activities, methods=["POST"]),
            Route("/v3/conversations/{conversation}/activities/{activity}", activities,
                  methods=["POST"]),
        ])
