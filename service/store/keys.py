"""Every Redis key name the service uses, in one place.

All keys of one participant share the hash tag ``{study:emailhash}`` so that the Lua scripts
that check and act on them run on one Redis Cluster slot. The tag holds a hash of the
normalized address rather than the address: key names show up in ``MONITOR``, slow logs and
memory reports, and an address may contain ``{`` or ``}``, which would break the tag.
"""

from __future__ import annotations

import hashlib

PREFIX = "ml:"

STUDIES = f"{PREFIX}studies"  # set of study identifiers
OUTBOX = f"{PREFIX}outbox"  # stream of emails waiting for delivery
OUTBOX_GROUP = "senders"


def study(study_id: str) -> str:
    return f"{PREFIX}study:{study_id}"


def study_participants(study_id: str) -> str:
    """Set of participant ids of a study, so deleting a study can find them without KEYS."""
    return f"{PREFIX}study:{study_id}:participants"


def account_tag(study_id: str, normalized_email: str) -> str:
    digest = hashlib.sha256(normalized_email.encode()).hexdigest()[:32]
    return "{" + f"{study_id}:{digest}" + "}"


def account(tag: str) -> str:
    return f"{PREFIX}{tag}:account"  # hash: the participant record


def sign_in_tokens(tag: str) -> str:
    return f"{PREFIX}{tag}:signin"  # sorted set: token hash -> expiry (ms)


def request_window(tag: str) -> str:
    return f"{PREFIX}{tag}:window"  # exists while the address must wait for another email


def reauth_tokens(tag: str) -> str:
    return f"{PREFIX}{tag}:reauth"  # sorted set: reauth token hash -> expiry (ms)


def account_keys(tag: str) -> list[str]:
    return [account(tag), sign_in_tokens(tag), request_window(tag), reauth_tokens(tag)]


def participant_id(study_id: str, participant: str) -> str:
    return f"{PREFIX}participant:{study_id}:{participant}"  # -> account tag


ADMIN_KEYS = f"{PREFIX}admin-keys"  # hash: key name -> hash of the key


def admin_key(key_hash: str) -> str:
    return f"{PREFIX}admin-key:{key_hash}"  # -> key name, for the lookup on every admin call


def session(token_hash: str) -> str:
    return f"{PREFIX}session:{token_hash}"  # -> "study tag participant-id"
