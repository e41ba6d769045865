"""Reading a list of addresses from a CSV file as spreadsheets write it."""

from __future__ import annotations

import pytest

from service.provisioning.address_csv import UnreadableList, address_rows, decoded


def test_a_bom_semicolons_and_crlf_are_read() -> None:
    text = decoded("\ufeffName;EMAIL\r\nA;a@example.org\r\n\r\nB;nope\r\n".encode())
    rows = address_rows(text, 10)
    assert [(row.line, row.address, row.problem is None) for row in rows] == [
        (2, "a@example.org", True),
        (4, "nope", False),
    ]


def test_without_a_header_the_first_column_is_read() -> None:
    rows = address_rows("a@example.org\nb@example.org,extra\n", 10)
    assert [row.address for row in rows] == ["a@example.org", "b@example.org"]


def test_a_missing_cell_is_a_row_with_a_problem() -> None:
    rows = address_rows("name,email\nA\n", 10)
    assert rows[0].problem == "email is required"


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b"email\n", "only its header"),
        (b"\xff\xfe e", "not UTF-8"),
        (b"a@example.org\nb@example.org\nc@example.org\n", "more than 2"),
    ],
)
def test_unreadable_lists_say_why(data: bytes, why: str) -> None:
    with pytest.raises(UnreadableList, match=why):
        address_rows(decoded(data), 2)
