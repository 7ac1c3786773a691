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

# Read some keys and count some counters, atomically, in one command with one reply (a
# MULTI/EXEC transaction costs a reply per command). KEYS: the keys to read, then the counters;
# ARGV[1]: how many keys to read; ARGV[2...]: each counter's lifetime in seconds. A counter
# that exists keeps its lifetime; a new one starts at 0 with its lifetime, then counts one.
_READ_AND_COUNT = """
local reads = tonumber(ARGV[1])
local values = {}
if reads > 0 then values = redis.call('MGET', unpack(KEYS, 1, reads)) end
local counts = {}
for i = reads + 1, #KEYS do
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[i - reads + 1], 'NX')
  counts[#counts + 1] = redis.call('INCR', KEYS[i])
end
return {values, counts}
"""


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self._scripts = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def read_and_count(self, keys: list[str], counters: list[tuple[str, int]]) -> tuple[list, list[int]]:
        client = self.get_client(None, write=True)
        script = self._scripts.get(id(client))
        if script is None:
            # redis-py sends EVALSHA and loads the script again if the server forgot it.
            script = self._scripts[id(client)] = client.register_script(_READ_AND_COUNT)
        values, counts = script(
            keys=[*keys, *(key for key, _ in counters)], args=[len(keys), *(timeout for _, timeout in counters)]
        )
        return [None if v is None else self._serializer.loads(v) for v in values], [int(n) for n in counts]


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def count_in_window(self, key: str, timeout: int) -> int:
        """Start the counter `key` at 0 for `timeout` seconds unless it exists, add one and
        return the count: `add()` and `incr()` in one atomic round trip, for rate limits
        (trustcenter/ratelimit.py). The count is stored as Django stores an int, so `get()`
        and `incr()` read it as usual."""
        return self.get_many_and_count([], [(key, timeout)])[1][0]

    def get_many_and_count(self, keys: list[str], counters: list[tuple[str, int]]) -> tuple[dict, list[int]]:
        """`get_many(keys)` and `count_in_window(key, timeout)` for each counter, in one round
        trip: what a cached public page needs (its entry and the publication stamp, and the
        view's rate limits) before it can be served."""
        made = [self.make_and_validate_key(key) for key in keys]
        values, counts = self._cache.read_and_count(
            made, [(self.make_and_validate_key(key), timeout) for key, timeout in counters]
        )
        return {key: value for key, value in zip(keys, values, strict=True) if value is not None}, counts
