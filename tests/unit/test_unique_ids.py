"""Request ids and Message-IDs: unique without random bytes per id (service/unique_ids.py)."""

from __future__ import annotations

import os

from service.unique_ids import UniqueIds


def test_ids_are_distinct_and_as_long_as_promised() -> None:
    ids = UniqueIds(prefix_bytes=8, count_digits=16)
    drawn = [ids.next() for _ in range(10_000)]
    assert len(set(drawn)) == len(drawn)
    assert {len(one) for one in drawn} == {32}
    assert all(int(one, 16) >= 0 for one in drawn)


def test_each_process_has_its_own_prefix() -> None:
    assert UniqueIds(8, 16).next() != UniqueIds(8, 16).next()


def test_a_forked_child_does_not_hand_out_its_parents_ids() -> None:
    ids = UniqueIds(prefix_bytes=8, count_digits=16)
    ids.next()
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its next id, to the parent
        os.write(write_end, ids.next().encode())
        os._exit(0)
    os.close(write_end)
    childs = os.read(read_end, 64).decode()
    os.waitpid(child, 0)
    assert len(childs) == 32
    assert childs != ids.next()
