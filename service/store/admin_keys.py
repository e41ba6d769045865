"""Named keys of the researcher/admin API, stored hashed.

Two Redis entries per key:

- ``keys.ADMIN_KEYS``, a hash: name -> ``{"hash": sha256-hex of the key, "createdOn": ...}``;
  the list of keys, for operators;
- ``keys.admin_key(hash)``, a string: -> name; the lookup on every admin call, one GET.

A key opens the API only while both entries agree (the lookup names a key whose listed hash is
the presented key's), so an entry left behind by a crash or a race between ``create`` and
``revoke`` never holds a working key that ``list`` does not show.

The two keys do not share a hash tag (the lookup key is named by the hash of the secret), so on
Redis Cluster they may live on different slots and cannot change in one MULTI or one Lua script.
The writes are ordered instead, so that every state in between fails closed.
"""

from __future__ import annotations

import builtins
import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass

from service.clock import utc_now_iso
from service.store import keys
from service.store.connection import RedisClient
from service.store.decoding import text, text_dict

# A recognisable prefix, so that a leaked key is easy to spot (secret scanners, log reviews).
KEY_PREFIX = "mlk_"
NAME = re.compile(r"[a-z0-9][a-z0-9._-]{0,62}")
# What logs and console sessions call the bootstrap key (MAGICLINK_ADMIN_KEY); NAME is lower
# case, so no named key can be mistaken for it.
BOOTSTRAP_NAME = "MAGICLINK_ADMIN_KEY"
NAME_RULE = "1-63 characters of a-z, 0-9, '.', '_' and '-', starting with a letter or digit"
# token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
_MAX_KEY_LENGTH = 128


class AdminKeyError(Exception):
    """A named admin key cannot be created as asked; the message says why."""


class InvalidAdminKeyName(AdminKeyError, ValueError):
    def __init__(self, name: str) -> None:
        super().__init__(f"invalid admin key name {name!r}: use {NAME_RULE}")


class AdminKeyExists(AdminKeyError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"an admin key named {name!r} already exists; revoke it first or choose another name"
        )


@dataclass(frozen=True)
class AdminKeyInfo:
    """What may be shown about a key: never the key, never its hash."""

    name: str
    created_on: str


def is_valid_name(name: str) -> bool:
    return NAME.fullmatch(name) is not None


def key_hash(key: str) -> str:
    """SHA-256 (hex) of a key.

    Unkeyed on purpose, unlike the HMAC of sign-in tokens and sessions: an admin key carries
    256 random bits, so nobody can guess one from its hash, and a key that does not depend on
    ``MAGICLINK_SECRET_KEY`` keeps working when that secret is rotated.
    """
    return hashlib.sha256(key.encode()).hexdigest()


class AdminKeyStore:
    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def create(self, name: str) -> str:
        """Make a key named ``name`` and return it; it is stored only as its hash.

        Raises ``InvalidAdminKeyName`` or ``AdminKeyExists``.
        """
        if not is_valid_name(name):
            raise InvalidAdminKeyName(name)
        key = KEY_PREFIX + secrets.token_urlsafe(32)
        digest = key_hash(key)
        record = json.dumps({"hash": digest, "createdOn": utc_now_iso()})
        # The listing first: until the lookup exists the key opens nothing, and a crash in
        # between leaves a listed name that ``revoke`` cleans up.
        if not await self._redis.hsetnx(keys.ADMIN_KEYS, name, record):
            raise AdminKeyExists(name)
        try:
            await self._redis.set(keys.admin_key(digest), name)
        except BaseException:
            await self._redis.hdel(keys.ADMIN_KEYS, name)
            raise
        return key

    async def list(self) -> builtins.list[AdminKeyInfo]:
        """Every named key, by name, with its creation time."""
        records = text_dict(await self._redis.hgetall(keys.ADMIN_KEYS))
        return [AdminKeyInfo(name, _created_on(record)) for name, record in sorted(records.items())]

    async def revoke(self, name: str) -> bool:
        """Remove the key named ``name``; False when there is none."""
        record = await self._redis.hget(keys.ADMIN_KEYS, name)
        if record is None:
            return False
        digest = _hash_of(text(record))
        # The lookup first: the moment it is gone the key opens nothing. A crash before the
        # second delete leaves the name listed (and dead) until ``revoke`` runs again; the
        # opposite order could leave a working key that ``list`` no longer shows.
        if digest is not None:
            await self._redis.delete(keys.admin_key(digest))
        return bool(await self._redis.hdel(keys.ADMIN_KEYS, name))

    async def listed_hash(self, name: str) -> str | None:
        """The hash of the live key named ``name``; None once it is revoked (one HGET)."""
        record = await self._redis.hget(keys.ADMIN_KEYS, name)
        return _hash_of(text(record)) if record is not None else None

    async def lookup(self, presented: str) -> str | None:
        """The name of the key ``presented``, or None when it is not a live named key."""
        if not presented.startswith(KEY_PREFIX) or len(presented) > _MAX_KEY_LENGTH:
            return None  # cannot be one of ours; spare Redis the lookup
        digest = key_hash(presented)
        name = await self._redis.get(keys.admin_key(digest))
        if name is None:
            return None
        record = await self._redis.hget(keys.ADMIN_KEYS, text(name))
        listed = _hash_of(text(record)) if record is not None else None
        if listed is None or not hmac.compare_digest(listed, digest):
            return None  # a lookup left behind by a crash or a race: the name was revoked
        return text(name)


def _parse(record: str) -> dict[str, object]:
    try:
        value = json.loads(record)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _hash_of(record: str) -> str | None:
    digest = _parse(record).get("hash")
    return digest if isinstance(digest, str) else None


def _created_on(record: str) -> str:
    created = _parse(record).get("createdOn")
    return created if isinstance(created, str) else ""
