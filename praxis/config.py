"""Every setting Praxis reads, in one place: the environment, then ``.env``, then defaults.

Nothing else in Praxis reads the environment. ``.env.example`` lists the same names.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass, fields
from pathlib import Path
from urllib.parse import quote

from dotenv import dotenv_values

ROOT = Path(__file__).resolve().parents[1]


MIN_SECRET_BYTES = 32
SUPERVISED = "PRAXIS_SUPERVISED"  # set by praxis/stack.py in the processes it starts
# The settings that are secrets, and which of the supervisor's processes uses each: every process
# is handed only its own (praxis/stack.py).
SECRETS_USED_BY = {
    "SESSION_SECRET": {"rasa"},  # signs the widget's session ids
    "ACTION_SERVER_KEY": {"rasa", "actions"},
    "GROUP_PUSH_KEY": {"rasa", "web"},
    "TRAINER_COOKIE_KEY": {"web"},
    "TRAINER_ACCOUNTS": {"web"},
    "TEAMS_APP_PASSWORD": {"rasa"},
    "REST_API_TOKEN": {"rasa"},
    "DB_PASSWORD": {"rasa"},  # the Rasa tracker store on PostgreSQL
    "REDIS_PASSWORD": {"rasa"},
    "DATABASE_URL": {"actions", "web"},  # the app store's URL may carry a password
}
ACTION_KEY_HEADER = "X-Praxis-Key"  # carries ACTION_SERVER_KEY on every call to the action server


class SettingsError(ValueError):
    """A setting has a value that cannot be used; the message names it."""


@dataclass(frozen=True)
class Settings:
    """Praxis settings. Field names are the environment variable names, lower-cased."""

    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    # Where the Rasa server reaches the action server; default http://{host}:{action_port}/webhook
    action_endpoint_url: str = ""
    web_port: int = 8000  # the widget's demo page (and the trainer dashboard)
    # Origins whose pages may open the widget's socket.io connection, separated by ','; default
    # the demo page. "*" allows every origin.
    cors_origins: str = ""
    rasa_url: str = ""  # where clients reach Rasa; default http://{host}:{rasa_port}
    embedding_model: str = "sentence-transformers/all-MiniLM-L6-v2"
    # auto: bfloat16 where the CPU computes it natively (AVX-512 BF16 or AMX; about 1.7x the
    # index build speed, cosine to the float32 vectors above 0.9999), float32 elsewhere.
    embedding_precision: str = "auto"  # auto | float32 | bfloat16
    knowledge_sources: str = "knowledge/sources"  # files or folders, separated by ':'
    index_dir: str = "var/index"
    # the risk detector's trained models (`praxis index` trains them): they depend on the safety
    # exemplars and the embedding model, not on the index
    safety_model_dir: str = "var/safety"
    tracker_db: str = "var/tracker.db"
    # The app store (finished reflections): default sqlite var/praxis.db; or a SQLAlchemy URL,
    # e.g. postgresql+psycopg2://praxis:...@db/praxis (psycopg2: both environments have it).
    database_url: str = ""
    # A follow-up question for a purely descriptive answer, a nudge for a vague next step; and
    # the depth estimate behind the follow-ups and the summary's "where it went deeper".
    reflection_followups: bool = True
    depth_estimate: bool = True
    # The Rasa endpoints file: endpoints.yml (one machine: SQLite, in-memory locks) or
    # endpoints.scale.yml (several instances: PostgreSQL and Redis, the DB_* and REDIS_* below).
    endpoints: str = "endpoints.yml"
    db_host: str = "127.0.0.1"
    db_port: int = 5432
    db_name: str = "praxis"
    db_user: str = "praxis"
    db_password: str = ""
    redis_host: str = "127.0.0.1"
    redis_port: int = 6379
    redis_password: str = ""
    # Several Rasa instances: the widget's socket.io rooms shared through that Redis, so that a
    # message for a participant (a trainer's next prompt) reaches the instance they are on.
    socketio_redis: bool = False
    # Seconds a conversation's lock lives: the longest another instance waits for a conversation
    # whose instance died during a turn (at least 3 x ACTION_TIMEOUT_S + 5: a live turn keeps it).
    lock_lifetime_s: int = 30
    model_dir: str = "models"
    retrieval_method: str = "hybrid"  # dense | bm25 | hybrid (see bench/results.md)
    # A question is answered when its best passage scores at least REPORT_THRESHOLD (cosine) and
    # the answer verifier (knowledge/verifier.py) gives at least VERIFY_THRESHOLD probability
    # that the passage answers it; without the verifier (VERIFY_THRESHOLD=0), when the passage
    # scores at least COVERAGE_MARGIN above the closest question the sources say they do not
    # answer. Otherwise "the report does not cover that". REPORT_THRESHOLD and COVERAGE_MARGIN
    # are chosen by `make bench` on its tuning sets; VERIFY_THRESHOLD is the verifier's own
    # decision boundary.
    report_threshold: float = 0.20
    coverage_margin: float = 0.0
    verify_threshold: float = 0.5
    grounding_threshold: float = 0.35  # below: a text does not name a theme by its meaning
    # below: an answer is not linked to its theme's finding (chosen on tests/grounding/dev.yml)
    link_threshold: float = 0.28
    # The safety replies and the services they name (UK defaults: 999, Samaritans, Shout, NHS
    # 111, Education Support, HR, unions, the employee assistance programme), and the
    # institution's own staff support, which they name too.
    support_services: str = "actions/data/support.yml"
    staff_support: str = "**your institution's staff wellbeing service**"
    # Seconds the Rasa server waits for the action server's risk detector before it judges a
    # message by the phrase list alone.
    safety_timeout_s: float = 2.0
    max_message_chars: int = 4000
    # Per sender: RATE_LIMIT_BURST messages at once, then RATE_LIMIT_PER_MINUTE (0: no limit).
    rate_limit_per_minute: int = 30
    rate_limit_burst: int = 20
    # Per client address of the widget (all its conversations together; shared through Redis when
    # SOCKETIO_REDIS is on): turns, and new conversations (0: no limit).
    address_rate_limit_per_minute: int = 300
    address_rate_limit_burst: int = 100
    new_sessions_per_minute: int = 2
    new_sessions_burst: int = 20
    # Seconds the Rasa server waits for the action server before telling the user it is not
    # answering (the turn is then not stored, so nothing is half-done).
    action_timeout_s: float = 8.0
    # Conversations whose last message is older than this many days are deleted (0: kept).
    retention_days: float = 0
    # Signs the web widget's session ids, so that only ids the server issued are accepted. Empty:
    # a random key kept in var/session.key (made on first use). Set it for several instances.
    session_secret: str = ""
    # The REST webhook believes the sender id it is given: empty, it takes requests from this
    # machine only; set, every request must carry "Authorization: Bearer REST_API_TOKEN".
    rest_api_token: str = ""
    # Reverse proxies (addresses or networks, separated by ',') whose X-Forwarded-For names the
    # client; from anyone else the header is ignored. Empty: none (the client is the peer).
    trusted_proxies: str = ""
    # The keys each process is handed by the supervisor (praxis/stack.py), so that no process
    # holds a secret it does not use. Empty: each derived from the session key. Set them (at least
    # 32 bytes each) where the processes run apart, as deploy/ does.
    action_server_key: str = ""  # the Rasa server shows it to the action server on every call
    trainer_cookie_key: str = ""  # signs the trainer's dashboard cookie (the web app)
    group_push_key: str = ""  # the web app shows it to the Rasa server to push a next prompt
    ready_timeout_s: float = 180.0
    # Trainers who may sign in to the dashboard (/trainer): NAME:HASH entries separated by spaces
    # or new lines, each hash made by `praxis trainer-password NAME` (Argon2id). No default.
    trainer_accounts: str = ""
    session_code_hours: float = 12.0  # a group session's join code works this long at most
    group_max_participants: int = 200  # more are told the session is full; so is the trainer
    # Where the web app reaches the Rasa server to push a trainer's next prompt; default
    # http://{host}:{rasa_port}.
    rasa_internal_url: str = ""
    # Microsoft Teams (bot/channels/teams.py): the Azure Bot's app id and client secret, and its
    # tenant (single-tenant bots; empty: multi-tenant). Empty TEAMS_APP_ID: the channel is off.
    teams_app_id: str = ""
    teams_app_password: str = ""
    teams_tenant_id: str = ""
    teams_openid_metadata_url: str = (
        "https://login.botframework.com/v1/.well-known/openidconfiguration")
    teams_token_url: str = ""  # default: the tenant's (or botframework.com's) oauth2/v2.0/token
    # Tenants whose users may use the bot, separated by ','; empty: the bot's own TEAMS_TENANT_ID;
    # neither: no tenant at all (fail closed). "*": any tenant (a multi-tenant bot).
    teams_allowed_tenants: str = ""
    teams_channel_ids: str = "msteams"  # the Bot Framework channels accepted, separated by ','
    # Where the bot may post (with its Microsoft token): Bot Connector hosts, as patterns separated
    # by ','; a pattern with a port (127.0.0.1:3978) matches that port only. https only, but for
    # loopback hosts. Every serviceUrl is checked against it before anything is sent.
    teams_service_url_hosts: str = ("smba.trafficmanager.net,*.botframework.com,"
                                    "*.teams.microsoft.com,*.teams.microsoft.us")

    def to_env(self) -> dict[str, str]:
        """These settings as environment variables, for the processes Praxis starts."""
        return {f.name.upper(): str(getattr(self, f.name)) for f in fields(self)}

    def env_for(self, process: str) -> dict[str, str]:
        """The settings a supervised ``process`` (rasa, actions, web) gets: every setting but
        the secrets, and of those only the ones it uses, the keys derived here once."""
        derived = {"SESSION_SECRET": self.session_key().decode(),
                   "ACTION_SERVER_KEY": self.action_key, "GROUP_PUSH_KEY": self.group_push_token,
                   "TRAINER_COOKIE_KEY": self.cookie_key}
        env = {k: v for k, v in self.to_env().items() if k not in SECRETS_USED_BY}
        env.update({k: derived.get(k, str(getattr(self, k.lower())))
                    for k, users in SECRETS_USED_BY.items() if process in users})
        return {**env, SUPERVISED: "1"}

    def path(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else ROOT / p

    @property
    def sources(self) -> list[Path]:
        return [self.path(p) for p in self.knowledge_sources.split(":") if p.strip()]

    @property
    def index_path(self) -> Path:
        return self.path(self.index_dir)

    @property
    def safety_model_path(self) -> Path:
        return self.path(self.safety_model_dir)

    @property
    def rasa_base_url(self) -> str:
        return (self.rasa_url or f"http://{self.host}:{self.rasa_port}").rstrip("/")

    @property
    def web_base_url(self) -> str:
        return f"http://{self.host}:{self.web_port}"

    @property
    def allowed_origins(self) -> list[str] | str:
        if self.cors_origins.strip() == "*":
            return "*"
        origins = [o.strip().rstrip("/") for o in self.cors_origins.split(",") if o.strip()]
        origins = origins or [self.web_base_url, f"http://localhost:{self.web_port}"]
        return origins + [self.rasa_base_url]  # and the Rasa server's own pages

    @property
    def store_url(self) -> str:
        """The app store's SQLAlchemy URL: DATABASE_URL, or SQLite in var/praxis.db."""
        return self.database_url or f"sqlite:///{self.path('var/praxis.db')}"

    @property
    def teams_token_endpoint(self) -> str:
        tenant = self.teams_tenant_id or "botframework.com"
        return (self.teams_token_url
                or f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token")

    @property
    def teams_service_hosts(self) -> list[str]:
        return [h.strip().lower() for h in self.teams_service_url_hosts.split(",") if h.strip()]

    @property
    def teams_tenants(self) -> set[str]:
        """The tenants allowed ("*": any); empty: none."""
        named = {t.strip() for t in self.teams_allowed_tenants.split(",") if t.strip()}
        return named or ({self.teams_tenant_id} if self.teams_tenant_id else set())

    @property
    def teams_channels(self) -> set[str]:
        return {c.strip() for c in self.teams_channel_ids.split(",") if c.strip()}

    def session_key(self, path: Path = ROOT / "var" / "session.key") -> bytes:
        """SESSION_SECRET, or the key in ``path``, made (owner-only) on first use."""
        if self.session_secret:
            return self.session_secret.encode()
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # another process made it first
                pass
            else:
                with os.fdopen(fd, "w") as f:
                    f.write(secrets.token_hex(32))
        return path.read_text().strip().encode()

    @property
    def trainers(self) -> dict[str, str]:
        """TRAINER_ACCOUNTS as {name: password hash}."""
        out = {}
        for entry in self.trainer_accounts.split():
            name, sep, hashed = entry.partition(":")
            if not sep or not name or not hashed.startswith("$argon2"):
                raise SettingsError(f"TRAINER_ACCOUNTS: {entry[:24]!r}... is not NAME:HASH; "
                                    "make one with `praxis trainer-password NAME`")
            out[name] = hashed
        return out

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def redis_url(self) -> str:
        auth = f":{quote(self.redis_password, safe='')}@" if self.redis_password else ""
        return f"redis://{auth}{self.redis_host}:{self.redis_port}/0"

    @property
    def rasa_push_url(self) -> str:
        return (self.rasa_internal_url or f"http://{self.host}:{self.rasa_port}").rstrip("/")

    def derived_key(self, purpose: str) -> bytes:
        """A key for one purpose (the trainer cookie, the push token), from the session key."""
        return hmac.new(self.session_key(), purpose.encode(), hashlib.sha256).digest()

    @property
    def group_push_token(self) -> str:
        """What the web app shows the Rasa server to push a trainer's next prompt."""
        return self.group_push_key or self.derived_key("group push").hex()

    @property
    def action_key(self) -> str:
        """What the Rasa server shows the action server on every call (``X-Praxis-Key``)."""
        return self.action_server_key or self.derived_key("action server").hex()

    @property
    def cookie_key(self) -> str:
        """What signs the trainer's dashboard cookie."""
        return self.trainer_cookie_key or self.derived_key("trainer cookie").hex()

    @property
    def action_url(self) -> str:
        """Where the Rasa server calls the actions (rasa-sdk's webhook)."""
        return (self.action_endpoint_url
                or f"http://{self.host}:{self.action_port}/webhook")

    @property
    def safety_url(self) -> str:
        """The action server's risk detector, beside its webhook."""
        return self.action_url.rstrip("/").removesuffix("/webhook") + "/safety"


def load(env_file: Path | None = None, environ: dict[str, str] | None = None) -> Settings:
    """Read settings: the process environment wins over ``.env``, which wins over defaults."""
    env_file = env_file or ROOT / ".env"
    environ = os.environ if environ is None else environ
    # A process started by the supervisor gets its settings, and only its own secrets, in its
    # environment: it does not read .env (which holds every secret).
    from_file = env_file.exists() and environ.get(SUPERVISED) != "1"
    values: dict[str, str | None] = dict(dotenv_values(env_file)) if from_file else {}
    values.update(environ)
    kwargs = {}
    for f in fields(Settings):
        raw = values.get(f.name.upper())
        if raw is None or raw == "":
            continue
        try:
            kwargs[f.name] = _cast(f.type, raw)
        except ValueError as exc:
            raise SettingsError(f"{f.name.upper()}={raw!r} is not a valid {f.type}") from exc
    settings = Settings(**kwargs)
    if settings.retrieval_method not in ("dense", "bm25", "hybrid"):
        raise SettingsError(f"RETRIEVAL_METHOD={settings.retrieval_method!r} is not one of "
                            "dense, bm25, hybrid")
    for name in ("session_secret", "action_server_key", "trainer_cookie_key", "group_push_key",
                 "rest_api_token"):
        value = getattr(settings, name)
        if value and len(value.encode()) < MIN_SECRET_BYTES:
            raise SettingsError(
                f"{name.upper()} is shorter than {MIN_SECRET_BYTES} bytes: make one with "
                "`python -c 'import secrets; print(secrets.token_hex(32))'`, or leave it empty "
                "for a generated key")
    if settings.embedding_precision not in ("auto", "float32", "bfloat16"):
        raise SettingsError(f"EMBEDDING_PRECISION={settings.embedding_precision!r} is not one "
                            "of auto, float32, bfloat16")
    return settings


def _cast(kind: object, raw: str) -> object:
    if kind in ("bool", bool):
        if raw.strip().lower() in ("1", "true", "yes", "on"):
            return True
        if raw.strip().lower() in ("0", "false", "no", "off"):
            return False
        raise ValueError(raw)
    if kind in ("int", int):
        return int(raw)
    if kind in ("float", float):
        return float(raw)
    return raw


_settings: Settings | None = None


def get() -> Settings:
    """The settings of this process, read once."""
    global _settings
    if _settings is None:
        _settings = load()
    return _settings
