"""Sessions in Redis: one small string per session, keyed by the hash of its token."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.accounts.participant import Participant
from service.store import keys
from service.store.connection import RedisClient
from service.store.decoding import text


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
        study_id = self.account_tag[1:].split(":", 1)[0]
        return f"{study_id} {self.account_tag} {self.participant_id} {self.generation}"

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

    async def create(
        self, token_hash: str, participant: Participant, normalized_email: str, ttl_seconds: int
    ) -> None:
        tag = keys.account_tag(participant.study_id, normalized_email)
        ref = SessionRef(tag, participant.id, participant.session_generation)
        await self._redis.set(keys.session(token_hash), ref.encode(), ex=ttl_seconds)

    async def exists(self, token_hash: str) -> bool:
        return bool(await self._redis.exists(keys.session(token_hash)))

    async def find(self, candidate_hashes: Sequence[str]) -> SessionRef | None:
        for token_hash in candidate_hashes:
            value = await self._redis.get(keys.session(token_hash))
            if value is not None:
                return SessionRef.decode(text(value))
        return None

    async def delete(self, candidate_hashes: Sequence[str]) -> SessionRef | None:
        """Remove the session; where it pointed, or None when there was none."""
        found = None
        for token_hash in candidate_hashes:
            value = await self._redis.getdel(keys.session(token_hash))
            if value is not None:
                found = SessionRef.decode(text(value))
        return found
