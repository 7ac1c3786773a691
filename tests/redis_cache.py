"""Django's Redis cache for tests, with a `clear()` that removes only this run's keys.

`RedisCache.clear()` runs FLUSHDB, which would wipe the keys of every other test run (and
of any developer server) using the same Redis database. Everything else is the app's own
backend (trustcenter/cache.py).
"""

from trustcenter.cache import RedisCache


class IsolatedRedisCache(RedisCache):
    def clear(self):
        client = self._cache.get_client(write=True)
        batch = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)
        return True
