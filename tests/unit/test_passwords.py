"""Password hashing and the password policy."""

from __future__ import annotations

import pytest

from service.auth.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    hash_password,
    password_problem,
    verify_password,
)

PASSWORD = "correct horse battery staple"


def test_hash_and_verify_round_trip() -> None:
    stored = hash_password(PASSWORD)
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored
    assert verify_password(PASSWORD, stored) is True


def test_wrong_password_does_not_verify() -> None:
    stored = hash_password(PASSWORD)
    assert verify_password(PASSWORD + "!", stored) is False
    assert verify_password(PASSWORD.upper(), stored) is False


def test_hashes_are_salted() -> None:
    assert hash_password(PASSWORD) != hash_password(PASSWORD)


@pytest.mark.parametrize("stored", [None, ""])
def test_missing_hash_never_verifies(stored: str | None) -> None:
    assert verify_password(PASSWORD, stored) is False
    assert verify_password("decoy password that nobody has", stored) is False


@pytest.mark.parametrize("password", ["12345678", "p" * MIN_LENGTH, "x" * MAX_LENGTH, PASSWORD])
def test_acceptable_passwords(password: str) -> None:
    assert password_problem(password) is None


@pytest.mark.parametrize("password", ["", "1234567", "p" * (MIN_LENGTH - 1)])
def test_short_password(password: str) -> None:
    assert password_problem(password) == "password must be at least 8 characters"


def test_long_password() -> None:
    assert password_problem("x" * (MAX_LENGTH + 1)) == "password must be at most 1024 characters"


@pytest.mark.parametrize("password", [None, 12345678, ["password"], b"password123"])
def test_non_string_password(password: object) -> None:
    assert password_problem(password) == "password must be a string"
