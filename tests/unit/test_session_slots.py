"""Sessions stored in their account's Redis Cluster slot, found from the token alone."""

from __future__ import annotations

import re

from pydantic import SecretStr
from redis.crc import REDIS_CLUSTER_HASH_SLOTS, key_slot

from service.auth.tokens import TOKEN_LENGTH, SecretHasher
from service.store import keys, sessions
from service.store.scripts import Scripts

HASH = "ab" * 32


def test_every_slot_has_a_slot_tag_of_four_letters_that_no_hex_digit_begins() -> None:
    tags = sessions._slot_tags()
    assert len(tags) == REDIS_CLUSTER_HASH_SLOTS
    for slot, tag in enumerate(tags):
        assert re.fullmatch("[g-z]{4}", tag)
        assert key_slot(tag.encode()) == slot


def test_a_session_key_lies_in_the_slot_of_the_account() -> None:
    for n in range(200):
        email = f"person{n}@example.org"
        account = keys.account(keys.account_tag("study-a", email))
        tag = sessions.slot_tag("study-a", email)
        token = SecretHasher([SecretStr("k")]).session_token(f"seed{n}", tag)
        key = sessions.session_key(token, HASH)
        assert key == f"ml:session:{{{tag}}}:{HASH[:32]}"
        assert key_slot(key.encode()) == key_slot(account.encode())


def test_tokens_carry_their_slot_tag_and_keep_their_length() -> None:
    hasher = SecretHasher([SecretStr("k")])
    tag = sessions.slot_tag("study-a", "a@example.org")
    token = hasher.session_token("seed", tag)
    assert len(token) == TOKEN_LENGTH
    assert token.startswith(tag)
    assert re.fullmatch("[0-9a-f]{44}", token[4:])
    assert hasher.session_token("seed", tag) == token  # remade from the seed alone
    assert hasher.session_token("other seed", tag) != token


def test_a_token_of_the_earlier_kind_is_found_where_it_was() -> None:
    hasher = SecretHasher([SecretStr("k")])
    earlier = hasher.session_token("seed")  # 48 hex digits: no slot tag
    assert sessions.session_key(earlier, HASH) == keys.session(HASH) == f"ml:session:{HASH}"
    # Whatever a client sends, it names one key: a tag of letters, or the earlier kind.
    assert sessions.session_key("gh", HASH) == keys.session(HASH)
    assert sessions.session_key("ghij" + "0" * 44, HASH).startswith("ml:session:{ghij}:")


def test_a_session_record_is_its_prefix_and_what_the_script_appends() -> None:
    ref = sessions.SessionRef("{study-a:0123}", "p1", 7)
    assert ref.encode() == f"{sessions.record_prefix('{study-a:0123}')} p1 7"
    assert sessions.SessionRef.decode(ref.encode()) == ref


def test_the_scripts_name_pending_fields_as_keys_does() -> None:
    constants = (
        f"local LINK, CODE, HASH_CHARS = '{keys.PENDING_LINK}', '{keys.PENDING_CODE}', "
        f"{keys.PENDING_HASH_CHARS}"
    )
    scripts = Scripts(None)
    for script in (
        scripts.authenticate,
        scripts.issue_sign_in_token,
        scripts.withdraw_sign_in_token,
    ):
        assert constants in script._source, script.sha
    assert len(keys.PENDING_LINK) == len(keys.PENDING_CODE)  # authenticate.lua relies on it
