"""Limits on sign-in attempts, so that guessing and password work stay bounded.

- **Failed sign-ins per client** (a wrong, expired or used link token, code, reauth token or
  password): counted in Redis after each failure. The success path pays no round trip for
  this: when a failure uses the budget up, Redis says for how long, and this process refuses
  that client until then without asking again. Another process learns it at the client's
  next failure there, so N processes allow at most N - 1 failures more than the limit.
- **Password work per client and per address** (a password sign-in or a sign-up costs one
  argon2 hash): taken in Redis before the hash is computed.

Anybody who knows an address can use up its password budget for a while; its owner can still
sign in with an emailed link, which none of these limits touches.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from typing import Protocol

from service.errors import RateLimited
from service.observability.metrics import Metrics
from service.settings import Settings
from service.store.budgets import BudgetStore, budgets_of
from service.store.keys import email_hash

FAILED = "failed-sign-ins"
PASSWORDS_PER_IP = "passwords-ip"
PASSWORDS_PER_ADDRESS = "passwords-address"

_MESSAGES = {
    FAILED: "Too many failed sign-ins from your network; please try again later.",
    PASSWORDS_PER_IP: "Too many password attempts from your network; please try again later.",
    PASSWORDS_PER_ADDRESS: "Too many password attempts for this email address; please try "
    "again later, or sign in with a link sent by email.",
}


class _Caller(Protocol):
    @property
    def client(self) -> str: ...


# Clients this process currently refuses; the oldest are forgotten first (Redis still counts).
_MAX_REMEMBERED = 10_000


class AttemptLimits:
    def __init__(self, budgets: BudgetStore, settings: Settings, metrics: Metrics) -> None:
        self._budgets = budgets
        self._settings = settings
        self._metrics = metrics
        self._refused_until: OrderedDict[str, float] = OrderedDict()

    def _refuse(self, policy: str, wait_seconds: float) -> RateLimited:
        self._metrics.refused.labels(policy).inc()
        return RateLimited(_MESSAGES[policy], math.ceil(wait_seconds))

    def check(self, caller: _Caller) -> None:
        """Refuse a caller whose network's failed sign-ins used up its budget (429); while no
        client is refused, without working out the caller's network."""
        if self._refused_until:
            self.check_client(caller.client)

    def check_client(self, client: str) -> None:
        """Refuse a client whose failed sign-ins used up its budget (429)."""
        until = self._refused_until.get(client)
        if until is None:
            return
        left = until - time.monotonic()
        if left <= 0:
            del self._refused_until[client]
            return
        raise self._refuse(FAILED, left)

    async def failed(self, client: str) -> None:
        """Count a failed sign-in of the client; remember a refusal when it used the budget up."""
        budgets = budgets_of(FAILED, client, self._settings.rate_limit_failed_sign_ins_per_ip)
        exceeded = await self._budgets.count(budgets)
        if exceeded is None:
            return
        self._refused_until[client] = time.monotonic() + exceeded.wait_ms / 1000
        self._refused_until.move_to_end(client)
        while len(self._refused_until) > _MAX_REMEMBERED:
            self._refused_until.popitem(last=False)

    async def take_password_work(self, client: str, study_id: str, normalized_email: str) -> None:
        """Count a password check or sign-up of the client and the address, or refuse (429)."""
        settings = self._settings
        address = f"{study_id}:{email_hash(normalized_email)}"
        budgets = [
            *budgets_of(PASSWORDS_PER_IP, client, settings.rate_limit_passwords_per_ip),
            *budgets_of(PASSWORDS_PER_ADDRESS, address, settings.rate_limit_passwords_per_address),
        ]
        exceeded = await self._budgets.take(budgets)
        if exceeded is not None:
            raise self._refuse(exceeded.policy, exceeded.wait_ms / 1000)
