"""Django's Redis cache, with one Redis client per connection pool instead of one per call.

`django.core.cache.backends.redis.RedisCacheClient.get_client()` builds a new `redis.Redis`
object for every cache operation; building one registers a few hundred response callbacks
and costs about 0.1 ms, which was a sixth of the time a cached public page took to serve
(bench/RESULTS.md). A `redis.Redis` object is safe to share between threads (each command
takes a connection from the pool), and redis-py's pool notices a fork and opens new
connections in the child, so one client per pool is kept and reused.

It also does a few steps in one round trip where the app needs them together
(`count_in_window`, `get_many_and_count`).
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def count_in_window(self, key: str, timeout: int) -> int:
        """Start the counter `key` at 0 for `timeout` seconds unless it exists, add one and
        return the count: `add()` and `incr()` in one atomic round trip (MULTI/EXEC), for
        rate limits (trustcenter/ratelimit.py). The count is stored as Django stores an int,
        so `get()` and `incr()` read it as usual."""
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        pipe = client.pipeline(transaction=True)
        pipe.set(key, 0, ex=timeout, nx=True)
        pipe.incr(key)
        return int(pipe.execute()[1])

    def get_many_and_count(self, keys: list[str], counters: list[tuple[str, int]]) -> tuple[dict, list[int]]:
        """`get_many(keys)` and `count_in_window(key, timeout)` for each counter, in one round
        trip: what a cached public page needs (its entry and the publication stamp, and the
        view's rate limits) before it can be served."""
        made = {self.make_and_validate_key(key): key for key in keys}
        client = self._cache.get_client(None, write=True)
        pipe = client.pipeline(transaction=True)
        pipe.mget(list(made))
        for key, timeout in counters:
            key = self.make_and_validate_key(key)
            pipe.set(key, 0, ex=timeout, nx=True)
            pipe.incr(key)
        results = pipe.execute()
        loads = self._cache._serializer.loads
        found = {made[k]: loads(v) for k, v in zip(made, results[0], strict=True) if v is not None}
        return found, [int(n) for n in results[2::2]]
