"""Settings, parsed once from the environment into a typed object that is passed in.

Nothing in the service reads ``os.environ`` except :meth:`Settings.from_env`; tests build a
``Settings`` per configuration. Secret values are wrapped so that they never show in a repr,
a traceback or a log line.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

N = TypeVar("N", int, float)


class SettingsError(ValueError):
    """A configuration value is unusable; the message names the variable and the fix."""


@dataclass(frozen=True)
class Secret:
    """A secret string that hides itself from repr() and str()."""

    value: str = field(repr=False)

    def __repr__(self) -> str:
        return "Secret('********')"

    __str__ = __repr__


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: str  # "none", "starttls" or "implicit"
    username: str | None = None
    password: Secret | None = None

    @classmethod
    def from_url(cls, url: str) -> SmtpServer:
        name = "MAGICLINK_SMTP_URL"
        parts = urlsplit(url)
        if parts.scheme != "smtp":
            raise SettingsError(
                f"{name} must start with smtp://, e.g. smtp://user:pass@mail.example.org:587"
                "?tls=starttls"
            )
        if not parts.hostname:
            raise SettingsError(f"{name} has no host, e.g. smtp://mail.example.org:25")
        query = parse_qs(parts.query, keep_blank_values=True)
        unknown = sorted(set(query) - {"tls"})
        if unknown:
            raise SettingsError(f"{name} has unknown parameter {unknown[0]!r}; only 'tls' is known")
        tls = query.get("tls", ["none"])[-1]
        if tls not in ("none", "starttls", "implicit"):
            raise SettingsError(f"{name}: tls must be none, starttls or implicit, not {tls!r}")
        try:
            port = parts.port
        except ValueError as exc:
            raise SettingsError(f"{name} has an invalid port: {exc}") from None
        if port is None:
            port = {"none": 25, "starttls": 587, "implicit": 465}[tls]
        password = Secret(unquote(parts.password)) if parts.password is not None else None
        username = unquote(parts.username) if parts.username is not None else None
        return cls(parts.hostname, port, tls, username, password)


@dataclass(frozen=True)
class RateLimit:
    """At most ``limit`` events per ``window_seconds`` (a sliding window)."""

    limit: int
    window_seconds: int

    @classmethod
    def parse(cls, name: str, raw: str) -> RateLimit | None:
        """``"100/600"`` is 100 per 10 minutes; ``"0"`` or ``"off"`` turns the limit off."""
        value = raw.strip().lower()
        if value in ("0", "off"):
            return None
        count, slash, window = value.partition("/")
        if not slash or not count.isdigit() or not window.isdigit():
            raise SettingsError(
                f"{name} must look like COUNT/SECONDS, e.g. 100/600 for 100 per 10 minutes, "
                f"or 0 to turn it off; not {raw!r}"
            )
        if int(count) < 1 or not 1 <= int(window) <= 86400:
            raise SettingsError(f"{name}: COUNT must be at least 1 and SECONDS 1 to 86400")
        return cls(int(count), int(window))


def _networks(raw: str) -> tuple[IPv4Network | IPv6Network, ...]:
    networks = []
    for item in raw.split(","):
        if item.strip():
            try:
                networks.append(ip_network(item.strip(), strict=False))
            except ValueError:
                raise SettingsError(
                    f"MAGICLINK_TRUSTED_PROXIES: {item.strip()!r} is not an IP address or "
                    "network, e.g. 10.0.0.0/8,192.0.2.7"
                ) from None
    return tuple(networks)


def _absolute_url(name: str, raw: str | None) -> str | None:
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname:
        raise SettingsError(f"{name} must be an https URL, e.g. https://open.example.org")
    return raw.rstrip("/")


def _one_of(name: str, raw: str | None, choices: tuple[str, ...]) -> str:
    """The setting's value, one of ``choices`` (the first is the default)."""
    value = (raw or choices[0]).strip().lower()
    if value not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return value


def _number_env(
    env: Mapping[str, str], name: str, default: N, low: N, high: N, parse: Callable[[str], N]
) -> N:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    kind = "a whole number" if parse is int else "a number"
    try:
        value = parse(raw)
    except ValueError:
        raise SettingsError(f"{name} must be {kind}, not {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, not {raw.strip()}")
    return value


def _int_env(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    return _number_env(env, name, default, low, high, int)


def _seconds_env(
    env: Mapping[str, str], name: str, default: float, low: float, high: float
) -> float:
    return _number_env(env, name, default, low, high, float)


@dataclass(frozen=True)
class Settings:
    redis_url: str | None = field(default=None, repr=False)  # may hold a password
    smtp: SmtpServer | None = None
    mail_dir: Path = Path("outbox")
    mail_from: str = "magiclink <no-reply@localhost>"
    base_url: str = "http://127.0.0.1:8000"
    # The same service on a second host: the landing page's "Open the app" button points there,
    # because iOS ignores universal links tapped on the page's own host.
    link_alt_base_url: str | None = None
    admin_key: Secret | None = None
    # The first key signs (hashes new secrets); every key verifies, so keys can be rotated.
    secret_keys: tuple[Secret, ...] = field(
        default_factory=lambda: (Secret(secrets.token_hex(32)),)
    )
    secret_key_generated: bool = False
    log_level: str = "INFO"
    log_format: str = "json"  # or "text", easier on the eye on a laptop
    # Which requests get an access-log line: "errors" (answered 400 or above), "all", "off".
    # Metrics count every request; a line for each success costs the busiest paths a visible
    # share of their throughput (make bench measures it).
    access_log: str = "errors"
    session_ttl_seconds: int = 12 * 3600
    reauth_ttl_seconds: int = 30 * 24 * 3600
    max_body_bytes: int = 64 * 1024
    study_cache_seconds: float = 2.0
    redis_timeout_seconds: float = 2.0
    # Request limits besides the study's per-address interval (None: off).
    rate_limit_per_ip: RateLimit | None = RateLimit(100, 600)
    rate_limit_per_study: RateLimit | None = RateLimit(1000, 60)
    # X-Forwarded-For is believed only from these peers (load balancers, reverse proxies).
    trusted_proxies: tuple[IPv4Network | IPv6Network, ...] = ()
    # Delivery: SMTP connections kept open, per-message timeout, retries with exponential
    # backoff (base doubling up to max, with jitter), and the lease after which a job read by a
    # worker that died is taken over by another.
    smtp_pool_size: int = 4
    smtp_timeout_seconds: float = 30.0
    retry_base_seconds: float = 5.0
    retry_max_seconds: float = 900.0
    max_attempts: int = 10
    lease_seconds: float = 60.0
    poll_seconds: float = 0.5

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        redis_url = env.get("MAGICLINK_REDIS_URL") or None
        schemes = ("redis", "rediss", "redis+cluster", "redis+sentinel")
        if redis_url is not None and urlsplit(redis_url).scheme not in schemes:
            raise SettingsError(
                "MAGICLINK_REDIS_URL must start with redis://, rediss://, redis+cluster:// or "
                "redis+sentinel://, e.g. redis://127.0.0.1:6379/0 (leave it unset for the "
                "embedded store)"
            )
        smtp_url = env.get("MAGICLINK_SMTP_URL") or None
        base_url = (env.get("MAGICLINK_BASE_URL") or cls.base_url).rstrip("/")
        if urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).hostname:
            raise SettingsError(
                "MAGICLINK_BASE_URL must be an absolute http(s) URL, e.g. https://signin.example.org"
            )
        level = (env.get("MAGICLINK_LOG_LEVEL") or "INFO").upper()
        # An explicit list: libraries add names (uvicorn adds TRACE) once they are imported.
        if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise SettingsError(
                f"MAGICLINK_LOG_LEVEL must be one of DEBUG, INFO, WARNING, ERROR, not {level!r}"
            )
        raw_keys = env.get("MAGICLINK_SECRET_KEY") or ""
        keys = tuple(Secret(k.strip()) for k in raw_keys.split(",") if k.strip())
        if raw_keys.strip() and not keys:
            raise SettingsError("MAGICLINK_SECRET_KEY holds no key; leave it unset or give one")
        for key in keys:
            if len(key.value) < 16:
                raise SettingsError(
                    "each MAGICLINK_SECRET_KEY entry must be at least 16 characters; "
                    "generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
                )
        admin_key = env.get("MAGICLINK_ADMIN_KEY") or None
        if admin_key is not None and len(admin_key) < 16:
            raise SettingsError("MAGICLINK_ADMIN_KEY must be at least 16 characters")
        return cls(
            redis_url=redis_url,
            smtp=SmtpServer.from_url(smtp_url) if smtp_url else None,
            mail_dir=Path(env.get("MAGICLINK_MAIL_DIR") or "outbox"),
            mail_from=env.get("MAGICLINK_MAIL_FROM") or cls.mail_from,
            base_url=base_url,
            link_alt_base_url=_absolute_url(
                "MAGICLINK_LINK_ALT_BASE_URL", env.get("MAGICLINK_LINK_ALT_BASE_URL")
            ),
            admin_key=Secret(admin_key) if admin_key else None,
            secret_keys=keys or (Secret(secrets.token_hex(32)),),
            secret_key_generated=not keys,
            log_level=level,
            log_format=_one_of(
                "MAGICLINK_LOG_FORMAT", env.get("MAGICLINK_LOG_FORMAT"), ("json", "text")
            ),
            access_log=_one_of(
                "MAGICLINK_ACCESS_LOG", env.get("MAGICLINK_ACCESS_LOG"), ("errors", "all", "off")
            ),
            session_ttl_seconds=_int_env(
                env, "MAGICLINK_SESSION_TTL_SECONDS", cls.session_ttl_seconds, 60, 30 * 86400
            ),
            rate_limit_per_ip=RateLimit.parse(
                "MAGICLINK_RATE_LIMIT_PER_IP", env.get("MAGICLINK_RATE_LIMIT_PER_IP") or "100/600"
            ),
            rate_limit_per_study=RateLimit.parse(
                "MAGICLINK_RATE_LIMIT_PER_STUDY",
                env.get("MAGICLINK_RATE_LIMIT_PER_STUDY") or "1000/60",
            ),
            trusted_proxies=_networks(env.get("MAGICLINK_TRUSTED_PROXIES") or ""),
            smtp_pool_size=_int_env(env, "MAGICLINK_SMTP_POOL_SIZE", cls.smtp_pool_size, 1, 64),
            smtp_timeout_seconds=_seconds_env(
                env, "MAGICLINK_SMTP_TIMEOUT_SECONDS", cls.smtp_timeout_seconds, 1, 600
            ),
            retry_base_seconds=_seconds_env(
                env, "MAGICLINK_RETRY_BASE_SECONDS", cls.retry_base_seconds, 0.05, 3600
            ),
            retry_max_seconds=_seconds_env(
                env, "MAGICLINK_RETRY_MAX_SECONDS", cls.retry_max_seconds, 0.05, 86400
            ),
            max_attempts=_int_env(env, "MAGICLINK_DELIVERY_ATTEMPTS", cls.max_attempts, 1, 100),
            lease_seconds=_seconds_env(
                env, "MAGICLINK_LEASE_SECONDS", cls.lease_seconds, 0.5, 3600
            ),
        )
