"""Sessions in Redis: one small string per session, keyed by the hash of its token.

A session's key lies in the Redis Cluster slot of its account, so that the sign-in script
(authenticate.lua) writes it in the same step as the sign-in: one round trip per sign-in
instead of two, which was a fifth of a sign-in's instructions (callgrind). The slot cannot be
found from a random token, so the token carries it: its first :data:`SLOT_TAG_LENGTH`
characters are a *slot tag*, a short string of the letters g-z that Redis hashes to the
account's slot, used as the key's hash tag (``keys.slotted_session``). Slot tags use no hex
digit, so they never begin a token of the earlier kind (48 hex digits), whose sessions stay
where they were (``keys.session``) until they expire.

During a rolling upgrade a process of the earlier version does not find the sessions the new
one makes (it looks under ``keys.session``): a request that reaches it answers 401, and the
app signs in again or reauthenticates. Upgrade every ``serve`` process together, or accept a
few such 401s.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot

from service.accounts.participant import Participant
from service.store import keys
from service.store.connection import RedisClient
from service.store.decoding import text

SLOT_TAG_LENGTH = 4
_SLOT_TAG_LETTERS = "ghijklmnopqrstuvwxyz"  # no hex digit: see the module's docstring


@cache
def _slot_tags() -> tuple[str, ...]:
    """The first slot tag (in ``itertools.product`` order) of each slot, by slot number. Four
    letters of twenty cover all 16,384 slots; built once, in some 50 ms."""
    found: dict[int, str] = {}
    for letters in itertools.product(_SLOT_TAG_LETTERS, repeat=SLOT_TAG_LENGTH):
        tag = "".join(letters)
        found.setdefault(key_slot(tag.encode()), tag)
        if len(found) == REDIS_CLUSTER_HASH_SLOTS:
            break
    return tuple(found[slot] for slot in range(REDIS_CLUSTER_HASH_SLOTS))


def slot_tag(study_id: str, normalized_email: str) -> str:
    """The slot tag of the slot that the address's account keys live in."""
    return _slot_tags()[key_slot(keys.account_tag(study_id, normalized_email).encode())]


def _slot_tag_of(token: str) -> str | None:
    """The slot tag a session token begins with, or None for a token of the earlier kind."""
    head = token[:SLOT_TAG_LENGTH]
    if len(head) == SLOT_TAG_LENGTH and all(char in _SLOT_TAG_LETTERS for char in head):
        return head
    return None


# Of a token's keyed hash, a slotted session's key keeps the first 128 bits (as the account
# keeps of a pending link's): nobody can make a token whose hash starts alike, and each session
# is 32 bytes smaller (a fifth).
_HASH_CHARS = 32


def session_key(token: str, token_hash: str) -> str:
    """Where the session of ``token`` (stored as ``token_hash``) lives."""
    tag = _slot_tag_of(token)
    if tag is None:
        return keys.session(token_hash)
    return keys.slotted_session(tag, token_hash[:_HASH_CHARS])


def record_prefix(account_tag: str) -> str:
    """The start of a session's record, the part known before the sign-in script runs: the
    script appends the participant id and the session generation (see SessionRef.encode)."""
    study_id = account_tag[1:].split(":", 1)[0]
    return f"{study_id} {account_tag}"


@dataclass(frozen=True)
class SessionRef:
    """Where a session points: the account's hash tag and the participant id, and the
    account's session generation when it was made (a later one means it was ended)."""

    account_tag: str
    participant_id: str
    generation: int = 0

    def encode(self) -> str:
        # The study id stays in front, though the tag holds it: processes of the previous
        # version, running beside this one during a rolling deploy, read it there.
        return f"{record_prefix(self.account_tag)} {self.participant_id} {self.generation}"

    @classmethod
    def decode(cls, value: str) -> SessionRef:
        fields = value.split(" ")
        if not fields[0].startswith("{"):
            # The study id in front (see encode); the oldest sessions lack the generation.
            fields = fields[1:]
        tag, participant_id, *generation = fields
        return cls(tag, participant_id, int(generation[0]) if generation else 0)


class SessionStore:
    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis
        _slot_tags()  # built once per process, now rather than in the first sign-in

    async def create(
        self,
        token: str,
        token_hash: str,
        participant: Participant,
        normalized_email: str,
        ttl_seconds: int,
    ) -> None:
        """Store a session made outside the sign-in script (a reauthentication's new seed)."""
        tag = keys.account_tag(participant.study_id, normalized_email)
        ref = SessionRef(tag, participant.id, participant.session_generation)
        await self._redis.set(session_key(token, token_hash), ref.encode(), ex=ttl_seconds)

    async def exists(self, token: str, token_hash: str) -> bool:
        return bool(await self._redis.exists(session_key(token, token_hash)))

    async def find(self, token: str, candidate_hashes: Sequence[str]) -> SessionRef | None:
        for token_hash in candidate_hashes:
            value = await self._redis.get(session_key(token, token_hash))
            if value is not None:
                return SessionRef.decode(text(value))
        return None

    async def delete(self, token: str, candidate_hashes: Sequence[str]) -> SessionRef | None:
        """Remove the session; where it pointed, or None when there was none."""
        found = None
        for token_hash in candidate_hashes:
            value = await self._redis.getdel(session_key(token, token_hash))
            if value is not None:
                found = SessionRef.decode(text(value))
        return found
