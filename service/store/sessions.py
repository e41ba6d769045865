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
    """Where a session points: the study, the account's hash tag and the participant id."""

    study_id: str
    account_tag: str
    participant_id: str

    def encode(self) -> str:
        return f"{self.study_id} {self.account_tag} {self.participant_id}"

    @classmethod
    def decode(cls, value: str) -> SessionRef:
        study_id, tag, participant_id = value.split(" ")
        return cls(study_id, tag, participant_id)


class SessionStore:
    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def create(
        self, token_hash: str, participant: Participant, normalized_email: str, ttl_seconds: int
    ) -> None:
        tag = keys.account_tag(participant.study_id, normalized_email)
        ref = SessionRef(participant.study_id, tag, participant.id)
        await self._redis.set(keys.session(token_hash), ref.encode(), ex=ttl_seconds)

    async def find(self, candidate_hashes: Sequence[str]) -> SessionRef | None:
        for token_hash in candidate_hashes:
            value = await self._redis.get(keys.session(token_hash))
            if value is not None:
                return SessionRef.decode(text(value))
        return None

    async def delete(self, candidate_hashes: Sequence[str]) -> bool:
        removed = 0
        for token_hash in candidate_hashes:
            removed += await self._redis.delete(keys.session(token_hash))
        return removed > 0
