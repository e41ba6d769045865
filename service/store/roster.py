"""A study's participants in address order, for the researcher's listing, page by page.

Accounts are keyed by their own hash tags, so one study's accounts lie in many Cluster slots
and no one command can walk them. The roster is an index beside them: one sorted set per study
(``keys.study_roster``), every member scored 0 and written ``"normalized-address id"``, so
Redis keeps it in address order, then id order (a space sorts before every character an address
may hold). A page starts after the last member of the page before: while nothing changes, no
participant is skipped or repeated, and a participant added or removed meanwhile moves nobody
else. Each member names its account's key (the tag is made from the study and the address),
so a page reads its accounts in one pipelined round trip, whatever slots they are in.

Costs, for a study of N participants and a page of P:

- without a filter: ZCARD and one ZRANGEBYLEX of P + 1 members (O(log N + P)), then P HGETALLs;
- with a filter: the whole roster is read in chunks of ``CHUNK`` members (N / CHUNK round trips,
  one chunk in memory at a time) because ``total`` counts every match; for 100k participants
  that is 100 round trips and about 6 MB read, acceptable for an admin call, never made by apps.

The roster is written after the account (create, move, delete), not in the same script: they
are in different slots. A member whose account is gone, or now belongs to another participant
(a crash between the two writes, a deletion racing with the backfill), is left out of the page
and removed from the roster when a page meets it.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

from service.accounts.email_address import normalized
from service.store import keys
from service.store.connection import RedisClient
from service.store.decoding import text, text_dict

log = logging.getLogger(__name__)

CHUNK = 1000  # members read per round trip when a filter walks the roster or it is backfilled
_SEPARATOR = " "


def member(normalized_email: str, participant_id: str) -> str:
    """A participant's roster member: ordered by address, then id."""
    return f"{normalized_email}{_SEPARATOR}{participant_id}"


def _parts(entry: str) -> tuple[str, str]:
    email, _, participant_id = entry.rpartition(_SEPARATOR)
    return email, participant_id


@dataclass(frozen=True)
class RosterPage:
    """Up to a page of account records in roster order, and where the next page starts."""

    records: list[dict[str, str]]
    total: int  # members that match the filter (stale ones included until a page meets them)
    last: str | None  # the last member this page covered, when more follow; None at the end


class Roster:
    def __init__(self, redis: RedisClient) -> None:
        self._redis = redis

    async def page(
        self, study_id: str, after: str | None, size: int, email_contains: str = ""
    ) -> RosterPage:
        """The ``size`` members after ``after`` (a member; None from the start) whose address
        contains ``email_contains`` (lower case), with their account records."""
        await self._backfill(study_id)
        if email_contains:
            members, total = await self._filtered(study_id, after, size, email_contains)
        else:
            members, total = await self._range(study_id, after, size)
        more = len(members) > size
        members = members[:size]
        records = await self._records(study_id, members)
        return RosterPage(records, total, members[-1] if more else None)

    async def _range(self, study_id: str, after: str | None, size: int) -> tuple[list[str], int]:
        roster = keys.study_roster(study_id)
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.zcard(roster)
            pipe.zrangebylex(roster, _start(after), "+", 0, size + 1)
            total, members = await pipe.execute()
        return [text(m) for m in members], int(total)

    async def _filtered(
        self, study_id: str, after: str | None, size: int, contains: str
    ) -> tuple[list[str], int]:
        """One ordered pass over the whole roster, a chunk at a time: the count of matches,
        and the first ``size + 1`` of them after ``after``."""
        roster = keys.study_roster(study_id)
        wanted: list[str] = []
        total = 0
        start = "-"
        while True:
            chunk = [text(m) for m in await self._redis.zrangebylex(roster, start, "+", 0, CHUNK)]
            for entry in chunk:
                if contains not in _parts(entry)[0]:
                    continue
                total += 1
                if len(wanted) <= size and (after is None or entry > after):
                    wanted.append(entry)
            if len(chunk) < CHUNK:
                return wanted, total
            start = _start(chunk[-1])

    async def _records(self, study_id: str, members: Sequence[str]) -> list[dict[str, str]]:
        """The accounts of ``members``, in one pipelined round trip (Cluster-safe); members
        whose account is gone or belongs to somebody else now are dropped from the roster."""
        if not members:
            return []
        async with self._redis.pipeline(transaction=False) as pipe:
            for entry in members:
                email, _ = _parts(entry)
                pipe.hgetall(keys.account(keys.account_tag(study_id, email)))
            replies = await pipe.execute()
        records, stale = [], []
        for entry, reply in zip(members, replies, strict=True):
            record = text_dict(reply)
            if record.get("id") == _parts(entry)[1]:
                records.append(record)
            else:
                stale.append(entry)
        if stale:
            log.info("%d stale roster entries of %s removed", len(stale), study_id)
            await self._redis.zrem(keys.study_roster(study_id), *stale)
        return records

    async def add(self, study_id: str, normalized_email: str, participant_id: str) -> None:
        await self._redis.zadd(
            keys.study_roster(study_id), {member(normalized_email, participant_id): 0}
        )

    async def remove(self, study_id: str, normalized_email: str, participant_id: str) -> None:
        await self._redis.zrem(
            keys.study_roster(study_id), member(normalized_email, participant_id)
        )

    async def _backfill(self, study_id: str) -> None:
        """Once per study: add the participants created before the roster existed, from the
        id index (SSCAN, a chunk at a time). Later creations add themselves; doing it twice
        (two first listings at once) only writes the same members again."""
        if await self._redis.exists(keys.study_roster_built(study_id)):
            return
        added = 0
        async for ids in _chunks(self._redis, keys.study_participants(study_id)):
            entries = await self._members_of(study_id, ids)
            if entries:
                await self._redis.zadd(keys.study_roster(study_id), dict.fromkeys(entries, 0))
                added += len(entries)
        await self._redis.set(keys.study_roster_built(study_id), "1")
        if added:
            log.info("roster of %s built from %d existing participants", study_id, added)

    async def _members_of(self, study_id: str, ids: Sequence[str]) -> list[str]:
        """The roster members of participants by id: two pipelined round trips (the id index,
        then the accounts); a participant deleted meanwhile is left out."""
        async with self._redis.pipeline(transaction=False) as pipe:
            for participant_id in ids:
                pipe.get(keys.participant_id(study_id, participant_id))
            tags = [text(tag) for tag in await pipe.execute() if tag is not None]
        async with self._redis.pipeline(transaction=False) as pipe:
            for tag in tags:
                pipe.hmget(keys.account(tag), "id", "email")
            found = await pipe.execute()
        return [
            member(normalized(text(email)), text(pid))
            for pid, email in found
            if pid is not None and email is not None
        ]

    async def delete(self, study_id: str) -> None:
        # One key at a time: the two are in different Cluster slots.
        await self._redis.delete(keys.study_roster(study_id))
        await self._redis.delete(keys.study_roster_built(study_id))


def _start(after: str | None) -> str:
    """ZRANGEBYLEX's lower bound: just after ``after`` (exclusive), or the very start."""
    return "-" if after is None else f"({after}"


async def _chunks(redis: RedisClient, key: str) -> AsyncIterator[list[str]]:
    cursor: int = 0
    while True:
        cursor, ids = await redis.sscan(key, cursor, count=CHUNK)
        if ids:
            yield [text(i) for i in ids]
        if not cursor:
            return
