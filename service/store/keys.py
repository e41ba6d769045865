"""Every Redis key name the service uses, in one place.

All keys of one participant share the hash tag ``{study:emailhash}`` so that the Lua scripts
that check and act on them run on one Redis Cluster slot. The tag holds a hash of the
normalized address rather than the address: key names show up in ``MONITOR``, slow logs and
memory reports, and an address may contain ``{`` or ``}``, which would break the tag.
"""

from __future__ import annotations

import functools
import hashlib

PREFIX = "ml:"

STUDIES = f"{PREFIX}studies"  # set of study identifiers
# Changes (to a random value) on every study write, so that caches of what is built from all
# studies (the app association files) know when to rebuild.
STUDIES_VERSION = f"{PREFIX}studies:version"

# The outbox and the request-time limits share one slot, so accepting a request (check every
# limit, then queue the email) is one atomic script and one round trip. One slot handles far
# more than the sign-in rate of any deployment we size for (docs: thousands per second).
_OUTBOX = f"{PREFIX}" + "{outbox}"
OUTBOX = f"{_OUTBOX}:queue"  # stream of emails waiting for delivery
OUTBOX_GROUP = "senders"
OUTBOX_DELAYED = f"{_OUTBOX}:delayed"  # sorted set: job waiting for a retry -> due time (ms)
OUTBOX_DEAD = f"{_OUTBOX}:dead"  # stream of jobs that failed for good, with the reason
# Stream the accept script writes the job of an address without an account to, and empties at
# once: such a request costs Redis what a queued one does (accept_sign_in.lua).
OUTBOX_NO_ACCOUNT = f"{_OUTBOX}:no-account"


def _message_part(message_id: str) -> str:
    # The random part of <random@host>: unique per job, and no host name in a key name (key
    # names show in MONITOR and slow logs, where a test keeps domains out).
    return message_id.strip("<>").split("@", 1)[0]


def accepted(message_id: str) -> str:
    """Exists for a while after a sign-in request was queued, holding its stream entry id: a
    client library that sends the accepting script again (its reply was lost) finds it and
    queues nothing more. Named by the job's random Message-ID, which each request has."""
    return f"{_OUTBOX}:accepted:{_message_part(message_id)}"


def sent(message_id: str) -> str:
    """Exists for a while after a job's email was sent (written with its settlement): a job
    whose settlement was lost and that comes round again is settled without a second email."""
    return f"{_OUTBOX}:sent:{_message_part(message_id)}"


@functools.lru_cache(maxsize=1024)  # a sign-in names its account's keys twice
def email_hash(normalized_email: str) -> str:
    return hashlib.sha256(normalized_email.encode()).hexdigest()[:32]


def study_stats(study_id: str, day: str) -> str:
    """Hash of one study's sign-in funnel counts for one UTC day (``YYYY-MM-DD``). In the outbox
    slot, so that the scripts that accept a link request and settle an email count it in the
    same step (no round trip more); a handful of fields per study and day."""
    return f"{_OUTBOX}:stats:{study_id}:{day}"


def request_window(study_id: str, normalized_email: str) -> str:
    """Exists while an address must wait before another sign-in email (known or not)."""
    return f"{_OUTBOX}:window:{study_id}:{email_hash(normalized_email)}"


def onboarded(study_id: str) -> str:
    """Hash of a study's onboarded addresses (by hash) -> when their email was queued."""
    return f"{_OUTBOX}:onboarded:{study_id}"


def budget(policy: str, subject: str) -> str:
    """Hash of per-window counters of a limit checked when a sign-in email is asked for, for
    one subject (a client's IP); beside the outbox, so that accepting is one script."""
    return f"{_OUTBOX}:budget:{policy}:{subject}"


# The other limits (failed sign-ins, password work, each study's pace of emails) share a slot
# of their own, so one script can take a client's and an address's budgets together.
_LIMITS = f"{PREFIX}" + "{limits}"


def limit_budget(policy: str, subject: str) -> str:
    """Hash of per-window counters of one limit for one subject (a client, an address by its
    hash with the study, a study)."""
    return f"{_LIMITS}:budget:{policy}:{subject}"


def study(study_id: str) -> str:
    return f"{PREFIX}study:{study_id}"


def study_participants(study_id: str) -> str:
    """Set of participant ids of a study, so deleting a study can find them without KEYS."""
    return f"{PREFIX}study:{study_id}:participants"


def study_roster(study_id: str) -> str:
    """Sorted set of a study's participants for listing: every member scores 0 and is
    ``"normalized-address participant-id"``, so the set is ordered by address, then id."""
    return f"{PREFIX}study:{study_id}:roster"


def study_roster_built(study_id: str) -> str:
    """Exists once the roster holds the participants created before it existed (backfill)."""
    return f"{PREFIX}study:{study_id}:roster-built"


def account_tag(study_id: str, normalized_email: str) -> str:
    return "{" + f"{study_id}:{email_hash(normalized_email)}" + "}"


def account(tag: str) -> str:
    return f"{PREFIX}{tag}:account"  # hash: the participant record


# A pending sign-in lives in the account hash itself, one field per link and one per code:
# ``PENDING_LINK + hash`` and ``PENDING_CODE + hash`` -> expiry (ms), where hash is the first
# PENDING_HASH_CHARS hex digits of the secret's keyed hash (128 bits: no guess can hit one).
# Two small fields in a hash that exists anyway cost far less than two keys of their own: a key
# is some 50 bytes before it holds anything, a sorted set some 150 (tests/integration/
# test_memory.py). No other field of the account has a colon in its name.
PENDING_LINK = "l:"
PENDING_CODE = "c:"
PENDING_HASH_CHARS = 32


def sign_in_tokens(tag: str) -> str:
    # The layout before pending sign-ins moved into the account hash: read by authenticate.lua
    # and folded into the hash by issue_sign_in_token.lua, so that links emailed before an
    # upgrade keep working until they expire. Nothing writes it any more.
    return f"{PREFIX}{tag}:signin"  # sorted set: link token hash -> expiry (ms)


def sign_in_codes(tag: str) -> str:
    # As sign_in_tokens: the codes of the layout before the upgrade.
    return f"{PREFIX}{tag}:codes"  # sorted set: typed code hash -> expiry (ms)


def reauth_tokens(tag: str) -> str:
    return f"{PREFIX}{tag}:reauth"  # sorted set: reauth token hash -> expiry (ms)


# The account's field counting wrong typed codes against its pending codes (dropped with them).
WRONG_CODES_FIELD = "wc"


def wrong_codes(tag: str) -> str:
    # The count of wrong codes before it moved into the account (WRONG_CODES_FIELD); nothing
    # writes it any more, and one from before an upgrade expires with its codes.
    return f"{PREFIX}{tag}:wrong-codes"


def account_keys(tag: str) -> list[str]:
    return [
        account(tag),
        sign_in_tokens(tag),
        sign_in_codes(tag),
        reauth_tokens(tag),
        wrong_codes(tag),
    ]


def participant_id(study_id: str, participant: str) -> str:
    return f"{PREFIX}participant:{study_id}:{participant}"  # -> account tag


ADMIN_KEYS = f"{PREFIX}admin-keys"  # hash: key name -> hash of the key
# hash: sign-in links issued and used by the minute they expire, and the expired-unused total
LINK_STATS = f"{PREFIX}" + "{link-stats}"


def admin_key(key_hash: str) -> str:
    return f"{PREFIX}admin-key:{key_hash}"  # -> key name, for the lookup on every admin call


def session(token_hash: str) -> str:
    """A session made before sessions moved into their account's slot (legacy tokens)."""
    return f"{PREFIX}session:{token_hash}"  # -> "study account-tag participant-id generation"


def slotted_session(slot_tag: str, token_hash: str) -> str:
    """A session, in the Redis Cluster slot of its account: ``slot_tag`` is a short hash tag
    that hashes to that slot and begins the session's token (service/store/sessions.py), so
    the sign-in script writes the session in the step that signs the participant in."""
    return f"{PREFIX}session:{{{slot_tag}}}:{token_hash}"  # -> as session()


def console_session(id_hash: str) -> str:
    return f"{PREFIX}console-session:{id_hash}"  # -> JSON: key name, key hash, CSRF token
