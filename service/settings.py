"""Settings, parsed once from the environment into a typed object that is passed in.

Nothing in the service reads ``os.environ`` except :meth:`Settings.from_env`; tests build a
``Settings`` per configuration. Secret values are wrapped so that they never show in a repr,
a traceback or a log line.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
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


@dataclass(frozen=True)
class ListenAddress:
    """Where a listener binds: an IP address (IPv6 in brackets) and a port.

    Only addresses, no host names: which interface a listener is reachable on must not depend
    on what a name resolves to at start.
    """

    host: str
    port: int

    @classmethod
    def parse(cls, name: str, raw: str | None) -> ListenAddress | None:
        """``"127.0.0.1:9100"``, ``"0.0.0.0:9100"`` or ``"[::1]:9100"``; unset or empty: None."""
        if raw is None or not raw.strip():
            return None
        example = "e.g. 127.0.0.1:9100, 0.0.0.0:9100 or [::1]:9100"
        host, colon, port = raw.strip().rpartition(":")
        bracketed = host.startswith("[") and host.endswith("]")
        try:
            address = ip_address(host[1:-1] if bracketed else host)
        except ValueError:
            address = None
        if address is not None and address.version == 6 and not bracketed:
            raise SettingsError(f"{name}: put an IPv6 address in brackets, {example}; not {raw!r}")
        if not colon or address is None or (address.version == 4 and bracketed):
            raise SettingsError(f"{name} must be IP:PORT, {example}; not {raw!r}")
        if not (port.isascii() and port.isdigit() and 1 <= int(port) <= 65535):
            raise SettingsError(f"{name}: the port must be 1 to 65535, {example}; not {raw!r}")
        return cls(str(address), int(port))

    def __str__(self) -> str:
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self}"


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


def _rate_limit_env(
    env: Mapping[str, str], name: str, default: RateLimit | None
) -> RateLimit | None:
    raw = env.get(name)
    return default if raw is None or not raw.strip() else RateLimit.parse(name, raw)


def _int_env(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    return _number_env(env, name, default, low, high, int)


def _seconds_env(
    env: Mapping[str, str], name: str, default: float, low: float, high: float
) -> float:
    return _number_env(env, name, default, low, high, float)


def default_hash_concurrency() -> int:
    """The CPUs this process may run on, at most 4: more hashes at once would not finish
    sooner, and each holds 19 MiB (a container may see all of its host's CPUs)."""
    return max(1, min(len(os.sched_getaffinity(0)), 4))


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
    # HTTP limits of `serve` itself, a backstop behind the proxy that enforces its own
    # (deploy/nginx/): the request head (URL, header names and values) in bytes and in
    # headers (over either: 431), the seconds a client has to send a whole head (from
    # connecting or from the previous answer) and then its body, the open connections (over
    # it: 503) and how long an idle keep-alive connection stays open.
    max_header_bytes: int = 32 * 1024
    max_headers: int = 100
    header_timeout_seconds: float = 10.0
    max_connections: int = 1000
    keep_alive_seconds: int = 5  # whole seconds: uvicorn's timeout_keep_alive is an int
    study_cache_seconds: float = 2.0
    redis_timeout_seconds: float = 2.0
    # Request limits besides the study's per-address interval (None: off).
    rate_limit_per_ip: RateLimit | None = RateLimit(100, 600)
    # Sign-in emails a study sends (to its participants: nobody else gets one) per window; more
    # wait in the outbox, never refused, so no outsider can deny a participant their email.
    study_email_pace: RateLimit | None = RateLimit(1000, 60)
    # Sign-in emails one address gets per day; a request over it is answered as any other.
    sign_in_emails_per_day: int = 10
    # Failed sign-ins (any method) one client may make.
    rate_limit_failed_sign_ins_per_ip: RateLimit | None = RateLimit(50, 600)
    # Password checks and sign-ups (an argon2 hash each) per client and per address.
    rate_limit_passwords_per_ip: RateLimit | None = RateLimit(60, 600)
    rate_limit_passwords_per_address: RateLimit | None = RateLimit(10, 600)
    # argon2 hashes run at once in a process (about 19 MiB each); a few more may wait.
    password_hash_concurrency: int = field(default_factory=lambda: default_hash_concurrency())
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
    # GET /metrics (and /health) on a listener of their own (None: metrics are not served).
    # Never on the API port: the email counters would tell anyone who can ask for a sign-in
    # link which addresses have accounts.
    metrics_addr: ListenAddress | None = None

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
            max_header_bytes=_int_env(
                env, "MAGICLINK_MAX_HEADER_BYTES", cls.max_header_bytes, 1024, 1024 * 1024
            ),
            max_headers=_int_env(env, "MAGICLINK_MAX_HEADERS", cls.max_headers, 10, 1000),
            header_timeout_seconds=_seconds_env(
                env, "MAGICLINK_HEADER_TIMEOUT_SECONDS", cls.header_timeout_seconds, 0.5, 300
            ),
            max_connections=_int_env(
                env, "MAGICLINK_MAX_CONNECTIONS", cls.max_connections, 10, 100_000
            ),
            keep_alive_seconds=_int_env(
                env, "MAGICLINK_KEEP_ALIVE_SECONDS", cls.keep_alive_seconds, 1, 300
            ),
            rate_limit_per_ip=_rate_limit_env(
                env, "MAGICLINK_RATE_LIMIT_PER_IP", cls.rate_limit_per_ip
            ),
            study_email_pace=_rate_limit_env(
                env, "MAGICLINK_RATE_LIMIT_PER_STUDY", cls.study_email_pace
            ),
            sign_in_emails_per_day=_int_env(
                env, "MAGICLINK_SIGN_IN_EMAILS_PER_DAY", cls.sign_in_emails_per_day, 0, 1000
            ),
            rate_limit_failed_sign_ins_per_ip=_rate_limit_env(
                env,
                "MAGICLINK_RATE_LIMIT_FAILED_SIGN_INS_PER_IP",
                cls.rate_limit_failed_sign_ins_per_ip,
            ),
            rate_limit_passwords_per_ip=_rate_limit_env(
                env, "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_IP", cls.rate_limit_passwords_per_ip
            ),
            rate_limit_passwords_per_address=_rate_limit_env(
                env,
                "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_ADDRESS",
                cls.rate_limit_passwords_per_address,
            ),
            password_hash_concurrency=_int_env(
                env, "MAGICLINK_PASSWORD_HASH_CONCURRENCY", default_hash_concurrency(), 1, 64
            ),
            trusted_proxies=_networks(env.get("MAGICLINK_TRUSTED_PROXIES") or ""),
            metrics_addr=ListenAddress.parse(
                "MAGICLINK_METRICS_ADDR", env.get("MAGICLINK_METRICS_ADDR")
            ),
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
