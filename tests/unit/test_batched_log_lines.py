"""Log lines of one event-loop round go out in one write (service/observability/logging.py)."""

from __future__ import annotations

import asyncio
import io
import logging
import threading
import weakref
from collections.abc import Iterator

import pytest

from service.observability.logging import BatchedStreamHandler


class CountedWrites(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.writes = 0

    def write(self, text: str) -> int:
        self.writes += 1
        return super().write(text)


@pytest.fixture
def stream() -> CountedWrites:
    return CountedWrites()


@pytest.fixture
def log(stream: CountedWrites) -> Iterator[logging.Logger]:
    handler = BatchedStreamHandler()
    handler.setStream(stream)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger = logging.getLogger("test.batched")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    yield logger
    logger.removeHandler(handler)


def test_outside_an_event_loop_a_line_is_written_at_once(
    log: logging.Logger, stream: CountedWrites
) -> None:
    log.info("one")
    assert stream.getvalue() == "one\n"
    log.info("two")
    assert stream.getvalue() == "one\ntwo\n"


async def test_the_lines_of_one_round_go_out_together_when_it_ends(
    log: logging.Logger, stream: CountedWrites
) -> None:
    log.info("first")
    log.info("second")
    assert stream.getvalue() == ""  # this round is not over
    await asyncio.sleep(0)
    assert stream.getvalue() == "first\nsecond\n"
    assert stream.writes == 1
    log.info("third")
    await asyncio.sleep(0)
    assert stream.getvalue() == "first\nsecond\nthird\n"


async def test_lines_waiting_are_written_by_logging_at_exit(
    log: logging.Logger, stream: CountedWrites
) -> None:
    log.info("last words")
    assert stream.getvalue() == ""
    logging.shutdown([weakref.ref(handler) for handler in log.handlers])  # as at exit
    assert stream.getvalue() == "last words\n"


async def test_a_line_from_another_threads_loop_brings_the_waiting_ones_out_in_order(
    log: logging.Logger, stream: CountedWrites
) -> None:
    log.info("from this loop")

    async def other() -> None:
        log.info("from the other loop")

    thread = threading.Thread(target=asyncio.run, args=(other(),))
    thread.start()
    thread.join()
    assert stream.getvalue() == "from this loop\nfrom the other loop\n"
    await asyncio.sleep(0)
    assert stream.getvalue() == "from this loop\nfrom the other loop\n"
