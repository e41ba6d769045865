"""Email address rules, lookup form and log-safe masking."""

from __future__ import annotations

import pytest

from service.accounts.email_address import (
    MAX_LENGTH,
    MAX_LOCAL_LENGTH,
    address_problem,
    masked,
    normalized,
)

SHAPE = "email must be an email address like name@example.org"
ENCODED_WORD = "email must be a plain address, not an encoded word (=?...?=)"


@pytest.mark.parametrize(
    "address",
    [
        "alice@example.org",
        "Alice.Smith+study@mail.example.co.uk",
        "  alice@example.org  ",
        "o'brien@example.org",
        "x@a.b",
    ],
)
def test_acceptable_addresses(address: str) -> None:
    assert address_problem(address) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "email is required"),
        ("", "email is required"),
        (" \t ", "email is required"),
        (5, "email must be a string"),
        (["a@example.org"], "email must be a string"),
        ("alice", SHAPE),
        ("alice@", SHAPE),
        ("@example.org", SHAPE),
        ("alice@example", SHAPE),
        ("alice@example.", SHAPE),
        ("alice@.org", SHAPE),
        ("a@b@example.org", SHAPE),
        ("al ice@example.org", SHAPE),
        ("alice@exa mple.org", SHAPE),
        ("alice@example..org", SHAPE),
        (".alice@example.org", SHAPE),
        ("al..ice@example.org", SHAPE),
        ("alice.@example.org", SHAPE),
        ("alice@-example.org", SHAPE),
        ("alice@example-.org", SHAPE),
        ("alice@" + "d" * 64 + ".org", SHAPE),
        ("alice@[192.0.2.1]", SHAPE),
        ("alice@192.0.2.1", SHAPE),
        ("what?@example.org", SHAPE),
        (
            "=?utf-8?q?attacker=40evil.test=2C?=victim@example.org",
            "email must be a plain address, not an encoded word (=?...?=)",
        ),
        # Beyond ASCII too: an encoded word, and one written in full-width characters, which
        # a system folding compatibility characters (NFKC) would read as one.
        ("=?utf-8?q?j=C3=BCrgen?=@example.de", ENCODED_WORD),
        ("jürgen=?@example.de", ENCODED_WORD),
        ("jürgen\uff1d\uff1f@example.de", ENCODED_WORD),
    ],
)
def test_unacceptable_addresses(value: object, message: str) -> None:
    assert address_problem(value) == message


def test_messages_name_the_field() -> None:
    assert address_problem(None, "supportEmail") == "supportEmail is required"
    assert address_problem("x", "supportEmail") == (
        "supportEmail must be an email address like name@example.org"
    )


def _address_of_length(total: int, local_length: int = MAX_LOCAL_LENGTH) -> str:
    domain_length = total - local_length - 1 - len(".org")
    labels = [("d" * 62) for _ in range(domain_length // 63)]
    labels.append("d" * (domain_length - 63 * len(labels)))
    return "l" * local_length + "@" + ".".join(label for label in labels if label) + ".org"


def test_address_of_maximum_length_is_accepted() -> None:
    address = _address_of_length(MAX_LENGTH)
    assert len(address) == 254
    assert address_problem(address) is None


def test_address_over_maximum_length_is_rejected() -> None:
    address = _address_of_length(MAX_LENGTH + 1)
    assert address_problem(address) == "email must be at most 254 characters"


def test_length_is_measured_after_trimming() -> None:
    assert address_problem("  " + _address_of_length(MAX_LENGTH) + "  ") is None


def test_local_part_of_64_characters_is_accepted() -> None:
    assert address_problem("l" * 64 + "@example.org") is None


def test_local_part_over_64_characters_is_rejected() -> None:
    assert address_problem("l" * 65 + "@example.org") == (
        "email must have at most 64 characters before the @"
    )


def test_normalized_trims_and_lower_cases() -> None:
    assert normalized("  Alice.Smith@Example.ORG\n") == "alice.smith@example.org"
    assert normalized("alice@example.org") == "alice@example.org"


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("alice@example.org", "a***@example.org"),
        ("  Bob.Smith@Example.org ", "B***@Example.org"),
        ("no-at-sign", "***"),
        ("@example.org", "***"),
        ("", "***"),
    ],
)
def test_masked(address: str, expected: str) -> None:
    assert masked(address) == expected


@pytest.mark.parametrize(
    "address", ["alice@example.org", "secret.name@example.org", "ab@x.org", "a@b@example.org"]
)
def test_masked_never_contains_the_full_local_part(address: str) -> None:
    local = address.rpartition("@")[0]
    assert local not in masked(address)
