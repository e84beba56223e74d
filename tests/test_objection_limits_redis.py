"""The objection limits count in Redis in production (§4.3.d notices; settings CACHES): every app
server shares one counter, so spreading posts over servers gains an abuser nothing."""

from __future__ import annotations

import os
import uuid

import pytest
from django.core.cache.backends.redis import RedisCache

from skillfund.notices import limits

REDIS_URL = os.environ.get("SKILLFUND_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # any failure to reach it means: not here
        return False


pytestmark = pytest.mark.skipif(not _redis_up(), reason=f"needs Redis at {REDIS_URL} (.ci/run starts it)")


def test_two_app_servers_share_one_objection_count_in_redis(monkeypatch):
    # Two app servers: two cache clients of their own, one Redis behind them.
    servers = [RedisCache(REDIS_URL, {}), RedisCache(REDIS_URL, {})]
    source, notice_id = uuid.uuid4().hex, 10**9 + uuid.uuid4().int % 10**6
    allowed = []
    for i in range(limits.PER_ADDRESS[0] + 1):
        monkeypatch.setattr(limits, "cache", servers[i % 2])
        allowed.append(limits.objection_allowed(source=source, notice_id=notice_id))
    assert allowed == [True] * limits.PER_ADDRESS[0] + [False]
    assert servers[0].get(f"objections:source:{source}") == limits.PER_ADDRESS[0] + 1
    servers[0].delete_many([f"objections:source:{source}", f"objections:notice:{notice_id}"])
