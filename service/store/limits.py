"""Bounds on what one account keeps in Redis, shared by the stores and their Lua scripts.

The scripts take them as constants (``$NAME`` in the Lua source, filled in when it is loaded)
rather than as arguments: redis-py spends a few thousand instructions on every argument it
sends (callgrind), and these scripts run on every sign-in.
"""

from __future__ import annotations

from service.auth.tokens import MAX_WRONG_CODES
from service.studies.model import MAX_TOKEN_TTL_SECONDS

MAX_SIGN_IN_TOKENS = 3  # pairs of a link and its code outstanding per address
MAX_REAUTH_TOKENS = 5
# Wrong codes are remembered for as long as any code can live (the longest token lifetime),
# so waiting out one pending sign-in never buys fresh guesses.
WRONG_CODES_KEPT_MS = MAX_TOKEN_TTL_SECONDS * 1000

SCRIPT_CONSTANTS = {
    "MAX_SIGN_IN_TOKENS": MAX_SIGN_IN_TOKENS,
    "MAX_REAUTH_TOKENS": MAX_REAUTH_TOKENS,
    "MAX_WRONG_CODES": MAX_WRONG_CODES,
    "WRONG_CODES_KEPT_MS": WRONG_CODES_KEPT_MS,
}
