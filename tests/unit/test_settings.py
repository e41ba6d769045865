"""Settings parsed from the environment, and secrets that never show."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from service.settings import (
    CODE_ONLY,
    RateLimit,
    Settings,
    SettingsError,
    SmtpServer,
    variable,
)

SECRET_KEY = "k" * 32
OLD_SECRET_KEY = "o" * 32
ADMIN_KEY = "admin-key-0123456789"


# --- defaults ------------------------------------------------------------------------------


def test_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.redis_url is None
    assert settings.smtp is None
    assert settings.mail_dir == Path("outbox")
    assert settings.mail_from == "magiclink <no-reply@localhost>"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.admin_key is None
    assert settings.log_level == "INFO"
    assert settings.session_ttl_seconds == 12 * 3600


def test_a_secret_key_is_generated_when_none_is_set() -> None:
    settings = Settings.from_env({})
    assert settings.secret_key_generated is True
    assert len(settings.secret_keys) == 1
    assert re.fullmatch(r"[0-9a-f]{64}", settings.secret_keys[0].get_secret_value())
    assert (
        Settings.from_env({}).secret_keys[0].get_secret_value()
        != settings.secret_keys[0].get_secret_value()
    )


def test_empty_values_count_as_unset() -> None:
    settings = Settings.from_env(
        {
            "MAGICLINK_REDIS_URL": "",
            "MAGICLINK_SMTP_URL": "",
            "MAGICLINK_SECRET_KEY": "",
            "MAGICLINK_ADMIN_KEY": "",
            "MAGICLINK_LOG_LEVEL": "",
            "MAGICLINK_SESSION_TTL_SECONDS": " ",
        }
    )
    assert settings.redis_url is None
    assert settings.smtp is None
    assert settings.admin_key is None
    assert settings.secret_key_generated is True
    assert settings.log_level == "INFO"
    assert settings.session_ttl_seconds == 12 * 3600


def test_values_are_read() -> None:
    settings = Settings.from_env(
        {
            "MAGICLINK_REDIS_URL": "rediss://cache.example.org:6380/2",
            "MAGICLINK_MAIL_DIR": "/var/mail/out",
            "MAGICLINK_MAIL_FROM": "Study <study@example.org>",
            "MAGICLINK_BASE_URL": "https://signin.example.org/",
            "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
            "MAGICLINK_SECRET_KEY": SECRET_KEY,
            "MAGICLINK_LOG_LEVEL": "debug",
            "MAGICLINK_SESSION_TTL_SECONDS": "3600",
        }
    )
    assert settings.redis_url == "rediss://cache.example.org:6380/2"
    assert settings.mail_dir == Path("/var/mail/out")
    assert settings.mail_from == "Study <study@example.org>"
    assert settings.base_url == "https://signin.example.org"
    assert settings.admin_key == SecretStr(ADMIN_KEY)
    assert settings.secret_keys == (SecretStr(SECRET_KEY),)
    assert settings.secret_key_generated is False
    assert settings.log_level == "DEBUG"
    assert settings.session_ttl_seconds == 3600


# --- redis, base URL, log level, numbers ---------------------------------------------------


@pytest.mark.parametrize("url", ["redis://127.0.0.1:6379/0", "rediss://user:pw@host:6380"])
def test_redis_url_schemes(url: str) -> None:
    assert Settings.from_env({"MAGICLINK_REDIS_URL": url}).redis_url == url


@pytest.mark.parametrize("url", ["http://127.0.0.1:6379", "127.0.0.1:6379", "localhost"])
def test_redis_url_must_be_redis(url: str) -> None:
    with pytest.raises(SettingsError, match="MAGICLINK_REDIS_URL must start with redis://"):
        Settings.from_env({"MAGICLINK_REDIS_URL": url})


@pytest.mark.parametrize("url", ["ftp://example.org", "signin.example.org", "https://"])
def test_base_url_must_be_absolute_http(url: str) -> None:
    with pytest.raises(SettingsError, match="MAGICLINK_BASE_URL"):
        Settings.from_env({"MAGICLINK_BASE_URL": url})


@pytest.mark.parametrize("level", ["verbose", "TRACE", "1"])
def test_bad_log_level(level: str) -> None:
    with pytest.raises(SettingsError, match="MAGICLINK_LOG_LEVEL"):
        Settings.from_env({"MAGICLINK_LOG_LEVEL": level})


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("MAGICLINK_LOG_FORMAT", "yaml", "must be one of json, text, not 'yaml'"),
        ("MAGICLINK_ACCESS_LOG", "some", "must be one of errors, all, off, not 'some'"),
    ],
)
def test_bad_choices(name: str, raw: str, message: str) -> None:
    with pytest.raises(SettingsError, match=f"{name} {message}"):
        Settings.from_env({name: raw})


@pytest.mark.parametrize("raw", ["ALL", " all "])
def test_access_log_choice_ignores_case_and_spaces(raw: str) -> None:
    assert Settings.from_env({"MAGICLINK_ACCESS_LOG": raw}).access_log == "all"
    assert Settings.from_env({}).access_log == "errors"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("soon", "must be a whole number, not 'soon'"),
        ("1.5", "must be a whole number"),
        ("59", "must be between 60 and 2592000, not 59"),
        ("2592001", "must be between 60 and 2592000"),
    ],
)
def test_bad_session_ttl(raw: str, message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        Settings.from_env({"MAGICLINK_SESSION_TTL_SECONDS": raw})


# --- HTTP limits ---------------------------------------------------------------------------


def test_http_limits_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.max_header_bytes == 32768
    assert settings.max_headers == 100
    assert settings.header_timeout_seconds == 10.0
    assert settings.max_connections == 1000
    assert settings.keep_alive_seconds == 5


def test_http_limits_are_read() -> None:
    settings = Settings.from_env(
        {
            "MAGICLINK_MAX_HEADER_BYTES": "1024",
            "MAGICLINK_MAX_HEADERS": "1000",
            "MAGICLINK_HEADER_TIMEOUT_SECONDS": "0.5",
            "MAGICLINK_MAX_CONNECTIONS": "100000",
            "MAGICLINK_KEEP_ALIVE_SECONDS": " 300 ",
        }
    )
    assert settings.max_header_bytes == 1024
    assert settings.max_headers == 1000
    assert settings.header_timeout_seconds == 0.5
    assert settings.max_connections == 100_000
    assert settings.keep_alive_seconds == 300


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("MAGICLINK_MAX_HEADER_BYTES", "1023", "must be between 1024 and 1048576, not 1023"),
        ("MAGICLINK_MAX_HEADER_BYTES", "1048577", "must be between 1024 and 1048576"),
        ("MAGICLINK_MAX_HEADER_BYTES", "32k", "must be a whole number, not '32k'"),
        ("MAGICLINK_MAX_HEADERS", "9", "must be between 10 and 1000, not 9"),
        ("MAGICLINK_MAX_HEADERS", "1001", "must be between 10 and 1000"),
        ("MAGICLINK_HEADER_TIMEOUT_SECONDS", "0.4", "must be between 0.5 and 300, not 0.4"),
        ("MAGICLINK_HEADER_TIMEOUT_SECONDS", "301", "must be between 0.5 and 300"),
        ("MAGICLINK_HEADER_TIMEOUT_SECONDS", "10s", "must be a number, not '10s'"),
        ("MAGICLINK_MAX_CONNECTIONS", "9", "must be between 10 and 100000, not 9"),
        ("MAGICLINK_MAX_CONNECTIONS", "100001", "must be between 10 and 100000"),
        ("MAGICLINK_KEEP_ALIVE_SECONDS", "0", "must be between 1 and 300, not 0"),
        ("MAGICLINK_KEEP_ALIVE_SECONDS", "2.5", "must be a whole number, not '2.5'"),
    ],
)
def test_bad_http_limits(name: str, raw: str, message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(f"{name} {message}")):
        Settings.from_env({name: raw})


# --- secret and admin keys -----------------------------------------------------------------


def test_secret_key_list_keeps_its_order_for_rotation() -> None:
    settings = Settings.from_env({"MAGICLINK_SECRET_KEY": f" {SECRET_KEY} ,{OLD_SECRET_KEY}, "})
    assert settings.secret_keys == (SecretStr(SECRET_KEY), SecretStr(OLD_SECRET_KEY))
    assert settings.secret_key_generated is False


@pytest.mark.parametrize("raw", ["short", "k" * 15, f"{SECRET_KEY},too-short"])
def test_each_secret_key_needs_16_characters(raw: str) -> None:
    with pytest.raises(SettingsError, match="each MAGICLINK_SECRET_KEY entry must be at least 16"):
        Settings.from_env({"MAGICLINK_SECRET_KEY": raw})


def test_secret_key_of_16_characters_is_enough() -> None:
    assert Settings.from_env({"MAGICLINK_SECRET_KEY": "k" * 16}).secret_keys == (
        SecretStr("k" * 16),
    )


def test_admin_key_needs_16_characters() -> None:
    with pytest.raises(SettingsError, match="MAGICLINK_ADMIN_KEY must be at least 16 characters"):
        Settings.from_env({"MAGICLINK_ADMIN_KEY": "a" * 15})
    assert Settings.from_env({"MAGICLINK_ADMIN_KEY": "a" * 16}).admin_key == SecretStr("a" * 16)


# --- SMTP URL ------------------------------------------------------------------------------


def test_smtp_url_from_the_environment() -> None:
    settings = Settings.from_env({"MAGICLINK_SMTP_URL": "smtp://mail.example.org:2525"})
    assert settings.smtp == SmtpServer("mail.example.org", 2525, "none")


def test_smtp_url_with_credentials_and_starttls() -> None:
    smtp = SmtpServer.from_url("smtp://user:pass@mail.example.org:2587?tls=starttls")
    assert smtp.host == "mail.example.org"
    assert smtp.port == 2587
    assert smtp.tls == "starttls"
    assert smtp.username == "user"
    assert smtp.password == SecretStr("pass")


def test_smtp_credentials_are_percent_decoded() -> None:
    smtp = SmtpServer.from_url("smtp://me%40example.org:p%3Ass%2Fw%40rd@mail.example.org")
    assert smtp.username == "me@example.org"
    assert smtp.password is not None
    assert smtp.password.get_secret_value() == "p:ss/w@rd"


def test_smtp_without_credentials() -> None:
    smtp = SmtpServer.from_url("smtp://mail.example.org")
    assert smtp.username is None
    assert smtp.password is None


@pytest.mark.parametrize(
    ("query", "tls", "port"),
    [
        ("", "none", 25),
        ("?tls=none", "none", 25),
        ("?tls=starttls", "starttls", 587),
        ("?tls=implicit", "implicit", 465),
    ],
)
def test_smtp_default_ports(query: str, tls: str, port: int) -> None:
    smtp = SmtpServer.from_url(f"smtp://mail.example.org{query}")
    assert (smtp.tls, smtp.port) == (tls, port)


def test_smtp_explicit_port_wins_over_the_default() -> None:
    assert SmtpServer.from_url("smtp://mail.example.org:25?tls=implicit").port == 25


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("smtps://mail.example.org", "must start with smtp://"),
        ("http://mail.example.org", "must start with smtp://"),
        ("mail.example.org:25", "must start with smtp://"),
        ("smtp://", "has no host"),
        ("smtp://:25", "has no host"),
        ("smtp://mail.example.org?tlz=starttls", "unknown parameter 'tlz'"),
        ("smtp://mail.example.org?tls=starttls&timeout=5", "unknown parameter 'timeout'"),
        ("smtp://mail.example.org?tls=ssl", "tls must be none, starttls or implicit, not 'ssl'"),
        ("smtp://mail.example.org?tls=", "tls must be none, starttls or implicit, not ''"),
        ("smtp://mail.example.org:smtp", "has an invalid port"),
        ("smtp://mail.example.org:70000", "has an invalid port"),
    ],
)
def test_bad_smtp_urls(url: str, message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        SmtpServer.from_url(url)


def test_bad_smtp_url_in_the_environment() -> None:
    with pytest.raises(SettingsError, match="MAGICLINK_SMTP_URL"):
        Settings.from_env({"MAGICLINK_SMTP_URL": "smtps://mail.example.org"})


# --- secrets never show --------------------------------------------------------------------


def test_secret_hides_its_value() -> None:
    secret = SecretStr("hunter2-hunter2-hunter2")
    assert repr(secret) == "SecretStr('**********')"
    assert str(secret) == "**********"
    assert f"{secret}" == "**********"
    assert secret.get_secret_value() == "hunter2-hunter2-hunter2"


def test_repr_of_settings_never_contains_secret_values() -> None:
    smtp_password = "smtp-pass-1234567890"
    settings = Settings.from_env(
        {
            "MAGICLINK_SECRET_KEY": f"{SECRET_KEY},{OLD_SECRET_KEY}",
            "MAGICLINK_ADMIN_KEY": ADMIN_KEY,
            "MAGICLINK_SMTP_URL": f"smtp://mailer:{smtp_password}@mail.example.org?tls=starttls",
        }
    )
    assert settings.smtp is not None
    assert settings.smtp.password == SecretStr(smtp_password)
    for text in (repr(settings), str(settings), repr(settings.smtp)):
        assert SECRET_KEY not in text
        assert OLD_SECRET_KEY not in text
        assert ADMIN_KEY not in text
        assert smtp_password not in text
        assert "SecretStr('**********')" in text
    assert "mailer" in repr(settings.smtp)  # the user name is not a secret


def test_repr_of_settings_never_contains_a_generated_secret_key() -> None:
    settings = Settings.from_env({})
    assert settings.secret_keys[0].get_secret_value() not in repr(settings)


def test_repr_of_settings_never_contains_the_redis_password() -> None:
    redis_password = "redis-pass-1234567890"
    settings = Settings.from_env(
        {"MAGICLINK_REDIS_URL": f"redis://default:{redis_password}@cache.example.org:6379/0"}
    )
    assert redis_password not in repr(settings)


# --- the metrics listener ----------------------------------------------------------------------


def test_metrics_are_not_served_unless_an_address_is_set() -> None:
    assert Settings.from_env({}).metrics_addr is None
    assert Settings.from_env({"MAGICLINK_METRICS_ADDR": " "}).metrics_addr is None


@pytest.mark.parametrize(
    ("raw", "host", "port", "shown"),
    [
        ("127.0.0.1:9100", "127.0.0.1", 9100, "127.0.0.1:9100"),
        ("0.0.0.0:9100", "0.0.0.0", 9100, "0.0.0.0:9100"),  # noqa: S104
        (" [::1]:9100 ", "::1", 9100, "[::1]:9100"),
        ("[::]:65535", "::", 65535, "[::]:65535"),
        ("[2001:DB8::7]:1", "2001:db8::7", 1, "[2001:db8::7]:1"),
    ],
)
def test_metrics_address(raw: str, host: str, port: int, shown: str) -> None:
    address = Settings.from_env({"MAGICLINK_METRICS_ADDR": raw}).metrics_addr
    assert address is not None
    assert (address.host, address.port) == (host, port)
    assert str(address) == shown
    assert address.url == f"http://{shown}"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("9100", "must be IP:PORT"),
        (":9100", "must be IP:PORT"),
        ("127.0.0.1", "must be IP:PORT"),
        ("localhost:9100", "must be IP:PORT"),
        ("metrics.internal:9100", "must be IP:PORT"),
        ("256.0.0.1:9100", "must be IP:PORT"),
        ("[127.0.0.1]:9100", "must be IP:PORT"),
        ("[::1]", "must be IP:PORT"),
        ("::1:9100", "put an IPv6 address in brackets"),
        ("127.0.0.1:0", "the port must be 1 to 65535"),
        ("127.0.0.1:65536", "the port must be 1 to 65535"),
        ("127.0.0.1:", "the port must be 1 to 65535"),
        ("127.0.0.1:-1", "the port must be 1 to 65535"),
        ("127.0.0.1:http", "the port must be 1 to 65535"),
    ],
)
def test_bad_metrics_address(raw: str, message: str) -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env({"MAGICLINK_METRICS_ADDR": raw})
    text = str(raised.value)
    assert text.startswith("MAGICLINK_METRICS_ADDR")
    assert message in text
    assert "e.g. 127.0.0.1:9100" in text  # the fix, by example
    assert repr(raw) in text


# --- abuse limits --------------------------------------------------------------------------


def test_abuse_limit_defaults() -> None:
    settings = Settings.from_env({})
    assert settings.rate_limit_per_ip == RateLimit(100, 600)
    assert settings.study_email_pace == RateLimit(1000, 60)
    assert settings.sign_in_emails_per_day == 10
    assert settings.rate_limit_failed_sign_ins_per_ip == RateLimit(50, 600)
    assert settings.rate_limit_passwords_per_ip == RateLimit(60, 600)
    assert settings.rate_limit_passwords_per_address == RateLimit(10, 600)
    assert 1 <= settings.password_hash_concurrency <= 4


def test_abuse_limits_are_read_and_can_be_turned_off() -> None:
    settings = Settings.from_env(
        {
            "MAGICLINK_RATE_LIMIT_PER_STUDY": "30/60",
            "MAGICLINK_SIGN_IN_EMAILS_PER_DAY": "0",
            "MAGICLINK_RATE_LIMIT_FAILED_SIGN_INS_PER_IP": "off",
            "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_IP": "5/60",
            "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_ADDRESS": "0",
            "MAGICLINK_PASSWORD_HASH_CONCURRENCY": "8",
        }
    )
    assert settings.study_email_pace == RateLimit(30, 60)
    assert settings.sign_in_emails_per_day == 0
    assert settings.rate_limit_failed_sign_ins_per_ip is None
    assert settings.rate_limit_passwords_per_ip == RateLimit(5, 60)
    assert settings.rate_limit_passwords_per_address is None
    assert settings.password_hash_concurrency == 8


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        (
            "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_ADDRESS",
            "ten",
            "MAGICLINK_RATE_LIMIT_PASSWORDS_PER_ADDRESS must look like COUNT/SECONDS",
        ),
        (
            "MAGICLINK_SIGN_IN_EMAILS_PER_DAY",
            "-1",
            "MAGICLINK_SIGN_IN_EMAILS_PER_DAY must be between 0 and 1000",
        ),
        (
            "MAGICLINK_PASSWORD_HASH_CONCURRENCY",
            "0",
            "MAGICLINK_PASSWORD_HASH_CONCURRENCY must be between 1 and 64",
        ),
    ],
)
def test_bad_abuse_limits(name: str, raw: str, message: str) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        Settings.from_env({name: raw})


# --- which variables, and how they are read ------------------------------------------------


def _variables() -> set[str]:
    return {
        variable(name)
        for name, field in Settings.model_fields.items()
        if CODE_ONLY not in field.metadata
    }


def test_the_readme_table_documents_every_variable_and_no_other() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    table = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    assert _variables() == set(re.findall(r"`(MAGICLINK_[A-Z_]+)`", table))


def test_variables_named_otherwise_than_their_field() -> None:
    assert variable("smtp") == "MAGICLINK_SMTP_URL"
    assert variable("secret_keys") == "MAGICLINK_SECRET_KEY"
    assert variable("study_email_pace") == "MAGICLINK_RATE_LIMIT_PER_STUDY"
    assert variable("max_attempts") == "MAGICLINK_DELIVERY_ATTEMPTS"
    assert variable("session_ttl_seconds") == "MAGICLINK_SESSION_TTL_SECONDS"


@pytest.mark.parametrize(
    "name",
    [
        "MAGICLINK_POLL_SECONDS",
        "MAGICLINK_MAX_BODY_BYTES",
        "MAGICLINK_REAUTH_TTL_SECONDS",
        "MAGICLINK_STUDY_CACHE_SECONDS",
        "MAGICLINK_REDIS_TIMEOUT_SECONDS",
        "MAGICLINK_SECRET_KEY_GENERATED",
    ],
)
def test_settings_of_the_code_have_no_variable(name: str) -> None:
    assert name not in _variables()
    field = name.removeprefix("MAGICLINK_").lower()
    read = Settings.from_env({name: "0"})
    if field == "secret_key_generated":
        assert read.secret_key_generated is True  # no key given: one was made, whatever it says
    else:
        assert getattr(read, field) == Settings.model_fields[field].default


def test_only_upper_case_names_are_read() -> None:
    settings = Settings.from_env(
        {"magiclink_log_level": "DEBUG", "Magiclink_Session_Ttl_Seconds": "3600"}
    )
    assert settings.log_level == "INFO"
    assert settings.session_ttl_seconds == 12 * 3600


def test_every_bad_variable_is_named_at_once() -> None:
    with pytest.raises(SettingsError) as raised:
        Settings.from_env(
            {
                "MAGICLINK_SMTP_POOL_SIZE": "abc",
                "MAGICLINK_LOG_LEVEL": "loud",
                "MAGICLINK_RATE_LIMIT_PER_STUDY": "fast",
            }
        )
    message = str(raised.value)
    assert "MAGICLINK_SMTP_POOL_SIZE must be a whole number, not 'abc'" in message
    assert "MAGICLINK_LOG_LEVEL must be one of" in message
    assert "MAGICLINK_RATE_LIMIT_PER_STUDY must look like COUNT/SECONDS" in message
    assert "\n" not in message  # one line for the one line the CLI prints


def test_building_settings_in_code_reads_no_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAGICLINK_BASE_URL", "https://from-the-process.example.org")
    monkeypatch.setenv("MAGICLINK_SESSION_TTL_SECONDS", "60")
    settings = Settings()
    assert settings.base_url == "http://127.0.0.1:8000"
    assert settings.session_ttl_seconds == 12 * 3600


def test_typed_values_in_code_are_not_held_to_the_operators_bounds() -> None:
    # Tests use short TTLs, not long sleeps; the environment's bounds are for operators.
    assert Settings(session_ttl_seconds=1).session_ttl_seconds == 1
    with pytest.raises(SettingsError, match="between 60 and"):
        Settings.from_env({"MAGICLINK_SESSION_TTL_SECONDS": "1"})


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(ValidationError, match="frozen"):
        settings.base_url = "https://elsewhere.example.org"


def test_replace_changes_only_what_it_names() -> None:
    settings = Settings.from_env({"MAGICLINK_ADMIN_KEY": ADMIN_KEY})
    changed = settings.replace(base_url="http://127.0.0.1:9000", lease_seconds=0.5)
    assert (changed.base_url, changed.lease_seconds) == ("http://127.0.0.1:9000", 0.5)
    assert changed.secret_keys == settings.secret_keys  # the key made for this process
    assert changed.secret_key_generated is True
    assert changed.admin_key == SecretStr(ADMIN_KEY)
    assert settings.base_url == "http://127.0.0.1:8000"


def test_replace_refuses_a_misspelt_name_or_a_wrong_type() -> None:
    with pytest.raises(ValidationError, match="bse_url"):
        Settings().replace(bse_url="http://127.0.0.1:9000")
    with pytest.raises(ValidationError, match="lease_seconds"):
        Settings().replace(lease_seconds="soon")
