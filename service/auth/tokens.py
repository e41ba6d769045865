"""Random secrets and their keyed hashes.

Every secret we hand out (sign-in token and code, session token, reauth token) is random from
``secrets``, sent once, and stored only as an HMAC-SHA256 keyed with ``MAGICLINK_SECRET_KEY``.
With several keys the first one hashes new secrets and all of them are tried on lookup, so a
key can be rotated without signing everybody out: add the new key in front, drop the old one a
session lifetime later.
"""

from __future__ import annotations

import hmac
import re
import secrets
from collections.abc import Sequence

from pydantic import SecretStr

# Purposes mixed into the keyed hashes, so one kind of secret never matches another.
SIGN_IN = "sign-in"
SIGN_IN_CODE = "sign-in-code"
SESSION = "session"
REAUTH = "reauth"
# Not a hash of a secret: what a session token is derived from (see SecretHasher.session_token).
SESSION_SEED = "session-seed"

# 24 random bytes = 192 bits, 48 hexadecimal characters: comfortably above the 128-bit floor.
# No dashes or underscores, so what people type around a token (spaces, line breaks, dashes;
# Bridge strips [-\s]) can be taken out without touching the token itself. Hex, not base32:
# Python's base32 is written in Python, and a sign-in makes three tokens (callgrind).
TOKEN_BYTES = 24
TOKEN_LENGTH = 2 * TOKEN_BYTES


def new_token() -> str:
    return secrets.token_hex(TOKEN_BYTES)


def new_tokens(count: int) -> list[str]:
    """``count`` new tokens from one read of the system's randomness (a sign-in makes two)."""
    drawn = secrets.token_hex(count * TOKEN_BYTES)
    return [drawn[start : start + TOKEN_LENGTH] for start in range(0, len(drawn), TOKEN_LENGTH)]


_TYPED_AROUND = re.compile(r"[-\s]")


def as_typed_token(presented: str) -> str:
    """A link token as people paste or type it: spaces, line breaks and dashes dropped."""
    if presented.isalnum():  # as the app sends it
        return presented
    return _TYPED_AROUND.sub("", presented)


# The typed code: 8 characters without look-alikes (no 0/O, 1/I/L), about 39 bits. Guessing is
# capped per address (MAX_WRONG_CODES), so the odds of a guess are about 5 in 500 billion.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
MAX_WRONG_CODES = 5


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def as_code(presented: str) -> str | None:
    """The code in what was typed (any case, spaces or dashes between groups), or None.

    A 48-character link token never looks like a code, so the one ``token`` field of
    ``POST /v3/auth/email/signIn`` carries either.
    """
    compact = presented.replace("-", "").replace(" ", "").upper()
    if len(compact) == CODE_LENGTH and all(char in CODE_ALPHABET for char in compact):
        return compact
    return None


class SecretHasher:
    """Keyed hashes of secrets: one to store, all candidates to look up."""

    def __init__(self, keys: Sequence[SecretStr]) -> None:
        if not keys:
            raise ValueError("at least one secret key is needed")
        self._keys = [key.get_secret_value().encode() for key in keys]
        # HMAC states that have taken in the key and the purpose, copied for each secret: a
        # copy skips the key setup, and sign-ins hash three secrets each.
        self._primed: dict[tuple[int, str], hmac.HMAC] = {}

    def _digest(self, index: int, purpose: str, value: str) -> str:
        primed = self._primed.get((index, purpose))
        if primed is None:
            # The purpose is mixed in so that a hash of a session token can never be mistaken
            # for the hash of a sign-in token with the same text.
            primed = hmac.new(self._keys[index], purpose.encode() + b"\x00", "sha256")
            self._primed[(index, purpose)] = primed
        state = primed.copy()
        state.update(value.encode())
        return state.hexdigest()

    def for_storage(self, purpose: str, value: str) -> str:
        return self._digest(0, purpose, value)

    def session_token(self, seed: str, slot_tag: str = "") -> str:
        """The session token made from ``seed``, a random value kept on the account, after
        ``slot_tag``, which says where the session is stored (service/store/sessions.py).

        A reauthentication answers with the live session's token, as Bridge does, yet only the
        hash of that token is stored: the account keeps the seed, and the token is remade from
        it with the current key. After a key rotation it comes out different, the stored hash
        does not match, and the reauthentication starts a new session instead. With a slot tag
        of 4 letters, 44 hex digits are left: 176 bits.
        """
        return slot_tag + self._digest(0, SESSION_SEED, seed)[: TOKEN_LENGTH - len(slot_tag)]

    def candidates(self, purpose: str, value: str) -> list[str]:
        """Hashes under every configured key, newest first, for lookups during rotation."""
        return [self._digest(index, purpose, value) for index in range(len(self._keys))]
