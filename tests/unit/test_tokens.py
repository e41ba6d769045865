"""Random tokens and their keyed hashes, including key rotation."""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from pydantic import SecretStr

from service.auth.tokens import TOKEN_LENGTH, SecretHasher, new_token, new_tokens

URL_SAFE = re.compile(r"[A-Za-z0-9_-]+")
NEW_KEY = "new-key-0123456789abcdef"
OLD_KEY = "old-key-0123456789abcdef"


def test_new_token_has_at_least_128_bits_and_is_url_safe() -> None:
    token = new_token()
    # Each URL-safe base64 character carries 6 bits: 22 characters hold 132 bits.
    assert len(token) >= 22
    assert URL_SAFE.fullmatch(token), token


def test_new_tokens_differ() -> None:
    tokens = {new_token() for _ in range(200)}
    assert len(tokens) == 200


def test_hasher_needs_a_key() -> None:
    with pytest.raises(ValueError, match="at least one secret key"):
        SecretHasher([])


def test_for_storage_is_a_keyed_hmac_of_purpose_and_value() -> None:
    hasher = SecretHasher([SecretStr(NEW_KEY)])
    expected = hmac.new(NEW_KEY.encode(), b"signin\x00tok", hashlib.sha256).hexdigest()
    assert hasher.for_storage("signin", "tok") == expected
    assert hasher.for_storage("signin", "tok") != hashlib.sha256(b"tok").hexdigest()


def test_for_storage_is_deterministic() -> None:
    token = new_token()
    assert SecretHasher([SecretStr(NEW_KEY)]).for_storage("signin", token) == SecretHasher(
        [SecretStr(NEW_KEY)]
    ).for_storage("signin", token)


def test_for_storage_never_contains_the_secret() -> None:
    token = new_token()
    digest = SecretHasher([SecretStr(NEW_KEY)]).for_storage("session", token)
    assert token not in digest
    assert re.fullmatch(r"[0-9a-f]{64}", digest)


def test_hashes_differ_by_purpose() -> None:
    hasher = SecretHasher([SecretStr(NEW_KEY)])
    token = new_token()
    assert hasher.for_storage("signin", token) != hasher.for_storage("session", token)


def test_hashes_differ_by_key() -> None:
    token = new_token()
    assert SecretHasher([SecretStr(NEW_KEY)]).for_storage("signin", token) != SecretHasher(
        [SecretStr(OLD_KEY)]
    ).for_storage("signin", token)


def test_hashes_differ_by_value() -> None:
    hasher = SecretHasher([SecretStr(NEW_KEY)])
    assert hasher.for_storage("signin", "a") != hasher.for_storage("signin", "b")


def test_the_first_key_hashes_for_storage() -> None:
    token = new_token()
    rotated = SecretHasher([SecretStr(NEW_KEY), SecretStr(OLD_KEY)])
    assert rotated.for_storage("signin", token) == SecretHasher([SecretStr(NEW_KEY)]).for_storage(
        "signin", token
    )


def test_candidates_list_every_key_newest_first() -> None:
    token = new_token()
    rotated = SecretHasher([SecretStr(NEW_KEY), SecretStr(OLD_KEY)])
    assert rotated.candidates("signin", token) == [
        SecretHasher([SecretStr(NEW_KEY)]).for_storage("signin", token),
        SecretHasher([SecretStr(OLD_KEY)]).for_storage("signin", token),
    ]


def test_a_hash_stored_under_the_old_key_is_found_after_rotation() -> None:
    token = new_token()
    stored = SecretHasher([SecretStr(OLD_KEY)]).for_storage("session", token)
    rotated = SecretHasher([SecretStr(NEW_KEY), SecretStr(OLD_KEY)])
    assert rotated.for_storage("session", token) != stored
    assert stored in rotated.candidates("session", token)
    # Once the old key is dropped the old hash is no longer found.
    assert stored not in SecretHasher([SecretStr(NEW_KEY)]).candidates("session", token)


def test_candidates_respect_the_purpose() -> None:
    token = new_token()
    stored = SecretHasher([SecretStr(OLD_KEY)]).for_storage("signin", token)
    rotated = SecretHasher([SecretStr(NEW_KEY), SecretStr(OLD_KEY)])
    assert stored not in rotated.candidates("session", token)


def test_tokens_drawn_together_are_tokens_each() -> None:
    drawn = new_tokens(2)
    assert len(drawn) == 2
    assert drawn[0] != drawn[1]
    assert all(re.fullmatch(f"[0-9a-f]{{{TOKEN_LENGTH}}}", token) for token in drawn)
