"""Lua scripts run by SHA1 and are sent again to a server that has forgotten them."""

from __future__ import annotations

import pytest

from service.store.connection import RedisClient
from service.store.scripts import Script
from tests.support.api import BACKENDS_WITH_CLUSTER

pytestmark = pytest.mark.parametrize("redis", BACKENDS_WITH_CLUSTER, indirect=True)

SOURCE = "return redis.call('INCRBY', KEYS[1], ARGV[1])"


async def test_a_script_runs_and_survives_a_flushed_script_cache(redis: RedisClient) -> None:
    script = Script(redis, SOURCE)
    # Never loaded: the first call finds the server without it and sends it.
    assert await script(["{scripts}:counter"], [2]) == 2
    assert await redis.script_exists(script.sha) in ([True], True)
    # A restarted server has an empty script cache, as after SCRIPT FLUSH.
    await redis.script_flush()
    assert await script(["{scripts}:counter"], [3]) == 5
