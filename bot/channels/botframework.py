"""Bot Framework authentication, both ways, for the Teams channel.

Incoming: the Bot Connector signs each request with a JWT. :class:`TokenValidator` accepts it only
when it is RS256, signed by a key from the connector's OpenID metadata (JWKS) that is endorsed for
the activity's channel, issued by ``https://api.botframework.com``, for this bot's app id, within
its validity (five minutes' leeway for clock skew), and its ``serviceUrl`` claim is the activity's.
The keys are fetched lazily (start-up never needs the network), again when a token names a key
not seen yet (at most every few seconds), and once a day.

Outgoing: :class:`ConnectorClient` gets a token for the bot with the client-credentials grant from
the configured token URL (the bot's own tenant for single-tenant bots), keeps it until shortly
before it expires, and posts replies with it, asynchronously.
"""

from __future__ import annotations

import asyncio
import fnmatch
import ipaddress
import logging
import time
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp
import jwt

logger = logging.getLogger(__name__)

ISSUER = "https://api.botframework.com"
SCOPE = "https://api.botframework.com/.default"
LEEWAY_S = 300
KEYS_MAX_AGE_S = 24 * 3600
UNKNOWN_KEY_REFETCH_S = 5.0
TOKEN_MARGIN_S = 120
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=10)


class AuthError(Exception):
    """A request that is not from the Bot Connector for this bot: refused with ``status``."""

    status = 401


class TenantNotAllowed(AuthError):
    status = 403


class ConnectorKeys:
    """The Bot Connector's signing keys, from its OpenID metadata document."""

    def __init__(self, metadata_url: str, session: aiohttp.ClientSession) -> None:
        self.metadata_url = metadata_url
        self.session = session
        self.keys: dict[str, jwt.PyJWK] = {}
        self.endorsements: dict[str, list[str]] = {}
        self.fetched_at = float("-inf")  # the last fetch that worked
        self.tried_at = float("-inf")  # the last fetch tried, at most every few seconds
        self.lock = asyncio.Lock()

    async def key(self, kid: str) -> tuple[jwt.PyJWK, list[str]]:
        if self._stale() or kid not in self.keys:
            try:
                await self.refresh(kid)
            except AuthError:
                if kid not in self.keys:  # a known key still serves while the fetch fails
                    raise
        if kid not in self.keys:
            raise AuthError("the token is signed by an unknown key")
        return self.keys[kid], self.endorsements.get(kid, [])

    def _stale(self) -> bool:
        return time.monotonic() - self.fetched_at > KEYS_MAX_AGE_S

    async def refresh(self, kid: str) -> None:
        async with self.lock:  # one fetch at a time; the others then find it done
            if not self._stale() and kid in self.keys:
                return
            if time.monotonic() - self.tried_at < UNKNOWN_KEY_REFETCH_S:
                return
            self.tried_at = time.monotonic()
            try:
                metadata = await self._get_json(self.metadata_url)
                jwks = await self._get_json(metadata["jwks_uri"])
                items = jwks.get("keys", [])
            except (aiohttp.ClientError, asyncio.TimeoutError, KeyError, TypeError,
                    AttributeError, ValueError) as exc:
                logger.warning("could not fetch the Bot Connector's signing keys: %s", exc)
                raise AuthError("the signing keys cannot be fetched now") from exc
            keys, endorsements = {}, {}
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict) or item.get("kty") != "RSA" or "kid" not in item:
                    continue
                try:
                    keys[item["kid"]] = jwt.PyJWK(item, algorithm="RS256")
                except jwt.PyJWTError:  # a malformed key is left out
                    continue
                endorsements[item["kid"]] = list(item.get("endorsements") or [])
            self.keys, self.endorsements = keys, endorsements
            self.fetched_at = time.monotonic()

    async def _get_json(self, url: str) -> dict[str, Any]:
        async with self.session.get(url, timeout=HTTP_TIMEOUT) as r:
            r.raise_for_status()
            return await r.json(content_type=None)


class TokenValidator:
    def __init__(self, app_id: str, keys: ConnectorKeys) -> None:
        self.app_id = app_id
        self.keys = keys

    async def validate(self, authorization: str | None, activity: dict[str, Any]) -> dict:
        """The token's claims, or :class:`AuthError` saying what is wrong."""
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("a bearer token is required")
        try:
            header = jwt.get_unverified_header(token.strip())
        except jwt.InvalidTokenError as exc:
            raise AuthError("the token cannot be read") from exc
        if header.get("alg") != "RS256":
            raise AuthError("the token must be signed with RS256")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise AuthError("the token names no signing key")
        key, endorsed_for = await self.keys.key(kid)
        if activity.get("channelId") not in endorsed_for:  # no endorsement: refused too
            raise AuthError("the signing key is not endorsed for this channel")
        try:
            claims = jwt.decode(
                token.strip(), key.key, algorithms=["RS256"], audience=self.app_id,
                issuer=ISSUER, leeway=LEEWAY_S,
                options={"require": ["exp", "iss", "aud"]})
        except jwt.InvalidTokenError as exc:
            raise AuthError(f"the token is not valid: {exc}") from exc
        claimed = str(claims.get("serviceUrl") or claims.get("serviceurl") or "")
        if not claimed or claimed.rstrip("/") != str(activity.get("serviceUrl", "")).rstrip("/"):
            raise AuthError("the token's serviceUrl is not the activity's")
        return claims


class ServiceUrlRefused(RuntimeError):
    """A serviceUrl off the allow-list (TEAMS_SERVICE_URL_HOSTS): nothing is sent there."""


def service_url_allowed(service_url: str, patterns: list[str]) -> bool:
    """Whether the bot may post to ``service_url``: https (http for a loopback host only), and
    a host (or host:port) matching one of ``patterns``."""
    try:
        url = urlsplit(service_url)
        host, port = (url.hostname or "").lower(), url.port
    except ValueError:
        return False
    if not host or url.username or url.password:
        return False
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if url.scheme != "https" and not (url.scheme == "http" and loopback):
        return False
    where = f"{host}:{port}" if port else host
    return any(fnmatch.fnmatchcase(where if ":" in p else host, p) for p in patterns)


class ConnectorClient:
    """Posts activities to the Bot Connector with the bot's own token, only to a serviceUrl on
    the allow-list (checked before the token is even fetched)."""

    def __init__(self, app_id: str, password: str, token_url: str,
                 session: aiohttp.ClientSession, allowed_hosts: list[str]) -> None:
        self.app_id = app_id
        self.password = password
        self.token_url = token_url
        self.session = session
        self.allowed_hosts = allowed_hosts
        self._token: tuple[str, float] | None = None
        self.lock = asyncio.Lock()

    async def token(self) -> str:
        async with self.lock:
            if self._token and time.monotonic() < self._token[1]:
                return self._token[0]
            form = {"grant_type": "client_credentials", "client_id": self.app_id,
                    "client_secret": self.password, "scope": SCOPE}
            async with self.session.post(self.token_url, data=form, timeout=HTTP_TIMEOUT) as r:
                if r.status != 200:
                    raise RuntimeError(f"the token endpoint answered {r.status}")
                body = await r.json(content_type=None)
            lifetime = float(body.get("expires_in", 3600))
            self._token = (body["access_token"],
                           time.monotonic() + max(lifetime - TOKEN_MARGIN_S, lifetime / 2))
            return self._token[0]

    def check(self, service_url: str) -> None:
        if not service_url_allowed(service_url, self.allowed_hosts):
            raise ServiceUrlRefused(f"{urlsplit(service_url).hostname or 'a serviceUrl'} is "
                                    "not on TEAMS_SERVICE_URL_HOSTS: nothing was sent")

    async def personal_conversation(self, service_url: str, bot: dict[str, Any],
                                    user: dict[str, Any], tenant: str) -> str:
        """The id of the bot's one-to-one chat with ``user`` (Teams makes it, or returns the one
        there is: ``POST /v3/conversations``)."""
        self.check(service_url)
        url = f"{service_url.rstrip('/')}/v3/conversations"
        body = {"bot": bot, "members": [{"id": user.get("id")}], "isGroup": False,
                "tenantId": tenant, "channelData": {"tenant": {"id": tenant}}}
        headers = {"Authorization": f"Bearer {await self.token()}"}
        async with self.session.post(url, json=body, headers=headers, timeout=HTTP_TIMEOUT) as r:
            if r.status >= 300:
                raise RuntimeError(f"the Bot Connector answered {r.status}")
            found = await r.json(content_type=None)
        if not isinstance(found, dict) or not isinstance(found.get("id"), str):
            raise RuntimeError("the Bot Connector made no conversation")
        return found["id"]

    async def send(self, service_url: str, conversation_id: str, activity: dict[str, Any],
                   reply_to: str | None = None) -> None:
        self.check(service_url)
        url = f"{service_url.rstrip('/')}/v3/conversations/{quote(conversation_id, safe='')}" \
              "/activities"
        if reply_to:
            url += f"/{quote(reply_to, safe='')}"
        for attempt in (1, 2):
            headers = {"Authorization": f"Bearer {await self.token()}"}
            async with self.session.post(url, json=activity, headers=headers,
                                         timeout=HTTP_TIMEOUT) as r:
                if r.status == 401 and attempt == 1:  # a token revoked early: get a new one
                    self._token = None
                    continue
                if r.status >= 300:
                    raise RuntimeError(f"the Bot Connector answered {r.status}")
                return
