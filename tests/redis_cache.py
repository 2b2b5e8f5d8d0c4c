"""The production Redis cache for the test suite, sharing a Redis database safely.

Several test runs may use the same Redis database at once (CI, other worktrees), so
each run has its own KEY_PREFIX and `clear()` deletes only this run's keys instead of
flushing the whole database.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache


class PrefixedRedisCache(RedisCache):
    """Django's RedisCache whose clear() removes only the keys under its own prefix."""

    def clear(self) -> bool:
        client = self._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{self.key_prefix}:*", count=1000))
        for start in range(0, len(keys), 500):
            client.delete(*keys[start : start + 500])
        return True
