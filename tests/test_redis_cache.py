"""The app's Redis cache backend (trustcenter/cache.py) against a real Redis: Django's behaviour,
one client reused, and the combined operations the rate limits and the page cache use."""

import pytest
from django.core.cache import cache, caches

from trustcenter.cache import RedisCache

pytestmark = pytest.mark.postgres_redis


def _ttl(key: str) -> int:
    return cache._cache.get_client().ttl(cache.make_key(key))


def test_the_backend_is_ours_and_reuses_one_client():
    assert isinstance(caches["default"], RedisCache)
    assert cache._cache.get_client() is cache._cache.get_client(write=True)
    cache.set("plain", {"a": 1}, 30)
    assert cache.get("plain") == {"a": 1}  # everything else is Django's own


def test_a_counter_starts_with_a_lifetime_and_reads_like_any_django_counter():
    assert cache.count_in_window("hits", 60) == 1
    assert cache.count_in_window("hits", 60) == 2
    assert 0 < _ttl("hits") <= 60
    assert cache.get("hits") == 2
    assert cache.incr("hits") == 3
    # A counter that exists keeps its window: counting again does not extend it.
    cache.set("short", 5, 3)
    assert cache.count_in_window("short", 600) == 6
    assert _ttl("short") <= 3


def test_reading_and_counting_happen_in_one_call():
    cache.set("page", b"<html>", 30)
    cache.set("hits", 7, 30)
    found, counts = cache.get_many_and_count(["page", "missing"], [("hits", 60), ("fresh", 10)])
    assert found == {"page": b"<html>"}
    assert counts == [8, 1]
    assert 0 < _ttl("fresh") <= 10
    assert cache.get_many_and_count(["page"], []) == ({"page": b"<html>"}, [])
