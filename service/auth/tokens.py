"""Random secrets and their keyed hashes.

Every secret we hand out (sign-in token, session token, reauth token) is random from
``secrets``, sent once, and stored only as an HMAC-SHA256 keyed with ``MAGICLINK_SECRET_KEY``.
With several keys the first one hashes new secrets and all of them are tried on lookup, so a
key can be rotated without signing everybody out: add the new key in front, drop the old one a
session lifetime later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from service.settings import Secret

# Purposes mixed into the keyed hashes, so one kind of secret never matches another.
SIGN_IN = "sign-in"
SESSION = "session"
REAUTH = "reauth"

# 24 random bytes = 192 bits, 32 URL-safe characters: comfortably above the 128-bit floor.
TOKEN_BYTES = 24


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


class SecretHasher:
    """Keyed hashes of secrets: one to store, all candidates to look up."""

    def __init__(self, keys: Sequence[Secret]) -> None:
        if not keys:
            raise ValueError("at least one secret key is needed")
        self._keys = [key.value.encode() for key in keys]

    def _digest(self, key: bytes, purpose: str, value: str) -> str:
        # The purpose is mixed in so that a hash of a session token can never be mistaken for
        # the hash of a sign-in token with the same text.
        message = purpose.encode() + b"\x00" + value.encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()

    def for_storage(self, purpose: str, value: str) -> str:
        return self._digest(self._keys[0], purpose, value)

    def candidates(self, purpose: str, value: str) -> list[str]:
        """Hashes under every configured key, newest first, for lookups during rotation."""
        return [self._digest(key, purpose, value) for key in self._keys]
