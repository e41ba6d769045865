"""Participant accounts, their sign-in and reauth tokens, in Redis.

Each account is a hash under the participant's hash tag, which also holds the hashes of its
pending sign-in links and codes (fields named by ``keys.PENDING_LINK`` and ``PENDING_CODE``)
and the count of wrong codes against them, beside its set of reauth token hashes, so every
check-and-act runs as one Lua script in one slot. An id index and a per-study set let
researchers address participants by id and let a study deletion find them; the study's roster
(``service/store/roster.py``) lists them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from service.accounts.participant import Participant
from service.clock import iso_from_ms
from service.store import keys
from service.store.connection import RedisClient
from service.store.decoding import flat, text, text_dict, text_set
from service.store.roster import Roster
from service.store.roster import member as roster_member
from service.store.scripts import Scripts
from service.store.sessions import record_prefix


@dataclass(frozen=True)
class IssuedToken:
    """Where a new sign-in token goes: the account's address as written, when it expires, and
    the participant's languages (best first), which choose the email's."""

    email: str
    expires_ms: int
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class AccountPage:
    participants: list[Participant]
    total: int  # how many match the filter
    last: str | None  # where the next page starts (a roster position), None at the end


# Why no token was issued: no enabled account, or the address had its emails of the day.
NotIssued = Literal["none", "capped"]


AuthMode = Literal["link", "code", "reauth", "password"]


@dataclass(frozen=True)
class AuthResult:
    outcome: Literal["ok", "invalid", "disabled"]
    participant: Participant | None = None
    link_expires_ms: int | None = None  # the link or code used, by its expiry
    # What the participant's session token is made from (SecretHasher.session_token): the seed
    # the caller offered, or, when a reauthentication found a live session, that session's.
    session_seed: str = ""


def _to_hash(participant: Participant) -> dict[str, str]:
    record = {
        "id": participant.id,
        "study": participant.study_id,
        "email": participant.email,
        "status": participant.status,
        "consented": "1" if participant.consented else "0",
        "verified": "1" if participant.email_verified else "0",
        "created": participant.created_on,
    }
    # Always written, so that a researcher's edit can also take a password away. The session
    # generation and the day's email count are not: only their scripts change them.
    record["pw"] = participant.password_hash or ""
    record["pwu"] = "1" if participant.password_unproven else "0"
    record["scope"] = participant.sharing_scope
    record["signed"] = participant.consented_on or ""
    record["lang"] = ",".join(participant.languages)
    return record


def _activity(participant: Participant) -> dict[str, str]:
    """The fields only the sign-in script and onboarding write: carried over when an account
    moves to a new address, never written by a researcher's edit (it would undo a sign-in)."""
    record = {"signins": str(participant.sign_in_count)}
    if participant.last_sign_in_on is not None:
        record["lastsignin"] = str(_ms(participant.last_sign_in_on))
    if participant.onboarded_on is not None:
        record["onboarded"] = str(_ms(participant.onboarded_on))
    return record


def _ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso).timestamp() * 1000 + 0.5)


def _time(record: dict[str, str], field: str) -> str | None:
    value = record.get(field)
    return iso_from_ms(int(value)) if value else None


def _from_hash(record: dict[str, str]) -> Participant:
    return Participant(
        id=record["id"],
        study_id=record["study"],
        email=record["email"],
        status=record["status"],
        consented=record.get("consented") == "1",
        email_verified=record.get("verified") == "1",
        created_on=record["created"],
        password_hash=record.get("pw") or None,
        password_unproven=record.get("pwu") == "1",
        session_generation=int(record.get("gen") or 0),
        sharing_scope=record.get("scope") or "no_sharing",
        consented_on=record.get("signed") or None,
        languages=tuple(record["lang"].split(",")) if record.get("lang") else (),
        last_sign_in_on=_time(record, "lastsignin"),
        sign_in_count=int(record.get("signins") or 0),
        onboarded_on=_time(record, "onboarded"),
    )


@dataclass(frozen=True)
class TokenRequest:
    """A sign-in token and code (their hashes) to record for an address, valid ``ttl_seconds``."""

    study_id: str
    normalized_email: str
    token_hash: str
    code_hash: str
    ttl_seconds: int


def _issued(reply: list[bytes | str]) -> IssuedToken | NotIssued:
    outcome = text(reply[0])
    if outcome == "capped":
        return "capped"
    if outcome != "issued":
        return "none"
    stored = text(reply[3]) if len(reply) > 3 else ""
    return IssuedToken(text(reply[1]), int(reply[2]), tuple(filter(None, stored.split(","))))


class AccountStore:
    def __init__(self, redis: RedisClient, scripts: Scripts) -> None:
        self._redis = redis
        self._scripts = scripts
        self.roster = Roster(redis)

    async def existing(self, addresses: Sequence[tuple[str, str]]) -> list[bool]:
        """For each (study id, normalized address): whether its account exists, in one
        pipeline. The worker asks this of a whole batch, so that the many made-up addresses a
        flood of link requests brings cost it one lookup each and nothing more."""
        pipe = self._redis.pipeline(transaction=False)
        for study_id, address in addresses:
            pipe.exists(keys.account(keys.account_tag(study_id, address)))
        return [bool(found) for found in await pipe.execute()] if addresses else []

    async def issue_sign_in_token(
        self,
        study_id: str,
        normalized_email: str,
        token_hash: str,
        code_hash: str,
        ttl_seconds: int,
        emails_per_day: int,
    ) -> IssuedToken | NotIssued:
        """Record a token and its code for an enabled account that has not reached
        ``emails_per_day`` sign-in emails (0: no cap) in its current day, the 24 hours from
        the first of them."""
        request = TokenRequest(study_id, normalized_email, token_hash, code_hash, ttl_seconds)
        (issued,) = await self.issue_sign_in_tokens([request], emails_per_day)
        return issued

    async def issue_sign_in_tokens(
        self, requests: Sequence[TokenRequest], emails_per_day: int
    ) -> list[IssuedToken | NotIssued]:
        """:meth:`issue_sign_in_token` for many accounts in one pipeline (the worker's batch):
        one round trip however many of them have no account."""
        calls: list[tuple[list[str], list[str | int]]] = []
        for request in requests:
            tag = keys.account_tag(request.study_id, request.normalized_email)
            calls.append(
                (
                    [keys.account(tag), keys.sign_in_tokens(tag), keys.sign_in_codes(tag)],
                    [
                        request.token_hash,
                        request.code_hash,
                        request.ttl_seconds * 1000,
                        emails_per_day,
                    ],
                )
            )
        return [_issued(reply) for reply in await self._scripts.issue_sign_in_token.many(calls)]

    async def withdraw_sign_in_token(
        self, study_id: str, normalized_email: str, token_hash: str, code_hash: str
    ) -> None:
        """Take back an issued token and code that will not be sent now (see the script)."""
        tag = keys.account_tag(study_id, normalized_email)
        await self._scripts.withdraw_sign_in_token(
            keys=[keys.account(tag)], args=[token_hash, code_hash]
        )

    async def authenticate(
        self,
        study_id: str,
        normalized_email: str,
        mode: AuthMode,
        candidate_hashes: Sequence[str],
        new_reauth_hash: str | None,
        reauth_ttl_seconds: int,
        session_seed: str,
        session_key: str,
        session_ttl_seconds: int,
        languages: Sequence[str] = (),
    ) -> AuthResult:
        """Check the secret and sign the participant in, in one script (authenticate.lua):
        a new reauth token, the session's seed and generation, the languages if none yet, and
        the session's record at ``session_key`` (in the account's slot: sessions.py) unless a
        reauthentication found a live session."""
        tag = keys.account_tag(study_id, normalized_email)
        account_keys = [keys.account(tag), keys.reauth_tokens(tag), session_key]
        # One argument for what the script reads once (see authenticate.lua): each argument
        # redis-py sends costs some 8,000 instructions (callgrind).
        about = (
            f"{mode} {new_reauth_hash or '-'} {reauth_ttl_seconds * 1000} {session_seed} "
            f"{session_ttl_seconds * 1000} {','.join(languages) or '-'} {record_prefix(tag)}"
        )
        args = [about, *candidate_hashes]
        reply = await self._scripts.authenticate(keys=account_keys, args=args)
        if reply[0] == "miss":
            # Not pending in the account: the layout before it (until its last link expires),
            # and the count of a wrong code, in a second call (see the script).
            account_keys += [keys.sign_in_tokens(tag), keys.sign_in_codes(tag)]
            reply = await self._scripts.authenticate(keys=account_keys, args=args)
        if reply[0] != "ok":
            return AuthResult(reply[0])
        fields = reply[2:]
        record = dict(zip(fields[::2], fields[1::2], strict=True))
        return AuthResult(
            "ok", _from_hash(record), int(reply[1]) if reply[1] else None, record["sseed"]
        )

    async def create(self, participant: Participant, normalized_email: str) -> bool:
        """Create the account; False when the address already has one in this study."""
        tag = keys.account_tag(participant.study_id, normalized_email)
        # The id index goes first: an index entry without an account answers 404, while an
        # account without its index could never be found by id.
        await self._redis.set(keys.participant_id(participant.study_id, participant.id), tag)
        created = await self._scripts.create_account(
            keys=[keys.account(tag)], args=flat(_to_hash(participant))
        )
        if not created:
            await self._redis.delete(keys.participant_id(participant.study_id, participant.id))
            return False
        async with self._redis.pipeline(transaction=False) as pipe:  # one round trip for both
            pipe.sadd(keys.study_participants(participant.study_id), participant.id)
            pipe.zadd(
                keys.study_roster(participant.study_id),
                {roster_member(normalized_email, participant.id): 0},
            )
            await pipe.execute()
        return True

    async def move(
        self, current: Participant, current_email: str, updated: Participant, new_email: str
    ) -> bool:
        """Move an account to a new address; False (nothing changed) when that one is taken."""
        new_tag = keys.account_tag(updated.study_id, new_email)
        if not await self._scripts.create_account(
            keys=[keys.account(new_tag)], args=flat({**_to_hash(updated), **_activity(current)})
        ):
            return False
        await self._redis.set(keys.participant_id(updated.study_id, updated.id), new_tag)
        old_tag = keys.account_tag(current.study_id, current_email)
        await self._redis.delete(*keys.account_keys(old_tag))
        await self.roster.add(updated.study_id, new_email, updated.id)
        await self.roster.remove(current.study_id, current_email, current.id)
        return True

    async def by_email(self, study_id: str, normalized_email: str) -> Participant | None:
        record = text_dict(
            await self._redis.hgetall(keys.account(keys.account_tag(study_id, normalized_email)))
        )
        return _from_hash(record) if record else None

    async def _tag_of(self, study_id: str, participant_id: str) -> str | None:
        tag = await self._redis.get(keys.participant_id(study_id, participant_id))
        return text(tag) if tag is not None else None

    async def by_id(self, study_id: str, participant_id: str) -> Participant | None:
        tag = await self._tag_of(study_id, participant_id)
        if tag is None:
            return None
        record = text_dict(await self._redis.hgetall(keys.account(tag)))
        if not record or record.get("id") != participant_id:
            return None
        return _from_hash(record)

    async def by_tag(self, tag: str, participant_id: str) -> Participant | None:
        """The account a session points at, if it is still the same participant."""
        record = text_dict(await self._redis.hgetall(keys.account(tag)))
        if not record or record.get("id") != participant_id:
            return None
        return _from_hash(record)

    async def save(self, participant: Participant, normalized_email: str) -> bool:
        """Write every field of an existing account (same address); the researcher's edit."""
        tag = keys.account_tag(participant.study_id, normalized_email)
        return await self.update(tag, participant.id, _to_hash(participant))

    async def update(self, tag: str, participant_id: str, fields: dict[str, str]) -> bool:
        """Write single fields of an account if it still belongs to ``participant_id``."""
        written = await self._scripts.update_account(
            keys=[keys.account(tag)], args=[participant_id, *flat(fields)]
        )
        return bool(written)

    async def set_password(
        self, participant: Participant, normalized_email: str, password_hash: str
    ) -> bool:
        """A password set by its proven owner, in a link or code sign-in (a researcher's edit
        writes it with :meth:`save`)."""
        tag = keys.account_tag(participant.study_id, normalized_email)
        return await self.update(tag, participant.id, {"pw": password_hash, "pwu": "0"})

    async def reseed_session(
        self, participant: Participant, normalized_email: str, seed: str, ttl_seconds: int
    ) -> bool:
        """A new session seed, for when the live session's token cannot be made again."""
        tag = keys.account_tag(participant.study_id, normalized_email)
        expires_ms = int(time.time() * 1000) + ttl_seconds * 1000
        return await self.update(tag, participant.id, {"sseed": seed, "sx": str(expires_ms)})

    async def end_sessions(self, participant: Participant, normalized_email: str) -> bool:
        """End every session and revoke every reauth token of the account (disabled)."""
        tag = keys.account_tag(participant.study_id, normalized_email)
        return await self._end(tag, participant.id, sessions=True)

    async def revoke_reauth_tokens(self, tag: str, participant_id: str) -> bool:
        """Revoke every reauth token of the account a session points at (signed out)."""
        return await self._end(tag, participant_id, sessions=False)

    async def _end(self, tag: str, participant_id: str, *, sessions: bool) -> bool:
        ended = await self._scripts.end_sessions(
            keys=[keys.account(tag), keys.reauth_tokens(tag)],
            args=[participant_id, "1" if sessions else "0"],
        )
        return bool(ended)

    async def set_consent(
        self, tag: str, participant_id: str, consented_on: str | None, sharing_scope: str
    ) -> bool:
        """Record a consent signature (``consented_on``) or its withdrawal (None)."""
        return await self.update(
            tag,
            participant_id,
            {
                "consented": "1" if consented_on else "0",
                "signed": consented_on or "",
                "scope": sharing_scope,
            },
        )

    async def delete(self, participant: Participant, normalized_email: str) -> None:
        tag = keys.account_tag(participant.study_id, normalized_email)
        await self._redis.delete(*keys.account_keys(tag))
        await self._redis.delete(keys.participant_id(participant.study_id, participant.id))
        await self._redis.srem(keys.study_participants(participant.study_id), participant.id)
        await self.roster.remove(participant.study_id, normalized_email, participant.id)

    async def page(
        self, study_id: str, after: str | None, size: int, email_contains: str = ""
    ) -> AccountPage:
        """A page of the study's participants by address, then id (see ``roster.py``)."""
        found = await self.roster.page(study_id, after, size, email_contains)
        return AccountPage([_from_hash(r) for r in found.records], found.total, found.last)

    async def mark_onboarded(self, participant: Participant, normalized_email: str) -> bool:
        """Record now as when the participant's onboarding email was queued."""
        tag = keys.account_tag(participant.study_id, normalized_email)
        now_ms = int(time.time() * 1000)
        return await self.update(tag, participant.id, {"onboarded": str(now_ms)})

    async def delete_study(self, study_id: str) -> int:
        """Delete every account of a study; returns how many."""
        count = 0
        ids = text_set(await self._redis.smembers(keys.study_participants(study_id)))
        for participant_id in ids:
            tag = await self._tag_of(study_id, participant_id)
            if tag is not None:
                await self._redis.delete(*keys.account_keys(tag))
                count += 1
            await self._redis.delete(keys.participant_id(study_id, participant_id))
        await self._redis.delete(keys.study_participants(study_id))
        await self.roster.delete(study_id)
        return count
