"""Rate-limit counters in a real Redis, as production keeps them: one round trip for several
counters, a lifetime from the first count, and values Django's own Redis cache reads back."""

import pytest
import redis
from django.conf import settings
from django.core.cache import cache

from trustcenter.lib.ratelimit import Rate, count_all, counter_for, forget_leases

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
    hits = counter_for(scope="sign_in", identity="ip:192.0.2.1", rate=Rate(count=10, period=60))
    assert count_all([hits]) == [1]
    assert count_all([hits]) == [2]
    assert 0 < _ttl(hits.key) <= 61
    assert cache.get(hits.key) == 2
    assert cache.incr(hits.key) == 3


def test_a_high_rate_is_counted_in_leases_that_never_let_more_through_than_the_rate():
    hits = counter_for(scope="search", identity="ip:192.0.2.3", rate=Rate(count=60, period=60))
    assert hits.lease == 3
    numbers, shared = [], []
    for _ in range(7):
        numbers += count_all([hits])
        shared.append(cache.get(hits.key))
    assert numbers == [1, 2, 3, 4, 5, 6, 7]
    # The shared counter moves once per three requests: numbers 1-3, 4-6, 7-9 are reserved
    # by one round trip each, and the requests in between ask nothing.
    assert shared == [3, 3, 3, 6, 6, 6, 9]
    # Another process (its leases forgotten) continues after what this one reserved: the
    # numbers it skipped are lost, none is handed out twice, so no more than 60 get through.
    forget_leases()
    assert count_all([hits]) == [10]
    allowed = sum(hits.decide(count_all([hits])[0]).allowed for _ in range(70))
    assert allowed == 60 - 10
