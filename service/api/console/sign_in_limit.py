"""A cap on failed console sign-ins per client, so the form cannot be used to guess keys.

Failures are counted in Redis (a sliding window shared by every process, ``store/budgets.py``);
a client whose failures used the budget up is refused, successes included, until the window
has room again. Only failures count: a researcher signing in often is never refused.
"""

from __future__ import annotations

import math

from service.errors import RateLimited
from service.store.budgets import Budget, BudgetStore

POLICY = "console-sign-in-failures"
MAX_FAILURES = 10
WINDOW_SECONDS = 600
MESSAGE = "Too many failed sign-ins from your network. Try again in {minutes} minutes."


def _budget(client: str) -> Budget:
    return Budget(POLICY, client, MAX_FAILURES, WINDOW_SECONDS)


def _refusal(wait_ms: int) -> RateLimited:
    seconds = math.ceil(wait_ms / 1000)
    return RateLimited(MESSAGE.format(minutes=max(1, math.ceil(seconds / 60))), seconds)


async def check(budgets: BudgetStore, client: str) -> None:
    """RateLimited when the client's failures used the budget up (counts nothing)."""
    exceeded = await budgets.wait([_budget(client)])
    if exceeded is not None:
        raise _refusal(exceeded.wait_ms)


async def failed(budgets: BudgetStore, client: str) -> None:
    """Count a failure (the next attempt is refused once the budget is used up)."""
    await budgets.count([_budget(client)])
