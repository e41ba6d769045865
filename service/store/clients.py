"""The Redis clients the service talks through, each with a deadline on every call.

- :class:`DeadlineRedis`: one server, or the master a Sentinel names.
- :class:`FailoverSafeCluster`: Redis Cluster, its failover errors translated as well.

A call that has not answered within the deadline raises :class:`RedisUnavailable` (a 503 on
the request path; the worker waits and tries again), so a hung server never holds a request or
the worker. redis-py's ``socket_timeout`` would do it per socket operation, and costs what a
request to us is worth: every write runs in a task of its own (``asyncio.wait_for``) and every
read arms a timer, which at thousands of calls a second sits in a heap of thousands of
cancelled ones. ``asyncio.timeout`` around the call is that timer again. Measured with
callgrind on a link request (one call): 775k instructions with redis-py's default socket
timeout, 816k with ``asyncio.timeout`` per call, 719k with neither, 724k with
:class:`Deadlines`. There a call costs a dict entry; one timer runs while calls are in flight,
a quarter-deadline apart, so a call gives up between 1 and 1.25 deadlines after it began.

A call cut short leaves no half-read reply behind: redis-py closes a connection whose read or
write was cancelled.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any, TypeVar

from hiredis import pack_command
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline
from redis.asyncio.cluster import ClusterPipeline, RedisCluster
from redis.exceptions import ConnectionError as RedisConnectionError

from service.store.unavailable import RedisUnavailable, translated

T = TypeVar("T")

CHECKS_PER_DEADLINE = 4


class Deadlines:
    """The calls in flight of one client (and its pipelines): which task, due when."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._due: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    async def run(self, call: Awaitable[T]) -> T:
        task = asyncio.current_task()
        if task is None or task in self._due:
            return await call  # nested in a call already timed (or no task): that one's bound
        loop = task.get_loop()
        self._due[task] = loop.time() + self.seconds
        if self._timer is None or self._timer_loop is not loop:
            self._arm(loop)
        cancelling = task.cancelling()
        try:
            return await call
        except asyncio.CancelledError:
            # Ours only if no one else cancelled the task meanwhile (as asyncio.timeout does).
            if task in self._expired and task.uncancel() <= cancelling:
                raise RedisUnavailable(f"Redis did not answer within {self.seconds:g} s") from None
            raise
        finally:
            del self._due[task]
            self._expired.discard(task)  # also when something turned the cancel into another error

    def in_flight(self) -> int:
        return len(self._due)

    def _arm(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer_loop = loop
        self._timer = loop.call_later(self.seconds / CHECKS_PER_DEADLINE, self._check, loop)

    def _check(self, loop: asyncio.AbstractEventLoop) -> None:
        self._timer = None
        now = loop.time()
        for task, due in list(self._due.items()):
            if task.done() or task.get_loop() is not loop:
                continue  # finishing now, or another loop's (its own timer checks it)
            if due <= now and task not in self._expired:
                self._expired.add(task)
                task.cancel()
        if self._due:
            self._arm(loop)


class DeadlineRedis(Redis):
    """One server (or the master a Sentinel names) whose commands and pipelines give up after
    ``deadlines.seconds`` with :class:`RedisUnavailable`; ``connect`` sets the deadline from the
    settings (until then, the default's 2 s)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadlines = Deadlines(2.0)

    async def execute_command(self, *args: Any, **options: Any) -> Any:
        return await self.deadlines.run(super().execute_command(*args, **options))  # type: ignore[no-untyped-call]

    async def evalsha(self, sha: str, numkeys: int, *keys_and_args: str | int | float) -> Any:  # type: ignore[override]
        """``EVALSHA``, the request path's one command, packed in one C call and sent on a
        connection of the pool, without what redis-py's ``execute_command`` does around every
        command and EVALSHA needs none of: observability hooks, a retry closure, argument
        encoding in Python, reply callbacks. Callgrind per link request: 720k instructions
        through ``execute_command``, 549k this way (the floor, which sends one SET through it,
        541k). Like redis-py, a connection that fails is replaced and the call sent once more:
        every script is safe to run twice.
        """
        # hiredis's stub declares a tuple of one element where it takes any number.
        packed = pack_command(("EVALSHA", sha, numkeys, *keys_and_args))  # type: ignore[arg-type]
        return await self.deadlines.run(self._send_packed(packed))

    async def _send_packed(self, packed: bytes) -> Any:
        try:
            return await self._send_once(packed)
        except RedisConnectionError:
            # The pooled connection was stale (the server restarted): once more, on a new one
            # (redis-py closed this one, and the pool connects it again).
            return await self._send_once(packed)

    async def _send_once(self, packed: bytes) -> Any:
        pool = self.connection_pool
        connection = await pool.get_connection()  # type: ignore[no-untyped-call]
        try:
            await connection.send_packed_command(packed)
            return await connection.read_response()
        finally:
            await pool.release(connection)

    def pipeline(self, transaction: bool = True, shard_hint: str | None = None) -> Pipeline:
        return _DeadlinePipeline(
            self.deadlines, self.connection_pool, self.response_callbacks, transaction, shard_hint
        )


class _DeadlinePipeline(Pipeline):
    def __init__(self, deadlines: Deadlines, *args: Any) -> None:
        super().__init__(*args)
        self.deadlines = deadlines

    async def execute(self, raise_on_error: bool = True) -> list[Any]:
        return await self.deadlines.run(super().execute(raise_on_error))


class FailoverSafeCluster(RedisCluster):
    """RedisCluster whose commands and pipelines raise :class:`RedisUnavailable` (a
    ConnectionError) for what the client throws while the cluster fails over, so that no
    caller has to know these errors; and give up after ``deadline_seconds`` in all.

    The deadline is what makes a call fail fast during a failover: the client retries,
    refreshes its slot map and backs off between attempts (CLUSTERDOWN: 0.25 s more each),
    which held requests for 4.5 to 6.5 s before there was one.
    """

    def __init__(self, *args: Any, deadline_seconds: float = 2.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.deadlines = Deadlines(deadline_seconds)

    async def execute_command(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return await self.deadlines.run(super().execute_command(*args, **kwargs))
        except Exception as exc:
            error = translated(exc)
            if error is exc:
                raise
            raise error from exc

    def pipeline(
        self, transaction: Any | None = None, shard_hint: Any | None = None
    ) -> ClusterPipeline:
        if shard_hint:
            return super().pipeline(transaction, shard_hint)  # raises, as it should
        # redis-py declares an attribute ClusterPipeline sets in __init__ abstract.
        return _FailoverSafePipeline(self, transaction)  # type: ignore[abstract]


class _FailoverSafePipeline(ClusterPipeline):
    async def execute(
        self, raise_on_error: bool = True, allow_redirections: bool = True
    ) -> list[Any]:
        client = self.cluster_client
        call = super().execute(raise_on_error, allow_redirections)
        try:
            if isinstance(client, FailoverSafeCluster):
                return await client.deadlines.run(call)
            return await call
        except Exception as exc:
            error = translated(exc)
            if error is exc:
                raise
            raise error from exc
