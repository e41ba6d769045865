"""The service's client for one Redis server (``service/store/clients.py``), on a real one.

Every call has a deadline, checked by one timer. On a server stopped with SIGSTOP (it keeps the
connection open and never answers): a command and a pipeline give up with ``RedisUnavailable``
instead of hanging; the reply the server writes late for a call cut short is never read as the
next call's; and a cancellation that is not the deadline's stays a cancellation.

Scripts take a shorter way than other commands (its ``evalsha``): it answers as redis-py's
EVALSHA does, and a connection the server closed is replaced, as redis-py does.
"""

from __future__ import annotations

import asyncio
import signal
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from redis.exceptions import ResponseError

from service.settings import Settings
from service.store.clients import DeadlineRedis, Deadlines
from service.store.connection import connect
from service.store.scripts import Script
from service.store.unavailable import RedisUnavailable
from tests.support.redis_server import RedisServer

DEADLINE = 0.4
# Only to end a test that would otherwise hang if the deadline did not work.
GIVE_UP = 30


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path / "redis")
    server.start()
    yield server
    _resume(server)
    server.stop()


@pytest.fixture
async def client(own_redis: RedisServer) -> AsyncIterator[DeadlineRedis]:
    redis = connect(Settings(redis_url=own_redis.url, redis_timeout_seconds=DEADLINE))
    assert isinstance(redis, DeadlineRedis)
    await redis.set("a", "reply for a")
    await redis.set("b", "reply for b")
    yield redis
    await redis.aclose()


async def _get(client: DeadlineRedis, key: str) -> object:
    return await client.get(key)


def _process(server: RedisServer) -> subprocess.Popen[bytes]:
    assert server.process is not None
    return server.process


def _hang(server: RedisServer) -> None:
    _process(server).send_signal(signal.SIGSTOP)


def _resume(server: RedisServer) -> None:
    if _process(server).poll() is None:
        _process(server).send_signal(signal.SIGCONT)


async def test_a_hung_server_fails_the_call_after_the_deadline_not_never(
    own_redis: RedisServer, client: DeadlineRedis
) -> None:
    _hang(own_redis)
    began = time.monotonic()
    with pytest.raises(RedisUnavailable, match=r"did not answer within 0\.4 s"):
        await asyncio.wait_for(client.get("a"), GIVE_UP)
    assert time.monotonic() - began >= DEADLINE  # not given up before its time
    # The deadline's cancellation is undone: the task can still be timed and cancelled.
    task = asyncio.current_task()
    assert task is not None
    assert task.cancelling() == 0


async def test_a_hung_server_fails_a_pipeline_too(
    own_redis: RedisServer, client: DeadlineRedis
) -> None:
    _hang(own_redis)
    async with client.pipeline(transaction=False) as pipe:
        pipe.get("a")
        pipe.get("b")
        with pytest.raises(RedisUnavailable):
            await asyncio.wait_for(pipe.execute(), GIVE_UP)


async def test_the_late_reply_of_a_call_cut_short_is_not_the_next_calls(
    own_redis: RedisServer, client: DeadlineRedis
) -> None:
    _hang(own_redis)
    with pytest.raises(RedisUnavailable):
        await asyncio.wait_for(client.get("a"), GIVE_UP)
    _resume(own_redis)  # the server now answers the GET a it had been sent
    # On the connection the GET a went out on, the next reply to read would be a's.
    assert await client.get("b") == "reply for b"
    assert await client.get("a") == "reply for a"


async def test_a_cancellation_that_is_not_the_deadlines_stays_one(
    own_redis: RedisServer, client: DeadlineRedis
) -> None:
    _hang(own_redis)
    call = asyncio.create_task(_get(client, "a"))
    await asyncio.sleep(DEADLINE / 4)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call


async def test_a_cancellation_while_the_deadline_fires_stays_one() -> None:
    """Cancelled by its owner after the deadline had cancelled it, before it ran again: the
    owner's cancellation wins, as with asyncio.timeout. The awaited future's first callback is
    the owner's cancel, so it comes between the deadline's cancel and the task's next step."""
    deadlines = Deadlines(0.1)
    never: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    tasks: list[asyncio.Task[None]] = []
    never.add_done_callback(lambda _: tasks[0].cancel())
    tasks.append(asyncio.create_task(deadlines.run(never)))
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(tasks[0], GIVE_UP)
    assert deadlines.in_flight() == 0


async def test_calls_that_answer_leave_nothing_behind(client: DeadlineRedis) -> None:
    await asyncio.gather(*(client.incr("counted") for _ in range(50)))
    assert await client.get("counted") == "50"
    assert client.deadlines.in_flight() == 0


REPLIES = """
if ARGV[1] == 'fail' then return redis.error_reply('ERR asked to fail') end
redis.call('SET', KEYS[1], ARGV[1])
return {ARGV[1], tonumber(ARGV[2]), {ARGV[3], 7}, redis.call('GET', KEYS[1])}
"""


async def test_a_script_answers_as_redis_pys_evalsha(client: DeadlineRedis) -> None:
    script = Script(client, REPLIES)
    args: list[str | int | float] = ["välue", 42, "ünïcode ✓"]
    through_redis_py = await client.eval(REPLIES, 1, "k", *args)
    assert await script(["k"], args) == through_redis_py
    assert through_redis_py == ["välue", 42, ["ünïcode ✓", 7], "välue"]
    with pytest.raises(ResponseError, match="asked to fail"):
        await script(["k"], ["fail", 0, ""])
    assert await client.get("a") == "reply for a"  # the error left the connection usable


async def test_a_script_on_a_connection_the_server_closed_is_sent_again(
    client: DeadlineRedis,
) -> None:
    script = Script(client, REPLIES)
    assert await script(["k"], ["first", 1, ""]) == ["first", 1, ["", 7], "first"]
    # Every connection of the pool, closed by the server (as when it restarts).
    await client.execute_command("CLIENT", "KILL", "TYPE", "normal", "SKIPME", "no")
    assert await script(["k"], ["second", 2, ""]) == ["second", 2, ["", 7], "second"]
