"""Every real address is delivered: an IDN domain as punycode (no SMTPUTF8 needed), a local part
beyond ASCII with SMTPUTF8 when the server offers it and as a dead letter at once when it does
not; the Unicode and punycode forms of an address are one account; and the headers are valid
RFC 5322/6532, on the wire and in .eml files. Against real Redis and the embedded store."""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from service.cli import main
from service.settings import Settings
from service.settings import SmtpServer as SmtpSettings
from service.store.outbox import DeadLetter
from tests.support.api import Api
from tests.support.mail import CaughtEmail, Mailbox, SmtpServer

SMTPUTF8_MISSING = "the mail server does not accept internationalized addresses (SMTPUTF8)"
PASSWORD = "a long enough password"


def _header_line(raw: bytes, name: str) -> str:
    head = raw.decode("utf-8").replace("\r\n", "\n").split("\n\n", 1)[0]
    (line,) = [line for line in head.split("\n") if line.startswith(f"{name}: ")]
    return line


async def _dead_letter(api: Api, within: float = 5.0) -> DeadLetter:
    outbox = api.services.mailer.outbox
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not (letters := await outbox.dead_letters()):
        assert loop.time() < deadline, "no dead letter"
        await asyncio.sleep(0.02)
    (letter,) = letters
    return letter


async def _signed_in_with_token(api: Api, written: str, token: str) -> None:
    response = await api.sign_in_with_token("study-a", written, token)
    assert response.status_code in (200, 412), response.text


# --- IDN domains: punycode, and one account ---------------------------------------------------
# The session's SMTP server does not offer SMTPUTF8: an IDN domain must not need it.


async def test_an_idn_address_is_delivered_with_a_punycode_envelope(api: Api) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", "anna@münchen.de", consented=True)
    assert (await api.request_link("study-a", "anna@münchen.de")).status_code == 202
    caught = await api.mailbox.wait_for("anna@xn--mnchen-3ya.de")
    assert caught.recipients == ["anna@xn--mnchen-3ya.de"]
    assert not caught.smtputf8
    assert _header_line(caught.raw, "To") == "To: anna@xn--mnchen-3ya.de"
    assert [a.addr_spec for a in caught.message["To"].addresses] == ["anna@xn--mnchen-3ya.de"]
    # The link works for either form of the address.
    await _signed_in_with_token(api, "anna@xn--mnchen-3ya.de", caught.token)


async def test_the_unicode_and_punycode_forms_are_one_account(api: Api) -> None:
    await api.create_study("study-a", emailVerificationEnabled=False)
    signed_up = await api.client.post(
        "/v3/auth/signUp",
        json={"study": "study-a", "email": "anna@münchen.de", "password": PASSWORD},
    )
    assert signed_up.status_code == 201, signed_up.text
    # The other form, any case: the same participant signs in with the password.
    for written in ["anna@xn--mnchen-3ya.de", "ANNA@MÜNCHEN.DE"]:
        signed_in = await api.client.post(
            "/v4/auth/signIn", json={"study": "study-a", "email": written, "password": PASSWORD}
        )
        assert signed_in.status_code == 412, signed_in.text  # signed in, not yet consented
    # The admin API cannot make a second account of the other form.
    again = await api.client.post(
        "/v3/studies/study-a/participants",
        json={"email": "anna@xn--mnchen-3ya.de"},
        headers=api.admin,
    )
    assert again.status_code == 409, again.text
    listed = await api.client.get("/v3/studies/study-a/participants", headers=api.admin)
    assert listed.json()["total"] == 1
    # A link asked for with the punycode form reaches the account made with the Unicode one.
    assert (await api.request_link("study-a", "anna@xn--mnchen-3ya.de")).status_code == 202
    caught = await api.mailbox.wait_for("anna@xn--mnchen-3ya.de")
    await _signed_in_with_token(api, "anna@münchen.de", caught.token)


async def test_onboarding_treats_both_forms_as_one_person(api: Api) -> None:
    await api.create_study("study-a")
    onboarded = await api.client.post(
        "/v3/studies/study-a/onboarding",
        json={"participants": [{"email": "anna@münchen.de"}, {"email": "anna@xn--mnchen-3ya.de"}]},
        headers=api.admin,
    )
    assert onboarded.status_code < 300, onboarded.text
    await api.mailbox.wait_for("anna@xn--mnchen-3ya.de")
    await api.outbox_drained()
    assert len(api.mailbox.emails) == 1


# --- local parts beyond ASCII: SMTPUTF8, or a dead letter at once -----------------------------


async def test_without_smtputf8_a_local_part_beyond_ascii_is_a_dead_letter_at_once(
    api: Api,
) -> None:
    await api.create_study("study-a")
    await api.create_participant("study-a", "jürgen@example.de", consented=True)
    await api.create_participant("study-a", "anna@example.de", consented=True)
    assert (await api.request_link("study-a", "jürgen@example.de")).status_code == 202
    letter = await _dead_letter(api)
    assert letter.reason == SMTPUTF8_MISSING
    assert letter.job is not None
    assert letter.job.attempt == 0  # the first try was the last: never retried
    assert (await api.services.mailer.outbox.status()).delayed == 0
    assert api.mailbox.emails == []
    # The connection it was tried on still delivers.
    assert (await api.request_link("study-a", "anna@example.de")).status_code == 202
    await api.mailbox.wait_for("anna@example.de")
    # What an operator sees (the CLI's status, over HTTP): the reason, the address masked.
    listed = (await api.client.get("/v3/outbox/deadLetters", headers=api.admin)).json()
    (item,) = listed["items"]
    assert item["reason"] == SMTPUTF8_MISSING


async def test_outbox_status_shows_the_smtputf8_dead_letter(
    api: Api,
    request: pytest.FixtureRequest,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if request.node.callspec.params["redis"] != "redis":
        pytest.skip("the CLI reaches a Redis server; the embedded store lives in this process")
    await api.create_study("study-a")
    await api.create_participant("study-a", "日本@example.jp", consented=True)
    assert (await api.request_link("study-a", "日本@example.jp")).status_code == 202
    await _dead_letter(api)
    for name in list(os.environ):
        if name.startswith("MAGICLINK_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("MAGICLINK_REDIS_URL", request.getfixturevalue("redis_server").url)
    monkeypatch.setattr("service.cli._context.configure_logging", lambda *args: None)
    capsys.readouterr()
    status = await asyncio.to_thread(main, ["outbox", "status"])
    out = capsys.readouterr().out
    assert status == 0, out
    assert SMTPUTF8_MISSING in out
    assert "日***@example.jp" in out
    assert "dead             1" in out


class TestWithSmtputf8:
    """A mail server that offers SMTPUTF8 (RFC 6531), as most do today."""

    @pytest.fixture
    def utf8_smtp(self) -> Iterator[SmtpServer]:
        server = SmtpServer(smtputf8=True)
        server.start()
        yield server
        server.stop()

    @pytest.fixture
    def settings(self, settings: Settings, utf8_smtp: SmtpServer) -> Settings:
        return settings.replace(smtp=SmtpSettings("127.0.0.1", utf8_smtp.port, "none"))

    @pytest.fixture
    def mailbox(self, utf8_smtp: SmtpServer) -> Mailbox:
        return utf8_smtp.mailbox

    @pytest.mark.parametrize("address", ["jürgen@example.de", "日本@example.jp"])
    async def test_a_local_part_beyond_ascii_is_delivered(self, api: Api, address: str) -> None:
        await api.create_study("study-a")
        await api.create_participant("study-a", address, consented=True)
        assert (await api.request_link("study-a", address)).status_code == 202
        caught: CaughtEmail = await api.mailbox.wait_for(address)
        assert caught.recipients == [address]
        assert caught.smtputf8  # MAIL FROM asked for it
        # UTF-8 in the header (RFC 6532), no encoded word inside the address.
        assert _header_line(caught.raw, "To") == f"To: {address}"
        assert [a.addr_spec for a in caught.message["To"].addresses] == [address]
        # Upper case and decomposed (NFD) forms are the same account.
        await _signed_in_with_token(api, address.upper().replace("Ü", "U\u0308"), caught.token)

    async def test_an_idn_address_still_needs_no_smtputf8(self, api: Api) -> None:
        await api.create_study("study-a")
        await api.create_participant("study-a", "jürgen@münchen.de", consented=True)
        await api.create_participant("study-a", "anna@münchen.de", consented=True)
        await api.request_link("study-a", "anna@münchen.de")
        await api.request_link("study-a", "jürgen@münchen.de")
        anna = await api.mailbox.wait_for("anna@xn--mnchen-3ya.de")
        jurgen = await api.mailbox.wait_for("jürgen@xn--mnchen-3ya.de")
        assert not anna.smtputf8
        assert jurgen.smtputf8
        assert _header_line(jurgen.raw, "To") == "To: jürgen@xn--mnchen-3ya.de"


# --- .eml files --------------------------------------------------------------------------------


class TestMailDir:
    """Without SMTP: every email an .eml file whose headers a mail reader parses back exactly."""

    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.replace(smtp=None, mail_from="Équipe d'étude <study@example.org>")

    @pytest.mark.parametrize(
        ("address", "sent_to", "utf8"),
        [
            ("anna@münchen.de", "anna@xn--mnchen-3ya.de", False),
            ("jürgen@example.de", "jürgen@example.de", True),
            ("日本@例え.jp", "日本@xn--r8jz45g.jp", True),
        ],
    )
    async def test_an_eml_file_has_valid_headers(
        self, api: Api, settings: Settings, address: str, sent_to: str, utf8: bool
    ) -> None:
        # The sender's display name is the study's name (a study name with accents and a quote).
        await api.create_study("study-a", name="Équipe d'étude")
        await api.create_participant("study-a", address, consented=True)
        assert (await api.request_link("study-a", address)).status_code == 202
        await api.outbox_drained()
        (path,) = await asyncio.to_thread(lambda: list(Path(settings.mail_dir).glob("*.eml")))
        data = await asyncio.to_thread(path.read_bytes)
        assert data.isascii() != utf8  # UTF-8 headers only where the address needs them
        to_line = _header_line(data, "To")
        assert to_line == f"To: {sent_to}"
        assert "=?" not in to_line
        parsed = email.message_from_string(data.decode("utf-8"), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        assert [a.addr_spec for a in parsed["To"].addresses] == [sent_to]
        (sender,) = parsed["From"].addresses
        assert (sender.display_name, sender.addr_spec) == ("Équipe d'étude", "study@example.org")
        # The display name: RFC 2047 words in an ASCII message, UTF-8 in an RFC 6532 one.
        from_line = _header_line(data, "From")
        assert ("=?utf-8?" in from_line) != utf8, from_line
