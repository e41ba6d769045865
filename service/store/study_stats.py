"""Each study's sign-in funnel by UTC day: what ``GET /v3/studies/{id}/stats`` reads.

One hash per study and day (``keys.study_stats``), a dozen fixed fields, each write renewing a
TTL of :data:`TTL_DAYS` days, so a study's keys are bounded without an index. Where each count
comes from, and what it costs:

- ``linksRequested``: ``accept_sign_in.lua``, in the step that accepts the request, for known and
  unknown addresses alike (the request path stays the same for both, and the count reveals
  nothing). No round trip more.
- ``emailsSent``, ``emailsFailed``: ``settle_job.lua``, in the step that settles the sign-in
  email (sent, or dead-lettered). No round trip more.
- landing views, sign-ins by method, wrong codes, links issued and used: this process's memory
  first, written in one round trip every few seconds (and after each batch the worker delivers),
  as ``link_stats.py`` does for the same reason: one more redis-py call is about a quarter of a
  sign-in's instructions. A process that dies loses its last few seconds of these.
- ``linksExpiredUnused``: links issued minus links used, both counted under the day the link
  expires; known once that day is over (plus a grace for the writes above), null before.

The day of a count is this process's clock (:attr:`StudyStats.clock`), not Redis's, so that the
keys a script touches are named before it runs (Redis Cluster routes a script by its keys).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from service.store import keys
from service.store.buffered_counts import BufferedCounts
from service.store.connection import RedisClient
from service.store.decoding import text_dict

log = logging.getLogger(__name__)

TTL_DAYS = 100  # beyond the longest span anyone may ask for
TTL_SECONDS = TTL_DAYS * 86_400
MAX_DAYS = 90
DEFAULT_DAYS = 30
GRACE_MS = 120_000  # a day's use counts may still arrive this long after it ends
DAY_MS = 86_400_000
_MAX_NAMES = 4096  # key names remembered (study, day); all forgotten at once beyond

LINKS_REQUESTED = "linksRequested"
EMAILS_SENT = "emailsSent"
EMAILS_FAILED = "emailsFailed"
WRONG_CODES = "wrongCodes"
LINKS_ISSUED = "linksIssued"  # by the day the link expires
LINKS_USED = "linksUsed"  # by the day the used link would have expired
# The landing page's categories (deeplinks.platform.Platform.category) and the sign-in modes.
PLATFORMS = ("ios", "android", "desktop", "in-app")
SIGN_IN_METHODS = ("link", "code", "password", "reauth")

# A count a script makes: the hash and its field.
Tally = tuple[str, str]


def landing_field(platform: str) -> str:
    return f"landingViews:{platform}"


def sign_in_field(method: str) -> str:
    return f"signIns:{method}"


def day_of(ms: int) -> date:
    return datetime.fromtimestamp(ms / 1000, UTC).date()


def kept_keys(study_id: str, today: date) -> list[str]:
    """Every key of the study that may still exist: the TTL's days, and a day of clock skew."""
    days = (today - timedelta(days=back) for back in range(-1, TTL_DAYS + 1))
    return [keys.study_stats(study_id, day.isoformat()) for day in days]


@dataclass(frozen=True)
class DayCounts:
    day: date
    links_requested: int
    emails_sent: int
    emails_failed: int
    landing_views: dict[str, int]
    sign_ins: dict[str, int]
    wrong_codes: int
    links_expired_unused: int | None  # None while links expiring that day may still be used


class StudyStats(BufferedCounts[Tally]):
    what = "study funnel counts"

    def __init__(
        self,
        redis: RedisClient,
        clock: Callable[[], float] = time.time,
        grace_ms: int = GRACE_MS,
    ) -> None:
        self._redis = redis
        self.clock = clock  # seconds since the epoch; tests move it across midnight
        self._grace_ms = grace_ms
        self._names: dict[tuple[str, int], str] = {}  # key names by (study, day number)
        super().__init__()  # counts not yet in Redis, by (hash, field)

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    def key(self, study_id: str, at_ms: int | None = None) -> str:
        """The study's hash of the day of ``at_ms`` (default: now)."""
        ms = self.now_ms() if at_ms is None else at_ms
        # Named once per study and day: a sign-in counts twice, and a date's name costs more
        # than the count (callgrind). A UTC day is DAY_MS long (Unix time has no leap seconds).
        day_key = (study_id, ms // DAY_MS)
        name = self._names.get(day_key)
        if name is None:
            if len(self._names) >= _MAX_NAMES:
                self._names.clear()
            name = keys.study_stats(study_id, day_of(ms).isoformat())
            self._names[day_key] = name
        return name

    def tally(self, study_id: str, field: str, at_ms: int | None = None) -> Tally:
        """Where a count of ``field`` goes, for a script to make."""
        return self.key(study_id, at_ms), field

    def count(self, study_id: str, field: str, at_ms: int | None = None) -> None:
        """Count one event; it reaches Redis with the next :meth:`flush`."""
        self._pending[self.tally(study_id, field, at_ms)] += 1

    def forget(self, study_id: str) -> None:
        """Drop this process's unwritten counts of a study being deleted, so that a later
        flush cannot bring its counts back. (Another process's, at most a few seconds' worth,
        can; their TTL bounds them.)"""
        prefix = keys.study_stats(study_id, "")
        for tally in [tally for tally in self._pending if tally[0].startswith(prefix)]:
            del self._pending[tally]

    async def _write(self, pending: Counter[Tally]) -> None:
        # Every key is in the outbox slot: on a Cluster, one node takes the whole pipeline.
        async with self._redis.pipeline(transaction=False) as pipe:
            for (key, field), count in pending.items():
                pipe.hincrby(key, field, count)
            for key in {key for key, _ in pending}:
                pipe.expire(key, TTL_SECONDS)
            await pipe.execute()

    async def days(self, study_id: str, days: int) -> list[DayCounts]:
        """The last ``days`` days of the study, oldest first, today last (one round trip after
        this process's own counts are written, so what it just counted shows)."""
        await self.flush()
        now_ms = self.now_ms()
        today = day_of(now_ms)
        wanted = [today - timedelta(days=back) for back in range(days - 1, -1, -1)]
        async with self._redis.pipeline(transaction=False) as pipe:
            for day in wanted:
                pipe.hgetall(keys.study_stats(study_id, day.isoformat()))
            hashes: list[Any] = await pipe.execute()
        return [
            self._day(day, text_dict(raw), now_ms) for day, raw in zip(wanted, hashes, strict=True)
        ]

    def _day(self, day: date, fields: dict[str, str], now_ms: int) -> DayCounts:
        def number(field: str) -> int:
            return int(fields.get(field, 0))

        ends = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        over = int(ends.timestamp() * 1000) + self._grace_ms <= now_ms
        return DayCounts(
            day=day,
            links_requested=number(LINKS_REQUESTED),
            emails_sent=number(EMAILS_SENT),
            emails_failed=number(EMAILS_FAILED),
            landing_views={p: number(landing_field(p)) for p in PLATFORMS},
            sign_ins={m: number(sign_in_field(m)) for m in SIGN_IN_METHODS},
            wrong_codes=number(WRONG_CODES),
            # A link replaced, revoked or left behind is unused too; more uses than issues
            # (counts from before a redeploy) never make it negative.
            links_expired_unused=max(0, number(LINKS_ISSUED) - number(LINKS_USED))
            if over
            else None,
        )
