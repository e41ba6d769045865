"""Rate-limit budgets in Redis: sliding windows shared by every process (store/lua/
sliding_window.lua), so a limit does not loosen with each replica."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from service.settings import RateLimit
from service.store import keys
from service.store.scripts import Scripts

# The policy that paces a study's sign-in emails (the subject is the study's identifier).
STUDY_PACE = "study-pace"


@dataclass(frozen=True)
class Budget:
    """A rate-limit policy applied to one subject: at most ``limit`` per ``window_seconds``."""

    policy: str
    subject: str
    limit: int
    window_seconds: int


def budgets_of(policy: str, subject: str, rate: RateLimit | None) -> list[Budget]:
    """A limit's budget for one subject, in a list to spread into others; none when the
    limit is turned off."""
    return [] if rate is None else [Budget(policy, subject, rate.limit, rate.window_seconds)]


@dataclass(frozen=True)
class Exceeded:
    """A budget that has no room: which policy, and how long until it has."""

    policy: str
    wait_ms: int


class BudgetStore:
    """Budgets of the ``{limits}`` slot: failed sign-ins, password work, a study's email pace."""

    def __init__(self, scripts: Scripts) -> None:
        self._scripts = scripts

    async def take(self, budgets: Sequence[Budget]) -> Exceeded | None:
        """Count one event in every budget if all have room; otherwise count nothing."""
        return await self._run("take", budgets)

    async def count(self, budgets: Sequence[Budget]) -> Exceeded | None:
        """Count an event that happened; the budget it used up, if it did."""
        return await self._run("count", budgets)

    async def wait(self, budgets: Sequence[Budget]) -> Exceeded | None:
        """Count nothing: the budget that has no room for one more event, if any."""
        return await self._run("wait", budgets)

    async def _run(self, mode: str, budgets: Sequence[Budget]) -> Exceeded | None:
        if not budgets:
            return None
        reply = await self._scripts.take_budgets(
            keys=[keys.limit_budget(b.policy, b.subject) for b in budgets],
            args=[mode, *(value for b in budgets for value in (b.limit, b.window_seconds))],
        )
        index = int(reply[0])
        if index == 0:
            return None
        return Exceeded(budgets[index - 1].policy, int(reply[1]))
