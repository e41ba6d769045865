"""Bounds on what Redis keeps (per account, and of dead letters), and the names of account
fields, shared with the Lua scripts.

The scripts take them as constants (``$NAME`` in the Lua source, filled in when it is loaded)
rather than as arguments: redis-py spends a few thousand instructions on every argument it
sends (callgrind), and these scripts run on every sign-in.
"""

from __future__ import annotations

from service.auth.tokens import MAX_WRONG_CODES
from service.store import keys

MAX_SIGN_IN_TOKENS = 3  # links outstanding per address, and as many codes
MAX_REAUTH_TOKENS = 3  # a reauth token stays good through 3 rotations (Bridge's ROTATIONS)
# Emails that failed for good, kept for an operator to look at or send again; the oldest go
# first, so a flood of undeliverable jobs cannot fill Redis.
MAX_DEAD_LETTERS = 10_000
# Languages of the request a sign-in job carries for the worker (Accept-Language, best first).
MAX_JOB_LANGUAGES = 5

SCRIPT_CONSTANTS = {
    "MAX_SIGN_IN_TOKENS": MAX_SIGN_IN_TOKENS,
    "MAX_REAUTH_TOKENS": MAX_REAUTH_TOKENS,
    "MAX_WRONG_CODES": MAX_WRONG_CODES,
    "MAX_DEAD_LETTERS": MAX_DEAD_LETTERS,
    "MAX_JOB_LANGUAGES": MAX_JOB_LANGUAGES,
    # The account's fields of pending links and codes, and of wrong codes (keys.py).
    "PENDING_LINK": keys.PENDING_LINK,
    "PENDING_CODE": keys.PENDING_CODE,
    "PENDING_HASH_CHARS": keys.PENDING_HASH_CHARS,
    "WRONG_CODES_FIELD": keys.WRONG_CODES_FIELD,
}
