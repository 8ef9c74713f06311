"""Configuration: a YAML file (config.example.yaml documents every key) plus the environment.

Strict like the catalogue: an unknown or ill-typed key is one clear line naming the key.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.config_reader import ConfigError as ConfigError
from bot.config_reader import SectionReader as _Reader
from bot.delivery.settings import DeliveryConfig
from bot.groups.policy import GroupPolicy, WatchMode
from bot.locale import LANGUAGES
from bot.matching.matcher import SIBLING_MARGIN, Thresholds
from bot.matching.normalize import folded
from bot.signs.reader import DEFAULT_THRESHOLD as DEFAULT_SIGNS_THRESHOLD
from bot.store.postgres import PostgresUrl, is_postgres_url, postgres_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_CATALOGUE = PROJECT_ROOT / "data" / "known_rumors.yaml"
DEFAULT_CONFIG_FILE = Path("config.yaml")
TOKEN_ENV = "TELEGRAM_BOT_TOKEN"
ZALO_TOKEN_ENV = "ZALO_BOT_TOKEN"
ZALO_SECRET_ENV = "ZALO_WEBHOOK_SECRET"
TELEGRAM_SECRET_ENV = "TELEGRAM_WEBHOOK_SECRET"
# What BotFather hands out: the bot's numeric id, a colon, then the secret part. Checked at load so a
# token pasted with a quote, a space or half missing is one config line, not a 401 at the first call.
TELEGRAM_TOKEN = re.compile(r"\d{3,}:[A-Za-z0-9_-]{20,}")
# Telegram accepts 1-256 of these in X-Telegram-Bot-Api-Secret-Token (setWebhook's secret_token).
TELEGRAM_SECRET = re.compile(r"[A-Za-z0-9_-]{8,256}")
DEFAULT_ZALO_BASE_URL = "https://bot-api.zaloplatforms.com/bot"
ZALO_BASIC_PLAN_QUOTA = 3000  # outbound messages a month on Zalo's Basic plan (2026)
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
DEFAULT_BASE_FILE_URL = "https://api.telegram.org/file/bot"

# Band thresholds on the matcher's 0-100 score (bot/matching/lexical.py), chosen with
# `kiemchung eval --rumors ../shared/eval/dev/catalogue.yaml --cases ../shared/eval/dev/cases.yaml`
# on the 299 dev cases (sweep of both thresholds, see bench/README.md):
# - match 60: the highest negative scored 43.8, so 60 leaves a wide margin (a wrong warning in a
#   group costs more than a miss) and still puts 89 % of the non-paraphrase positives in `match`
#   (55 would give 93 %, with half the margin);
# - possible 35: chosen on real forms with the register signal (bot/matching/register.py; bench/README.md,
#   "The register of a message"), each set measured by a register model not trained on it
#   (`bench/register_eval.py --possible P`): 35 / 38 / 40 / 45 name the right entry for 91.5 / 90.0 /
#   86.2 / 83.8 % of the realistic set and 90.7 / 88.5 / 86.3 / 79.8 % of the blind realistic set, with
#   2 / 1 / 0 / 0 and 6 / 5 / 4 / 3 innocent texts (genuine notices, official warnings, news on an entry's
#   topic) in `possible`, none in `match`: the 12 % target holds at each, so 35, which names the most
#   (scams helped 97.9 and 85.5 %, 80.3 % on the blind set at 40). At 45 without the register (the
#   default before it) 9 and 7 innocent texts were in `possible` and 1 and 4 in `match`. On the dev set
#   2 of 100 negatives are in `possible`. A message below it is answered "not in the catalogue";
#   officers still see its best candidate in the review queue.
DEFAULT_MATCH_THRESHOLD = 60.0
DEFAULT_POSSIBLE_THRESHOLD = 35.0
# The sibling margin (two entries within it are both possible, neither the match) defaults to
# SIBLING_MARGIN of bot/matching/matcher.py, where its measurement is.
# The optional semantic signal's threshold (bot/matching/semantic.py, score 0-1), chosen with
# `bench/semantic_sweep.py` on the 299 dev cases: from 0.400 to 0.409 both targets hold (30 of the
# 35 paraphrases found, 8 to 10 of the 100 negatives shown as possible); 0.405 is the middle.
# Lower finds more retellings and shows more topic neighbours (0.38: 32/35 and 12/100).
DEFAULT_SEMANTIC_THRESHOLD = 0.405


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    base_url: str = DEFAULT_BASE_URL
    base_file_url: str = DEFAULT_BASE_FILE_URL
    poll_timeout: int = 30  # seconds a getUpdates long poll may wait
    mode: str = "polling"  # polling | webhook
    webhook_url: str = ""  # the public https URL Telegram posts to (webhook mode)
    secret_token: str = ""  # Telegram sends it back in every webhook call's header
    listen: tuple[str, int] = ("127.0.0.1", 8444)  # where the webhook server listens (behind the proxy)
    max_connections: int = 40  # Telegram's default; setWebhook allows 1-100

    @property
    def webhook_path(self) -> str:
        return url_path(self.webhook_url)


def url_path(url: str) -> str:
    """The path part of a webhook URL, which the local server serves."""
    rest = url.split("://", 1)[-1]
    return "/" + rest.split("/", 1)[1] if "/" in rest else "/"


@dataclass(frozen=True)
class ZaloConfig:
    token: str = ""
    base_url: str = DEFAULT_ZALO_BASE_URL
    mode: str = "polling"  # polling | webhook
    webhook_url: str = ""  # the public https URL Zalo posts to (webhook mode)
    secret_token: str = ""  # checked on every webhook call (8-256 characters)
    listen: tuple[str, int] = ("127.0.0.1", 8443)  # where the webhook server listens
    officers: tuple[str, ...] = ()  # Zalo user ids of officers
    monthly_quota: int = ZALO_BASIC_PLAN_QUOTA
    quota_warning: float = 0.8  # warn officers when this share of the quota is used
    poll_timeout: int = 30

    @property
    def webhook_path(self) -> str:
        return url_path(self.webhook_url)


WEEKDAYS = {name: number for number, names in enumerate((
    ("monday", "mon", "thu2", "thuhai"), ("tuesday", "tue", "thu3", "thuba"), ("wednesday", "wed", "thu4", "thutu"),
    ("thursday", "thu", "thu5", "thunam"), ("friday", "fri", "thu6", "thusau"), ("saturday", "sat", "thu7", "thubay"),
    ("sunday", "sun", "cn", "chunhat"),
)) for name in names}


@dataclass(frozen=True)
class DigestConfig:
    """The weekly statistics posted to officers_chat."""

    enabled: bool = True
    weekday: int = 0  # Monday = 0 … Sunday = 6
    hour: int = 8  # Vietnam time (UTC+7): before the officers' Monday meeting


@dataclass(frozen=True)
class SemanticConfig:
    """The optional semantic signal for retellings (`pip install 'kiemchung[semantic]'`)."""

    enabled: bool = False
    threshold: float = DEFAULT_SEMANTIC_THRESHOLD
    cache: Path | None = None  # wordings' encodings kept across restarts; None keeps them in memory


@dataclass(frozen=True)
class IndicatorsConfig:
    # Scam-domain lists (one domain a line, hosts lines accepted) read besides the shipped one and
    # reloaded when they change; `kiemchung blocklist fetch URL -o FILE` keeps one up to date.
    scam_domain_lists: tuple[Path, ...] = ()


@dataclass(frozen=True)
class SignsConfig:
    """Scam signs of messages no entry describes (bot/signs); the threshold's measurement is
    beside DEFAULT_THRESHOLD in bot/signs/reader.py."""

    threshold: float = DEFAULT_SIGNS_THRESHOLD


@dataclass(frozen=True)
class HttpConfig:
    """GET /healthz and GET /metrics (handlers/http); off unless `http.listen` is set."""

    listen: tuple[str, int] | None = None


@dataclass(frozen=True)
class WebConfig:
    """The officers' web desk (handlers/web); off unless `web.listen` is set."""

    listen: tuple[str, int] | None = None
    public_url: str = ""  # what officers open, no trailing slash; https:// makes the session cookie Secure

    @property
    def secure(self) -> bool:
        return self.public_url.startswith("https://")


@dataclass(frozen=True)
class Config:
    telegram: TelegramConfig = field(default_factory=TelegramConfig)
    zalo: ZaloConfig = field(default_factory=ZaloConfig)
    database: Path | PostgresUrl = Path("kiemchung.db")  # an SQLite file, or PostgreSQL by its URL
    catalogue: Path = SHIPPED_CATALOGUE
    owners: tuple[int, ...] = ()
    officers: tuple[int, ...] = ()
    officers_chat: int | None = None
    language: str = "vi"
    thresholds: Thresholds = field(
        default_factory=lambda: Thresholds(DEFAULT_MATCH_THRESHOLD, DEFAULT_POSSIBLE_THRESHOLD)
    )
    semantic: SemanticConfig = field(default_factory=SemanticConfig)
    indicators: IndicatorsConfig = field(default_factory=IndicatorsConfig)
    signs: SignsConfig = field(default_factory=SignsConfig)
    groups: GroupPolicy = field(default_factory=GroupPolicy)
    digest: DigestConfig = field(default_factory=DigestConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)
    web: WebConfig = field(default_factory=WebConfig)
    # A person's private messages the bot answers in any minute; past it one notice, then silence.
    # 20: forwarding rumors one by one, or stepping through /them, stays far below it (the e2e
    # tests never send more than 8 a minute from one person); a flood costs at most 21 replies a minute.
    private_messages_per_minute: int = 20
    retention_days: int | None = None  # report texts older than this are blanked daily; None keeps them
    log_level: str = "INFO"
    source: str = "built-in defaults"  # where this configuration came from, for messages

    @property
    def secrets(self) -> tuple[str, ...]:
        """Strings that must never reach a log."""
        password = self.database.password if isinstance(self.database, PostgresUrl) else ""
        return tuple(s for s in (password, self.telegram.token, self.telegram.secret_token, self.zalo.token,
                                 self.zalo.secret_token) if s)


def parse_semantic(section: _Reader, database: Path | PostgresUrl, base: Path) -> SemanticConfig:
    section.check_known({"enabled", "threshold", "cache"})
    beside = database if isinstance(database, Path) else base / "kiemchung.db"  # a server has no folder
    cache = section.path("cache", beside.with_name(f"{beside.stem}-embeddings.npz"), base)
    return SemanticConfig(
        enabled=section.flag("enabled", False),
        threshold=section.number("threshold", DEFAULT_SEMANTIC_THRESHOLD, 0, 1),
        cache=cache,
    )


def parse_groups(section: _Reader) -> GroupPolicy:
    section.check_known({"default_mode", "warn_cooldown_hours", "min_warn_words", "checks_per_minute"})
    defaults = GroupPolicy()
    raw_mode = section.data.get("default_mode")
    if isinstance(raw_mode, bool):  # YAML reads an unquoted off/on as false/true
        mode = WatchMode.WARN.value if raw_mode else WatchMode.OFF.value
    else:
        mode = section.text("default_mode", defaults.default_mode.value)
    if mode not in set(WatchMode):
        raise section.fail("default_mode", f"must be one of {', '.join(WatchMode)}, got {mode!r}")
    hours = section.number("warn_cooldown_hours", defaults.warn_cooldown.total_seconds() / 3600, 0, 24 * 30)
    return GroupPolicy(
        default_mode=WatchMode(mode),
        warn_cooldown=dt.timedelta(hours=hours),
        min_warn_words=int(section.number("min_warn_words", defaults.min_warn_words, 1, 200)),
        checks_per_minute=int(section.number("checks_per_minute", defaults.checks_per_minute, 1, 60)),
    )


def parse_digest(top: _Reader) -> DigestConfig:
    """`digest: {weekday: monday, hour: 8}`, or `digest: off` (YAML reads an unquoted off as false)."""
    raw = top.data.get("digest")
    if raw is False or (isinstance(raw, str) and raw.strip().lower() in ("off", "tat", "tắt", "none")):
        return DigestConfig(enabled=False)
    if raw is True:
        return DigestConfig()
    section = top.section("digest")
    section.check_known({"weekday", "hour"})
    defaults = DigestConfig()
    weekday = section.data.get("weekday")
    number = defaults.weekday
    if weekday is not None:
        key = folded(str(weekday)).replace(" ", "")
        if key not in WEEKDAYS:
            raise section.fail("weekday", f"must be a day name such as monday or sunday, got {weekday!r}")
        number = WEEKDAYS[key]
    return DigestConfig(True, number, int(section.number("hour", defaults.hour, 0, 23)))


def parse_config(data: Any, origin: str, base: Path, environ: Mapping[str, str]) -> Config:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"{origin}: must be a mapping of keys to values")
    top = _Reader(data, "", origin)
    top.check_known({"telegram", "zalo", "database", "catalogue", "owners", "officers", "officers_chat",
                     "language", "matching", "groups", "digest", "delivery", "log_level",
                     "private_messages_per_minute", "retention_days", "indicators", "signs", "http", "web"})
    tg = top.section("telegram")
    tg.check_known({"token", "base_url", "base_file_url", "poll_timeout", "mode", "webhook_url", "secret_token",
                    "listen", "max_connections"})
    zalo = parse_zalo(top.section("zalo"), environ)
    matching = top.section("matching")
    matching.check_known({"match_threshold", "possible_threshold", "sibling_margin", "semantic"})
    token = environ.get(TOKEN_ENV, "").strip() or tg.text("token", "")
    if token and not TELEGRAM_TOKEN.fullmatch(token):  # never echoed: even a broken token is a secret
        raise tg.fail("token", f"(or {TOKEN_ENV}) is not a bot token of the form <digits>:<letters> "
                      "that BotFather gives")
    mode, webhook_url, secret = webhook_settings(tg, environ, TELEGRAM_SECRET_ENV, bool(token))
    if mode == "webhook" and token and not TELEGRAM_SECRET.fullmatch(secret):
        raise tg.fail("secret_token", f"webhook mode needs 8-256 letters, digits, _ or - (or {TELEGRAM_SECRET_ENV})")
    language = top.text("language", "vi")
    if language not in LANGUAGES:
        raise top.fail("language", f"must be one of {', '.join(LANGUAGES)}, got {language!r}")
    match_threshold = matching.number("match_threshold", DEFAULT_MATCH_THRESHOLD, 0, 100)
    possible_threshold = matching.number("possible_threshold", DEFAULT_POSSIBLE_THRESHOLD, 0, 100)
    if possible_threshold > match_threshold:
        raise matching.fail("possible_threshold", "must not be above match_threshold")
    sibling_margin = matching.number("sibling_margin", SIBLING_MARGIN, 0, 100)
    database = parse_database(top, base, environ)
    indicators = top.section("indicators")
    indicators.check_known({"scam_domain_lists"})
    signs = top.section("signs")
    signs.check_known({"threshold"})
    groups = parse_groups(top.section("groups"))
    retention = top.number("retention_days", 0, 1, 36500) if top.data.get("retention_days") is not None else None
    log_level = top.text("log_level", "INFO").upper()
    if log_level not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
        raise top.fail("log_level", f"must be DEBUG, INFO, WARNING or ERROR, got {log_level!r}")
    return Config(
        telegram=TelegramConfig(
            token=token,
            base_url=tg.base_url("base_url", DEFAULT_BASE_URL),
            base_file_url=tg.text("base_file_url", DEFAULT_BASE_FILE_URL),
            poll_timeout=int(tg.number("poll_timeout", 30, 0, 50)),
            mode=mode,
            webhook_url=webhook_url,
            secret_token=secret,
            listen=tg.listen("listen", ("127.0.0.1", 8444)),
            max_connections=int(tg.number("max_connections", 40, 1, 100)),
        ),
        zalo=zalo,
        database=database,
        catalogue=catalogue_path(top, base),
        owners=top.ids("owners"),
        officers=top.ids("officers"),
        officers_chat=top.optional_id("officers_chat"),
        language=language,
        thresholds=Thresholds(match_threshold, possible_threshold, sibling_margin),
        semantic=parse_semantic(matching.section("semantic"), database, base),
        indicators=IndicatorsConfig(indicators.paths("scam_domain_lists", base)),
        signs=SignsConfig(signs.number("threshold", DEFAULT_SIGNS_THRESHOLD, 0, 10)),
        groups=groups,
        digest=parse_digest(top),
        http=parse_http(top.section("http")),
        delivery=parse_delivery(top.section("delivery")),
        web=parse_web(top.section("web")),
        private_messages_per_minute=int(top.number("private_messages_per_minute", 20, 1, 1000)),
        retention_days=int(retention) if retention is not None else None,
        log_level=log_level,
        source=origin,
    )


def parse_database(top: _Reader, base: Path, environ: Mapping[str, str]) -> Path | PostgresUrl:
    """A file path (SQLite), or a PostgreSQL URL (bot/store/postgres.py: `postgres_url`)."""
    raw = top.data.get("database")
    if not (isinstance(raw, str) and is_postgres_url(raw.strip())):
        return top.path("database", base / "kiemchung.db", base)
    try:
        return postgres_url(raw.strip(), environ)
    except ValueError as exc:
        raise top.fail("database", str(exc)) from None


def parse_zalo(section: _Reader, environ: Mapping[str, str]) -> ZaloConfig:
    section.check_known({"token", "base_url", "mode", "webhook_url", "secret_token", "listen", "officers",
                         "monthly_quota", "quota_warning", "poll_timeout"})
    base_url = section.base_url("base_url", DEFAULT_ZALO_BASE_URL)
    token = environ.get(ZALO_TOKEN_ENV, "").strip() or section.text("token", "")
    if any(ch.isspace() for ch in token):
        raise section.fail("token", f"(or {ZALO_TOKEN_ENV}) holds a space or a line break")
    mode, webhook_url, secret = webhook_settings(section, environ, ZALO_SECRET_ENV, bool(token))
    if mode == "webhook" and token and not 8 <= len(secret) <= 256:
        raise section.fail("secret_token", f"webhook mode needs 8-256 characters (or {ZALO_SECRET_ENV})")
    return ZaloConfig(
        token=token,
        base_url=base_url,
        mode=mode,
        webhook_url=webhook_url,
        secret_token=secret,
        listen=section.listen("listen", ("127.0.0.1", 8443)),
        officers=section.texts("officers"),
        monthly_quota=int(section.number("monthly_quota", ZALO_BASIC_PLAN_QUOTA, 1, 10_000_000)),
        quota_warning=section.number("quota_warning", 0.8, 0.01, 1),
        poll_timeout=int(section.number("poll_timeout", 30, 1, 60)),
    )


def parse_delivery(section: _Reader) -> DeliveryConfig:
    section.check_known({"give_up_hours", "shutdown_seconds", "lease_seconds"})
    defaults = DeliveryConfig()
    return DeliveryConfig(section.number("give_up_hours", defaults.give_up_hours, 0.1, 24 * 30),
                          section.number("shutdown_seconds", defaults.shutdown_seconds, 1, 300),
                          section.number("lease_seconds", defaults.lease_seconds, 1, 3600))


def parse_http(section: _Reader) -> HttpConfig:
    section.check_known({"listen"})
    return HttpConfig(section.listen("listen", ("", 0)) if section.data.get("listen") is not None else None)


def parse_web(section: _Reader) -> WebConfig:
    section.check_known({"listen", "public_url"})
    if section.data.get("listen") is None:
        return WebConfig()
    listen = section.listen("listen", ("", 0))
    public_url = section.text("public_url", "").rstrip("/")
    if not public_url:
        raise section.fail("public_url", "web.listen needs the address officers open (https://... behind a proxy)")
    if not public_url.startswith(("http://", "https://")) or any(ch in public_url for ch in "?#"):
        raise section.fail("public_url", f"must be an http:// or https:// address, got {public_url!r}")
    return WebConfig(listen, public_url)


def catalogue_path(top: _Reader, base: Path) -> Path:
    """The configured catalogue; the shipped one's relative name (config.example.yaml's value) still
    finds the shipped file when the config was copied to a folder that has no data/ beside it."""
    path = top.path("catalogue", SHIPPED_CATALOGUE, base)
    shipped_name = SHIPPED_CATALOGUE.relative_to(PROJECT_ROOT)
    if not path.exists() and Path(str(top.data.get("catalogue", "")).strip()) == shipped_name:
        return SHIPPED_CATALOGUE
    return path


def webhook_settings(section: _Reader, environ: Mapping[str, str], secret_env: str,
                     has_token: bool) -> tuple[str, str, str]:
    """mode, webhook_url and secret_token, the same for every platform (the environment's secret wins)."""
    mode = section.text("mode", "polling")
    if mode not in ("polling", "webhook"):
        raise section.fail("mode", f"must be polling or webhook, got {mode!r}")
    secret = environ.get(secret_env, "").strip() or section.text("secret_token", "")
    webhook_url = section.text("webhook_url", "")
    if mode == "webhook" and has_token and not webhook_url.startswith("https://"):
        raise section.fail("webhook_url", "webhook mode needs the public https:// URL the platform posts to")
    return mode, webhook_url, secret


def load_config(path: Path | None = None, environ: Mapping[str, str] | None = None) -> Config:
    """Read `path`, else ./config.yaml if it exists, else the built-in defaults."""
    environ = os.environ if environ is None else environ
    if path is None:
        if not DEFAULT_CONFIG_FILE.exists():
            return parse_config({}, "built-in defaults", Path.cwd(), environ)
        path = DEFAULT_CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else "unknown line"
        raise ConfigError(f"{path}: not valid YAML at {where}: {getattr(exc, 'problem', exc)}") from exc
    return parse_config(data, str(path), path.resolve().parent, environ)
