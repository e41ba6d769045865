"""Researchers' listing of a study's participants, a page at a time.

Pages follow the roster's order (address, then id). Where a page ends is handed to the caller
as an offset key: the roster position signed with the service's secret key (itsdangerous,
salted for this one purpose), so a key that was altered, made with another key, or made for
another study is refused rather than read. The key is signed, not encrypted: it shows the
last address of the page it follows, which its holder (the researcher) has just been shown.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeSerializer

from service.accounts.participant import Participant
from service.errors import Invalid
from service.store.accounts import AccountStore
from service.studies.repository import Studies

log = logging.getLogger(__name__)

MIN_PAGE_SIZE = 1
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
# Bridge's name for these criteria; errors read "AccountSummarySearch is invalid: ...".
SEARCH = "AccountSummarySearch"
PAGE_SIZE_RULE = f"pageSize must be a whole number from {MIN_PAGE_SIZE} to {MAX_PAGE_SIZE}"
_SALT = "magiclink.participant-listing.offset-key"


@dataclass(frozen=True)
class Search:
    page_size: int = DEFAULT_PAGE_SIZE
    offset_key: str | None = None
    email_filter: str | None = None


@dataclass(frozen=True)
class ParticipantPage:
    participants: list[Participant]
    total: int
    next_offset_key: str | None
    search: Search


def page_size_problem(page_size: int) -> str | None:
    if not MIN_PAGE_SIZE <= page_size <= MAX_PAGE_SIZE:
        return PAGE_SIZE_RULE
    return None


class ParticipantListing:
    def __init__(
        self, *, studies: Studies, accounts: AccountStore, secret_keys: Sequence[str]
    ) -> None:
        self.studies = studies
        self.accounts = accounts
        # itsdangerous signs with the last key and verifies with all; the settings' first key
        # is the one that signs, so the order is turned around.
        self._signer = URLSafeSerializer(list(reversed(secret_keys)), salt=_SALT)

    async def page(self, study_id: str, search: Search) -> ParticipantPage:
        study = await self.studies.get(study_id)
        problem = page_size_problem(search.page_size)
        if problem:
            raise Invalid(SEARCH, {"pageSize": [problem]})
        after = self._position(study.identifier, search.offset_key)
        found = await self.accounts.page(
            study.identifier, after, search.page_size, (search.email_filter or "").lower()
        )
        next_key = (
            self._signer.dumps([study.identifier, found.last]) if found.last is not None else None
        )
        return ParticipantPage(found.participants, found.total, next_key, search)

    def _position(self, study_id: str, offset_key: str | None) -> str | None:
        """The roster position an offset key names; Invalid unless this service signed it for
        this study's listing."""
        if offset_key is None:
            return None
        try:
            loaded = self._signer.loads(offset_key)
        except BadSignature:
            log.info("listing of %s: offset key refused, bad signature", study_id)
            loaded = None
        if (
            not isinstance(loaded, list)
            or len(loaded) != 2
            or loaded[0] != study_id
            or not isinstance(loaded[1], str)
        ):
            raise Invalid(
                SEARCH,
                {
                    "offsetKey": [
                        "offsetKey must be the nextPageOffsetKey of an earlier page of this "
                        "study's participants, unchanged; leave it out for the first page"
                    ]
                },
            )
        return loaded[1]
