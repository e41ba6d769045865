"""The Lua scripts, shipped as package data, run by their SHA1 and loaded when missing."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from importlib.resources import files
from string import Template
from typing import Any

from redis.asyncio.cluster import RedisCluster
from redis.exceptions import NoScriptError

from service.store.limits import SCRIPT_CONSTANTS


class Script:
    """One Lua script, run with EVALSHA; a server that does not know it yet is sent it once.

    redis-py's own Script does the same, with more steps per call; the request path runs one
    of these on every request.
    """

    def __init__(self, redis: Any, source: str) -> None:
        self._redis = redis
        self._source = source
        # Redis names scripts by SHA1; nothing here relies on it resisting collisions.
        self.sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

    async def __call__(self, keys: Sequence[str], args: Sequence[str | int | float]) -> Any:
        try:
            return await self._redis.evalsha(self.sha, len(keys), *keys, *args)
        except NoScriptError:
            # A new or restarted server (or a node a Cluster slot moved to).
            await self._redis.script_load(self._source)
            return await self._redis.evalsha(self.sha, len(keys), *keys, *args)

    async def many(
        self, calls: Sequence[tuple[Sequence[str], Sequence[str | int | float]]]
    ) -> list[Any]:
        """Run the script once per ``(keys, args)`` in one pipeline: one round trip on one
        server, one per node on a Cluster (its pipeline groups the calls by node). Replies in
        the order of ``calls``; the first error is raised once all have run."""
        replies: list[Any] = [None] * len(calls)
        waiting = list(range(len(calls)))
        for _ in range(2):
            pipe: Any = self._redis.pipeline(transaction=False)
            for index in waiting:
                keys, args = calls[index]
                pipe.evalsha(self.sha, len(keys), *keys, *args)
            answered = await pipe.execute(raise_on_error=False) if waiting else []
            for index, reply in zip(waiting, answered, strict=True):
                replies[index] = reply
            # A server (or Cluster node) that did not know the script ran none of its calls:
            # only those run again.
            waiting = [i for i in waiting if isinstance(replies[i], NoScriptError)]
            if not waiting:
                break
            await self._redis.script_load(self._source)
        for reply in replies:
            if isinstance(reply, Exception):
                raise reply
        return replies

    async def then_wait(
        self,
        keys: Sequence[str],
        args: Sequence[str | int | float],
        replicas: int,
        timeout_ms: int,
    ) -> tuple[Any, int]:
        """Run the script, then ``WAIT replicas timeout_ms`` on the same connection: its reply,
        and how many replicas have every write made on that connection so far (the script's
        included). WAIT is only meaningful on the connection that wrote, so both go in one
        pipeline: on one server its one connection; on a Cluster the node that owns
        ``keys[0]``'s slot, whose commands the cluster pipeline sends on one connection, in
        order. A redirection (the slot moved) is not followed: the WAIT would answer for
        another node, so the caller gets the MOVED error (a 503) instead."""
        for _ in range(2):
            if isinstance(self._redis, RedisCluster):
                node = self._redis.get_node_from_key(keys[0])
                pipe: Any = self._redis.pipeline()
                pipe.evalsha(self.sha, len(keys), *keys, *args)
                pipe.execute_command("WAIT", replicas, timeout_ms, target_nodes=node)
                reply, acked = await pipe.execute(raise_on_error=False, allow_redirections=False)
            else:
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.evalsha(self.sha, len(keys), *keys, *args)
                    pipe.execute_command("WAIT", replicas, timeout_ms)
                    reply, acked = await pipe.execute(raise_on_error=False)
            if isinstance(reply, NoScriptError):
                await self._redis.script_load(self._source)
                continue
            for result in (reply, acked):
                if isinstance(result, Exception):
                    raise result
            return reply, int(acked)
        raise NoScriptError(f"script {self.sha} is missing even after loading it")


class Scripts:
    """One attribute per Lua file in ``store/lua``; each runs with EVALSHA and falls back."""

    def __init__(self, redis: Any) -> None:
        folder = files("service.store").joinpath("lua")
        # Functions more than one script needs, included where a script says $SLIDING_WINDOW.
        constants = {
            **SCRIPT_CONSTANTS,
            "SLIDING_WINDOW": folder.joinpath("sliding_window.lua").read_text(),
        }

        def load(name: str) -> Script:
            source = folder.joinpath(f"{name}.lua").read_text()
            # A $NAME the constants lack raises here, at start-up, not on some request.
            return Script(redis, Template(source).substitute(constants))

        # accounts (one participant's slot)
        self.issue_sign_in_token = load("issue_sign_in_token")
        self.authenticate = load("authenticate")
        self.create_account = load("create_account")
        self.update_account = load("update_account")
        self.withdraw_sign_in_token = load("withdraw_sign_in_token")
        self.end_sessions = load("end_sessions")
        # outbox (the {outbox} slot)
        self.accept_sign_in = load("accept_sign_in")
        self.settle_job = load("settle_job")
        self.finish_jobs = load("finish_jobs")
        self.promote_due = load("promote_due")
        self.requeue_dead = load("requeue_dead")
        self.accept_onboarding = load("accept_onboarding")
        # rate-limit budgets other than the request's own (the {limits} slot)
        self.take_budgets = load("take_budgets")
        # studies (one study's document)
        self.replace_study = load("replace_study")
        # sign-in link counts (the {link-stats} slot)
        self.fold_expired_links = load("fold_expired_links")
