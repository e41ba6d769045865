"""A list of participants' addresses from a CSV file, as spreadsheets write them.

Excel and friends write UTF-8 with a byte order mark, CRLF line ends, and, where the decimal
mark is a comma (most of Europe), ``;`` between cells: all are read. The addresses are the
``email`` column when the first row names one (any case), else the first column of every row.
Each row says what is wrong with it, so a list is judged row by row rather than refused whole.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from service.accounts.email_address import address_problem

HEADER = "email"


class UnreadableList(ValueError):
    """The file is not a list this module can read (its message says why, for people)."""


@dataclass(frozen=True)
class AddressRow:
    line: int  # in the file, 1 for the first
    address: str
    problem: str | None  # None: a usable address


def _separator(text: str) -> str:
    """``;`` when the first line has more of it than commas, else ``,``. (csv.Sniffer guesses
    wrong on the short, mostly one-column files this reads.)"""
    first = next((line for line in text.splitlines() if line.strip()), "")
    return ";" if first.count(";") > first.count(",") else ","


def decoded(data: bytes) -> str:
    """The file's text (UTF-8, a byte order mark dropped)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableList(
            "The file is not UTF-8 text. Save it as “CSV UTF-8 (comma delimited)”."
        ) from None


def address_rows(text: str, max_rows: int) -> list[AddressRow]:
    """Every row that is not blank, header left out; :class:`UnreadableList` beyond
    ``max_rows`` such rows, or for a broken file."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text))
    try:
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as broken:
        raise UnreadableList(f"Line {reader.line_num} cannot be read: {broken}.") from None
    if not rows:
        raise UnreadableList("The file is empty.")
    header = [cell.strip().lower() for cell in rows[0][1]]
    column, data = (header.index(HEADER), rows[1:]) if HEADER in header else (0, rows)
    found: list[AddressRow] = []
    for line, row in data:
        if not any(cell.strip() for cell in row):
            continue  # a blank line
        if len(found) == max_rows:
            raise UnreadableList(
                f"The file has more than {max_rows:,} addresses; split it into parts of at "
                f"most {max_rows:,}."
            )
        value = row[column].strip() if len(row) > column else ""
        found.append(AddressRow(line, value, address_problem(value, HEADER)))
    if not found:
        raise UnreadableList("The file has no addresses, only its header.")
    return found
