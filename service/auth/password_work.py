"""Password hashing and checking with a bounded appetite for memory.

Each argon2 hash or check takes about 19 MiB for some tens of milliseconds. Run in an
unbounded thread pool, 16 concurrent sign-ins with wrong passwords took a process past a
256 MiB memory limit. Here at most ``concurrency`` run at once (their own threads), a few more
may wait their turn, and anything beyond is answered at once with 503 and ``Retry-After``
instead of queueing without end.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from service.auth.passwords import hash_password, verify_password
from service.errors import Busy

T = TypeVar("T")

# Requests that may wait for each running hash: at tens of milliseconds a hash, waiting four
# turns is still a quick answer, and a waiting request holds no hashing memory.
WAITING_PER_SLOT = 4


class PasswordWorkBusy(Busy):
    def __init__(self) -> None:
        super().__init__(
            "Too many passwords are being checked right now; please try again in a moment.", 1
        )


class PasswordWork:
    def __init__(self, concurrency: int, on_busy: Callable[[], None] = lambda: None) -> None:
        # The one exception to the service's idiom for blocking work, asyncio.to_thread: that
        # shares the loop's default pool (up to 32 threads, for any work), too many hashes at
        # 19 MiB each and no say over how many wait. Here at most ``concurrency`` hash at once.
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="argon2")
        self._admitted = 0
        self._max_admitted = concurrency * (1 + WAITING_PER_SLOT)
        self._on_busy = on_busy

    async def _run(self, work: Callable[..., T], *args: object, must_run: bool = False) -> T:
        if self._admitted >= self._max_admitted and not must_run:
            self._on_busy()
            raise PasswordWorkBusy()
        loop = asyncio.get_running_loop()
        self._admitted += 1
        submitted = self._pool.submit(work, *args)
        # Released when the work is over, not when the request stops waiting for it: a hash a
        # departed client started still holds its memory until it ends.
        submitted.add_done_callback(functools.partial(self._done, loop))
        return await asyncio.wrap_future(submitted)

    def _done(self, loop: asyncio.AbstractEventLoop, _: object) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while a hash finished
            loop.call_soon_threadsafe(self._release)

    def _release(self) -> None:
        self._admitted -= 1

    async def hash(self, password: str, *, must_run: bool = False) -> str:
        """The password's hash. ``must_run`` waits for a turn however many wait: for a hash
        that must not fail once asked for (a link sign-in has used its token by then). Only a
        proven owner gets that far, so it cannot be used to pile work up; memory stays bounded
        by the threads either way."""
        return await self._run(hash_password, password, must_run=must_run)

    async def verify(self, password: str, stored_hash: str | None) -> bool:
        """Whether the password matches; with no hash, a decoy check of the same cost."""
        return await self._run(verify_password, password, stored_hash)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
