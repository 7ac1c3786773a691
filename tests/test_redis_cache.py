"""Rate-limit counters in a real Redis, as production keeps them: one round trip for several
counters, a lifetime from the first count, and values Django's own Redis cache reads back."""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from trustcenter.lib.ratelimit import Rate, count_all, counter_for

pytestmark = pytest.mark.postgres_redis


def _ttl(key: str) -> int:
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"]).ttl(cache.make_and_validate_key(key))


def test_counters_are_counted_in_one_round_trip(monkeypatch):
    from django.core.cache.backends.redis import RedisCache

    # Django's own calls (add, incr) are not used for counting: only the pipeline is.
    monkeypatch.setattr(RedisCache, "incr", lambda *a, **k: pytest.fail("counted through cache.incr"))
    hits = counter_for(scope="search", identity="ip:192.0.2.9", rate=Rate(count=60, period=60))
    assert count_all([hits, hits]) == [1, 2]


def test_counters_start_with_a_lifetime_and_read_like_any_django_counter():
    hits = counter_for(scope="search", identity="ip:192.0.2.1", rate=Rate(count=60, period=60))
    assert count_all([hits]) == [1]
    assert count_all([hits]) == [2]
    assert 0 < _ttl(hits.key) <= 61
    assert cache.get(hits.key) == 2
    assert cache.incr(hits.key) == 3


def test_several_counters_count_together_and_an_existing_one_keeps_its_window():
    one = counter_for(scope="a", identity="ip:192.0.2.2", rate=Rate(count=5, period=600))
    two = counter_for(scope="b", identity="ip:192.0.2.2", rate=Rate(count=5, period=600))
    cache.set(one.key, 5, 3)
    assert count_all([one, two]) == [6, 1]
    assert _ttl(one.key) <= 3
    assert 0 < _ttl(two.key) <= 601
