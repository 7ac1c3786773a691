"""Django's Redis cache for tests, with a `clear()` that removes only this run's keys.

`RedisCache.clear()` runs FLUSHDB, which would wipe the keys of every other test run (and
of any developer server) using the same Redis database. Everything else is Django's own
backend, as in production.
"""

import redis
from django.core.cache.backends.redis import RedisCache


class IsolatedRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self.location = (server.split(",") if isinstance(server, str) else server)[0]

    def clear(self):
        client = redis.Redis.from_url(self.location)
        batch = []
        for key in client.scan_iter(match=f"{self.key_prefix}:*", count=500):
            batch.append(key)
            if len(batch) >= 500:
                client.unlink(*batch)
                batch = []
        if batch:
            client.unlink(*batch)
        return True
