"""Settings, read once from the environment into a typed object that is passed in.

Nothing in the service reads ``os.environ`` except :meth:`Settings.from_env` (the CLI hands it
``os.environ``); tests build a ``Settings`` per configuration. Secrets are
:class:`pydantic.SecretStr`: they never show in a repr, a traceback or a log line.

Each setting is a field; its variable is ``MAGICLINK_`` and the field's name in upper case,
unless the field names another (``validation_alias``); a field marked ``CODE_ONLY`` has none. A
variable's value is text: its field's :class:`FromText` parses it and holds it to the bounds an
operator may choose, and a bad one stops the process with a message naming the variable and the
fix. Code passes typed values, taken as they are (a test may use a one-second session).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from pydantic import BaseModel, Field, InstanceOf, SecretStr, ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict

ENV_PREFIX: Final = "MAGICLINK_"

N = TypeVar("N", int, float)


class SettingsError(ValueError):
    """A configuration value is unusable; the message names the variable and the fix."""


# --- value types, each parsed from its variable's text -------------------------------------


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    tls: str  # "none", "starttls" or "implicit"
    username: str | None = None
    password: SecretStr | None = None

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
        password = SecretStr(unquote(parts.password)) if parts.password is not None else None
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


# --- parsers of a variable's text: (variable, text) -> value, or SettingsError -------------


@dataclass(frozen=True)
class FromText:
    """How a field's variable is read (``Annotated`` metadata): ``parse(variable, text)``.

    Only :meth:`Settings.from_env` parses; code passes typed values, which pydantic checks
    without calling back into Python (tests build thousands of Settings).
    """

    parse: Callable[[str, str], object]


def _number(parse: Callable[[str], N], low: N, high: N) -> FromText:
    kind = "a whole number" if parse is int else "a number"

    def number(name: str, raw: str) -> N:
        try:
            value = parse(raw)
        except ValueError:
            raise SettingsError(f"{name} must be {kind}, not {raw!r}") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, not {raw.strip()}")
        return value

    return FromText(number)


def _whole(low: int, high: int) -> FromText:
    return _number(int, low, high)


def _seconds(low: float, high: float) -> FromText:
    return _number(float, low, high)


def _one_of(*choices: str) -> FromText:
    def one_of(name: str, raw: str) -> str:
        value = raw.strip().lower()
        if value not in choices:
            raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
        return value

    return FromText(one_of)


def _redis_url(name: str, raw: str) -> str:
    if urlsplit(raw).scheme not in ("redis", "rediss", "redis+cluster", "redis+sentinel"):
        raise SettingsError(
            f"{name} must start with redis://, rediss://, redis+cluster:// or "
            "redis+sentinel://, e.g. redis://127.0.0.1:6379/0 (leave it unset for the "
            "embedded store)"
        )
    return raw


def _base_url(name: str, raw: str) -> str:
    url = raw.rstrip("/")
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        raise SettingsError(
            f"{name} must be an absolute http(s) URL, e.g. https://signin.example.org"
        )
    return url


def _https_url(name: str, raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme != "https" or not parts.hostname:
        raise SettingsError(f"{name} must be an https URL, e.g. https://open.example.org")
    return raw.rstrip("/")


def _log_level(name: str, raw: str) -> str:
    level = raw.upper()
    # An explicit list: libraries add names (uvicorn adds TRACE) once they are imported.
    if level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
        raise SettingsError(f"{name} must be one of DEBUG, INFO, WARNING, ERROR, not {level!r}")
    return level


def _admin_key(name: str, raw: str) -> SecretStr:
    if len(raw) < 16:
        raise SettingsError(f"{name} must be at least 16 characters")
    return SecretStr(raw)


def _secret_keys(name: str, raw: str) -> tuple[SecretStr, ...]:
    keys = tuple(SecretStr(key.strip()) for key in raw.split(",") if key.strip())
    if not keys:
        raise SettingsError(f"{name} holds no key; leave it unset or give one")
    if any(len(key.get_secret_value()) < 16 for key in keys):
        raise SettingsError(
            f"each {name} entry must be at least 16 characters; "
            "generate one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
        )
    return keys


def _networks(name: str, raw: str) -> tuple[IPv4Network | IPv6Network, ...]:
    networks = []
    for item in raw.split(","):
        if item.strip():
            try:
                networks.append(ip_network(item.strip(), strict=False))
            except ValueError:
                raise SettingsError(
                    f"{name}: {item.strip()!r} is not an IP address or network, "
                    "e.g. 10.0.0.0/8,192.0.2.7"
                ) from None
    return tuple(networks)


def _smtp(name: str, raw: str) -> SmtpServer:
    return SmtpServer.from_url(raw)


def _generated_key() -> tuple[SecretStr, ...]:
    return (SecretStr(secrets.token_hex(32)),)


def default_hash_concurrency() -> int:
    """The CPUs this process may run on, at most 4: more hashes at once would not finish
    sooner, and each holds 19 MiB (a container may see all of its host's CPUs)."""
    return max(1, min(len(os.sched_getaffinity(0)), 4))


class _CodeOnly:
    """Marks a field no variable sets (``Annotated[float, CODE_ONLY]``): code chooses it."""


CODE_ONLY: Final = _CodeOnly()

RateLimitSetting = Annotated[InstanceOf[RateLimit] | None, FromText(RateLimit.parse)]


class Settings(BaseSettings):
    """Everything the service is configured with: from the environment by :meth:`from_env`,
    or built in code (tests); frozen, changed only into a copy by :meth:`replace`."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        case_sensitive=False,  # matched in upper case only, by _Environment
        frozen=True,
        extra="forbid",
        validate_default=False,  # defaults are typed values already
        validate_by_name=True,  # Settings(smtp=...) next to MAGICLINK_SMTP_URL
        validate_by_alias=True,
    )

    redis_url: Annotated[str | None, FromText(_redis_url)] = Field(
        default=None,
        repr=False,  # may hold a password
    )
    smtp: Annotated[InstanceOf[SmtpServer] | None, FromText(_smtp)] = Field(
        default=None, validation_alias="MAGICLINK_SMTP_URL"
    )
    mail_dir: Path = Path("outbox")
    mail_from: str = "magiclink <no-reply@localhost>"
    base_url: Annotated[str, FromText(_base_url)] = "http://127.0.0.1:8000"
    # The same service on a second host: the landing page's "Open the app" button points there,
    # because iOS ignores universal links tapped on the page's own host.
    link_alt_base_url: Annotated[str | None, FromText(_https_url)] = None
    admin_key: Annotated[SecretStr | None, FromText(_admin_key)] = None
    # The first key signs (hashes new secrets); every key verifies, so keys can be rotated.
    secret_keys: Annotated[tuple[SecretStr, ...], FromText(_secret_keys)] = Field(
        default_factory=_generated_key, validation_alias="MAGICLINK_SECRET_KEY"
    )
    # No MAGICLINK_SECRET_KEY: secret_keys holds a key made for this process (from_env says so).
    secret_key_generated: Annotated[bool, CODE_ONLY] = False
    log_level: Annotated[str, FromText(_log_level)] = "INFO"
    log_format: Annotated[str, _one_of("json", "text")] = "json"  # text: easier on the eye
    # Which requests get an access-log line: "errors" (answered 400 or above), "all", "off".
    # Metrics count every request; a line for each success costs the busiest paths a visible
    # share of their throughput (make bench measures it).
    access_log: Annotated[str, _one_of("errors", "all", "off")] = "errors"
    session_ttl_seconds: Annotated[int, _whole(60, 30 * 86400)] = 12 * 3600
    # The `environment` every session names (Bridge's Environment); apps may switch on it.
    environment: Annotated[str, _one_of("local", "develop", "staging", "production")] = "production"
    reauth_ttl_seconds: Annotated[int, CODE_ONLY] = 30 * 24 * 3600
    max_body_bytes: Annotated[int, CODE_ONLY] = 64 * 1024
    # HTTP limits of `serve` itself, a backstop behind the proxy that enforces its own
    # (deploy/nginx/): the request head (URL, header names and values) in bytes and in
    # headers (over either: 431), the seconds a client has to send a whole head (from
    # connecting or from the previous answer) and then its body, the open connections (over
    # it: 503) and how long an idle keep-alive connection stays open.
    max_header_bytes: Annotated[int, _whole(1024, 1024 * 1024)] = 32 * 1024
    max_headers: Annotated[int, _whole(10, 1000)] = 100
    header_timeout_seconds: Annotated[float, _seconds(0.5, 300)] = 10.0
    max_connections: Annotated[int, _whole(10, 100_000)] = 1000
    # Whole seconds: uvicorn's timeout_keep_alive is an int.
    keep_alive_seconds: Annotated[int, _whole(1, 300)] = 5
    study_cache_seconds: Annotated[float, CODE_ONLY] = 2.0
    redis_timeout_seconds: Annotated[float, CODE_ONLY] = 2.0
    # Durable accept: a link request is answered 202 only once this many replicas of the
    # outbox's master have its job (Redis WAIT); else 503. 0: answered once the master has it.
    accept_replicas: Annotated[int, _whole(0, 16)] = 0
    # How long a request waits for those replicas before it is refused.
    accept_replicas_timeout_seconds: Annotated[float, CODE_ONLY] = 0.5
    # Request limits besides the study's per-address interval (None: off).
    rate_limit_per_ip: RateLimitSetting = RateLimit(100, 600)
    # Sign-in emails a study sends (to its participants: nobody else gets one) per window; more
    # wait in the outbox, never refused, so no outsider can deny a participant their email.
    study_email_pace: RateLimitSetting = Field(
        default=RateLimit(1000, 60), validation_alias="MAGICLINK_RATE_LIMIT_PER_STUDY"
    )
    # Sign-in emails one address gets per day; a request over it is answered as any other.
    sign_in_emails_per_day: Annotated[int, _whole(0, 1000)] = 10
    # Failed sign-ins (any method) one client may make.
    rate_limit_failed_sign_ins_per_ip: RateLimitSetting = RateLimit(50, 600)
    # Password checks and sign-ups (an argon2 hash each) per client and per address.
    rate_limit_passwords_per_ip: RateLimitSetting = RateLimit(60, 600)
    rate_limit_passwords_per_address: RateLimitSetting = RateLimit(10, 600)
    # argon2 hashes run at once in a process (about 19 MiB each); a few more may wait.
    password_hash_concurrency: Annotated[int, _whole(1, 64)] = Field(
        default_factory=default_hash_concurrency
    )
    # X-Forwarded-For is believed only from these peers (load balancers, reverse proxies).
    trusted_proxies: Annotated[tuple[IPv4Network | IPv6Network, ...], FromText(_networks)] = ()
    # Delivery: SMTP connections kept open, per-message timeout, retries with exponential
    # backoff (base doubling up to max, with jitter), and the lease after which a job read by a
    # worker that died is taken over by another.
    smtp_pool_size: Annotated[int, _whole(1, 64)] = 4
    smtp_timeout_seconds: Annotated[float, _seconds(1, 600)] = 30.0
    retry_base_seconds: Annotated[float, _seconds(0.05, 3600)] = 5.0
    retry_max_seconds: Annotated[float, _seconds(0.05, 86400)] = 900.0
    max_attempts: Annotated[int, _whole(1, 100)] = Field(
        default=10, validation_alias="MAGICLINK_DELIVERY_ATTEMPTS"
    )
    lease_seconds: Annotated[float, _seconds(0.5, 3600)] = 60.0
    poll_seconds: Annotated[float, CODE_ONLY] = 0.5
    # GET /metrics (and /health) on a listener of their own (None: metrics are not served).
    # Never on the API port: the email counters would tell anyone who can ask for a sign-in
    # link which addresses have accounts.
    metrics_addr: Annotated[InstanceOf[ListenAddress] | None, FromText(ListenAddress.parse)] = None

    if not TYPE_CHECKING:  # type checkers keep the signature made from the fields

        def __init__(self, **values: Any) -> None:
            # Built from code, Settings reads no source: not the process environment (only
            # from_env reads variables, from the mapping it is given), and so costs what a
            # plain model does. BaseSettings would gather its sources each time: some 30 times
            # slower, and tests build thousands.
            BaseModel.__init__(self, **values)

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        """The settings in ``env`` (the CLI passes ``os.environ``); a blank variable counts as
        unset. :class:`SettingsError` names every variable that is wrong, and the fix."""
        source = _Environment(cls, env)
        values = source()
        problems = source.problems
        if not problems:
            values["secret_key_generated"] = "secret_keys" not in values
            try:
                return cls(**values)
            except ValidationError as exc:  # a parser let through what the type refuses
                problems = [_problem(error) for error in exc.errors()]
        raise SettingsError("; ".join(problems))

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes``, checked as in a new Settings: a misspelt name or a wrong
        type is an error (``model_copy(update=...)`` would take either without a word)."""
        checked = type(self)(**changes)
        return self.model_copy(update={name: getattr(checked, name) for name in changes})


def variable(field_name: str) -> str:
    """The environment variable of a setting: ``smtp`` -> ``MAGICLINK_SMTP_URL``."""
    alias = Settings.model_fields[field_name].validation_alias
    return alias if isinstance(alias, str) else ENV_PREFIX + field_name.upper()


def _problem(error: ErrorDetails) -> str:
    name = str(error["loc"][0]) if error["loc"] else ""
    return f"{variable(name) if name in Settings.model_fields else name}: {error['msg']}"


class _Environment(EnvSettingsSource):
    """pydantic-settings' environment source over the mapping it is given (not ``os.environ``).

    Names are upper case (``MAGICLINK_SMTP_URL``, never ``magiclink_smtp_url``); a blank value
    counts as unset; a ``CODE_ONLY`` field is never read. Each value is parsed by its field's
    :class:`FromText`; every unusable one is kept in ``problems``, not raised, so that one run
    names them all.
    """

    def __init__(self, settings_cls: type[BaseSettings], env: Mapping[str, str]) -> None:
        self._env = env
        self.problems: list[str] = []
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        # The base class matches lower-cased names; only the upper-case spelling is a setting.
        return {
            name.lower(): value
            for name, value in self._env.items()
            if name.isupper() and value.strip()
        }

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for field_name, field in self.settings_cls.model_fields.items():
            if CODE_ONLY in field.metadata:
                continue
            raw, _, _ = self.get_field_value(field, field_name)
            if raw is None:
                continue
            reader = next((m for m in field.metadata if isinstance(m, FromText)), None)
            try:
                values[field_name] = reader.parse(variable(field_name), raw) if reader else raw
            except SettingsError as exc:
                self.problems.append(str(exc))
        return values
