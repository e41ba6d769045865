"""Redis key names: one Cluster hash tag per account, never the address itself."""

from __future__ import annotations

import hashlib
import re

from service.accounts.email_address import normalized
from service.store import keys

EMAIL = "alice@example.org"


def _hash_tag(key: str) -> str:
    """What Redis Cluster hashes: the text between the first ``{`` and the next ``}``."""
    start = key.index("{")
    end = key.index("}", start + 1)
    return key[start + 1 : end]


def test_account_tag_holds_the_study_and_a_hash_of_the_address() -> None:
    tag = keys.account_tag("study-a", EMAIL)
    digest = hashlib.sha256(EMAIL.encode()).hexdigest()[:32]
    assert tag == "{study-a:" + digest + "}"
    assert re.fullmatch(r"\{study-a:[0-9a-f]{32}\}", tag)
    assert tag.count("{") == 1
    assert tag.count("}") == 1


def test_account_tag_never_contains_the_address() -> None:
    tag = keys.account_tag("study-a", EMAIL)
    assert EMAIL not in tag
    assert "alice" not in tag
    assert "example.org" not in tag


def test_account_tag_is_safe_for_addresses_with_braces() -> None:
    tag = keys.account_tag("study-a", "{weird}@example.org")
    assert tag.count("{") == 1
    assert tag.count("}") == 1


def test_variants_of_an_address_share_a_tag_once_normalized() -> None:
    variants = ["alice@example.org", "Alice@Example.org", "  ALICE@EXAMPLE.ORG\t"]
    tags = {keys.account_tag("study-a", normalized(v)) for v in variants}
    assert tags == {keys.account_tag("study-a", EMAIL)}


def test_account_tag_expects_a_normalized_address() -> None:
    # Normalizing is the caller's job; an unnormalized address names another account.
    assert keys.account_tag("study-a", "Alice@Example.org") != keys.account_tag("study-a", EMAIL)


def test_account_tags_differ_by_study_and_by_address() -> None:
    tag = keys.account_tag("study-a", EMAIL)
    assert keys.account_tag("study-b", EMAIL) != tag
    assert keys.account_tag("study-a", "bob@example.org") != tag


def test_every_per_account_key_shares_the_tag() -> None:
    tag = keys.account_tag("study-a", EMAIL)
    account_keys = keys.account_keys(tag)
    assert account_keys == [
        f"ml:{tag}:account",
        f"ml:{tag}:signin",
        f"ml:{tag}:codes",
        f"ml:{tag}:reauth",
        f"ml:{tag}:wrong-codes",
    ]
    assert len(set(account_keys)) == 5
    assert {_hash_tag(key) for key in account_keys} == {_hash_tag(tag)}
    assert _hash_tag(tag) == "study-a:" + hashlib.sha256(EMAIL.encode()).hexdigest()[:32]


def test_per_account_key_functions() -> None:
    tag = "{s:h}"
    assert keys.account(tag) == "ml:{s:h}:account"
    assert keys.sign_in_tokens(tag) == "ml:{s:h}:signin"
    assert keys.sign_in_codes(tag) == "ml:{s:h}:codes"
    assert keys.reauth_tokens(tag) == "ml:{s:h}:reauth"


def test_study_and_global_keys() -> None:
    assert keys.STUDIES == "ml:studies"
    assert keys.STUDIES_VERSION == "ml:studies:version"
    assert keys.OUTBOX == "ml:{outbox}:queue"
    assert keys.study("study-a") == "ml:study:study-a"
    assert keys.study_participants("study-a") == "ml:study:study-a:participants"
    assert keys.participant_id("study-a", "p1") == "ml:participant:study-a:p1"
    assert keys.session("abc") == "ml:session:abc"


def test_outbox_keys_and_request_limits_share_one_slot() -> None:
    names = [
        keys.OUTBOX,
        keys.OUTBOX_DELAYED,
        keys.OUTBOX_DEAD,
        keys.request_window("study-a", EMAIL),
        keys.budget("ip", "192.0.2.1"),
        keys.budget("study", "study-a"),
    ]
    assert {_hash_tag(name) for name in names} == {"outbox"}
    assert EMAIL not in keys.request_window("study-a", EMAIL)  # names hide addresses


def test_every_key_has_the_service_prefix() -> None:
    tag = keys.account_tag("study-a", EMAIL)
    names = [
        *keys.account_keys(tag),
        keys.STUDIES,
        keys.STUDIES_VERSION,
        keys.OUTBOX,
        keys.study("s"),
        keys.study_participants("s"),
        keys.participant_id("s", "p"),
        keys.session("h"),
    ]
    assert all(name.startswith(keys.PREFIX) for name in names)
