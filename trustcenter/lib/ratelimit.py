"""Abuse limits: fixed-window counters in Django's cache.

One helper for every limit in the app. A limit is a scope with a rate in settings
(`RATE_LIMITS = {"search": "60/m"}`) and a key: the client's IP, the signed-in user, or
both as two separate limits. Counters live in Django's cache under its key prefix: with
Django's Redis cache they are counted with `SET NX EX` + `INCR` in one MULTI/EXEC round trip
(several counters in the same one); with any other cache with `cache.add` + `cache.incr`,
which are atomic in the local-memory cache (one process, tests). Either way concurrent
requests cannot slip past a limit. Identifiers are hashed before they become cache keys:
the cache never holds raw IP addresses or user ids.

Views use the decorator::

    @rate_limited("search", key="ip")
    def search(request): ...

or call `enforce(request, "download_user", key="user")` where only one branch counts.
Both raise `RateLimited`, which `trustcenter.core.middleware.RateLimitMiddleware`
turns into the 429 page (`too_many_requests`) with a `Retry-After` header.

Leases: a counter whose rate is high (60 searches a minute) is not counted with a round trip
per request. Counting reserves the next `lease` numbers of the window for this process in
one step (`INCRBY lease`), and the following requests in this process take those numbers
without asking the cache. Every request still gets a number the shared counter has handed
out, so no identity is ever let through more often than its rate across all processes;
numbers a process reserved and did not use are lost when the window ends, so a client
spread over many processes may be stopped a little early (at most lease - 1 requests per
process and window). Rates under LEASE_FRACTION x 2 per period (public PDFs, downloads,
access requests, subscriptions) have a lease of 1 and are counted exactly, one round trip per
request.
"""

import functools
import hashlib
import ipaddress
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import redis
from django.conf import settings
from django.core.cache import cache, caches
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

_RATE_RE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([smhd])\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
KEYS = ("ip", "user", "user_or_ip")
# A rate of n per period is counted in leases of n // LEASE_FRACTION numbers (see above).
LEASE_FRACTION = 20


class RateLimited(Exception):  # noqa: N818 - reads as what happened, like Http404
    """The client used up a limit; `retry_after` is the number of seconds until it resets."""

    def __init__(self, scope: str, retry_after: int):
        super().__init__(f"rate limit {scope!r} reached; retry in {retry_after}s")
        self.scope = scope
        self.retry_after = retry_after


@dataclass(frozen=True)
class Rate:
    count: int
    period: int  # seconds

    @classmethod
    def parse(cls, value: str) -> "Rate":
        """`"60/m"`, `"5/h"`, `"100/10m"` (100 per 10 minutes)."""
        match = _RATE_RE.match(value or "")
        if not match:
            raise ImproperlyConfigured(f"rate {value!r} must look like 60/m, 5/h or 100/10m")
        count, multiple, unit = int(match[1]), int(match[2] or 1), match[3]
        if count < 1 or multiple < 1:
            raise ImproperlyConfigured(f"rate {value!r} needs a count and a period of at least 1")
        return cls(count=count, period=multiple * _UNITS[unit])


@dataclass(frozen=True)
class Decision:
    allowed: bool
    count: int
    limit: int
    retry_after: int


def rate_for(scope: str) -> Rate:
    try:
        return Rate.parse(settings.RATE_LIMITS[scope])
    except KeyError:
        raise ImproperlyConfigured(f"no rate for {scope!r} in settings.RATE_LIMITS") from None


def client_address(request) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The client's full address as this deployment can know it, or None when it is not an IP.

    With TRUSTED_PROXY_COUNT = 0 the TCP peer (REMOTE_ADDR) is used and X-Forwarded-For is
    ignored, since any client can send one. Behind N proxies that each append the address
    they saw, the N-th entry from the right is the one the outermost proxy saw: entries
    further left were written by the client and are not trusted.
    """
    address = request.META.get("REMOTE_ADDR", "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if len(forwarded) >= proxies:
            address = forwarded[-proxies]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def client_ip(request) -> str:
    """The identity rate limits count by: `client_address`, with IPv6 reduced to its /64 network,
    which one client usually controls as a whole.
    """
    ip = client_address(request)
    if ip is None:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True)
class Counter:
    """One event to count: the counter's cache key in the current window, and its rate."""

    scope: str
    key: str
    rate: Rate
    retry_after: int  # seconds until the window ends

    @property
    def timeout(self) -> int:
        return self.rate.period + 1

    @property
    def lease(self) -> int:
        """How many numbers one round trip reserves for this process."""
        return max(1, self.rate.count // LEASE_FRACTION)

    def decide(self, count: int) -> Decision:
        limit = self.rate.count
        return Decision(allowed=count <= limit, count=count, limit=limit, retry_after=self.retry_after)


def counter_for(*, scope: str, identity: str, rate: Rate, now: float | None = None) -> Counter:
    now = time.time() if now is None else now
    window = int(now // rate.period)
    digest = hashlib.sha256(f"{scope}\0{identity}".encode()).hexdigest()[:32]
    return Counter(scope, f"rl:{scope}:{digest}:{window}", rate, max(1, int((window + 1) * rate.period - now)))


@functools.cache
def _redis_client(location: str) -> redis.Redis:
    # One client per process for the cache's server; redis-py's pool reconnects after a fork.
    return redis.Redis.from_url(location, socket_connect_timeout=2, socket_timeout=2)


class _Leases:
    """The numbers this process has reserved and not used yet: counter key -> [next, last,
    when the window ends]."""

    MAX_KEYS = 10_000

    def __init__(self):
        self._held: dict[str, list] = {}
        self._lock = threading.Lock()

    def take(self, key: str) -> int | None:
        with self._lock:
            held = self._held.get(key)
            if held is None or held[0] > held[1]:
                return None
            held[0] += 1
            return held[0] - 1

    def grant(self, key: str, first: int, last: int, ends: float) -> None:
        with self._lock:
            if len(self._held) >= self.MAX_KEYS:
                now = time.monotonic()
                self._held = {k: v for k, v in self._held.items() if v[2] > now and v[0] <= v[1]}
                if len(self._held) >= self.MAX_KEYS:
                    self._held.clear()
            self._held[key] = [first, last, ends]

    def clear(self) -> None:
        with self._lock:
            self._held.clear()


_leases = _Leases()


def forget_leases() -> None:
    """Drop the numbers this process reserved (they are not handed back: the counters keep them)."""
    _leases.clear()


# A forked child must not use numbers its parent reserved.
os.register_at_fork(after_in_child=forget_leases)


def _lease_key(counter: Counter) -> str:
    # With its rate: numbers reserved under one rate are not used under another.
    return f"{counter.key}:{counter.rate.count}"


def count_all(planned: list[Counter]) -> list[int]:
    """Count one event on each counter (starting it for its window) and return each event's
    number in its window: the count so far, or for a leased counter the number reserved for
    this event. One round trip at most, none when every counter has a lease left."""
    numbers: list[int | None] = [_leases.take(_lease_key(c)) if c.lease > 1 else None for c in planned]
    wanted: dict[str, list[int]] = {}  # counter key -> positions still without a number
    for position, number in enumerate(numbers):
        if number is None:
            wanted.setdefault(planned[position].key, []).append(position)
    if wanted:
        # One reservation per counter: enough for its events here, and its lease.
        firsts = [planned[positions[0]] for positions in wanted.values()]
        amounts = [max(c.lease, len(wanted[c.key])) for c in firsts]
        totals = _reserve(firsts, amounts)
        ends = time.monotonic()
        for counter, amount, total in zip(firsts, amounts, totals, strict=True):
            first = total - amount + 1
            positions = wanted[counter.key]
            for offset, position in enumerate(positions):
                numbers[position] = first + offset
            if first + len(positions) <= total:
                _leases.grant(_lease_key(counter), first + len(positions), total, ends + counter.retry_after)
    return numbers


def _reserve(counters: list[Counter], amounts: list[int]) -> list[int]:
    """Add `amount` to each counter (starting it for its window); the new totals."""
    backend = caches["default"]  # the backend itself: `cache` is a proxy to it
    if isinstance(backend, RedisCache):
        location = settings.CACHES["default"]["LOCATION"]
        pipe = _redis_client(location if isinstance(location, str) else location[0]).pipeline()
        for counter, amount in zip(counters, amounts, strict=True):
            key = backend.make_and_validate_key(counter.key)
            # Stored as a plain integer, as Django's Redis cache stores an int: get() reads it.
            pipe.set(key, 0, ex=counter.timeout, nx=True)
            pipe.incrby(key, amount)
        return [int(n) for n in pipe.execute()[1::2]]
    return [_count_in_cache(counter, amount) for counter, amount in zip(counters, amounts, strict=True)]


def _count_in_cache(counter: Counter, amount: int) -> int:
    # add() is a no-op when the key exists; incr() is atomic. If the key expires between
    # the two calls, incr raises ValueError and the event starts a fresh window.
    cache.add(counter.key, 0, timeout=counter.timeout)
    try:
        return cache.incr(counter.key, amount)
    except ValueError:
        cache.add(counter.key, amount, timeout=counter.timeout)
        return amount


def count(counter: Counter) -> int:
    """Count one event on the counter and return its number in the window (count_all)."""
    return count_all([counter])[0]


def hit(*, scope: str, identity: str, rate: Rate, now: float | None = None) -> Decision:
    """Count one event for `identity` in `scope` and say whether it is within `rate`."""
    counter = counter_for(scope=scope, identity=identity, rate=rate, now=now)
    return counter.decide(count(counter))


def _identities(request, key: str) -> Iterable[str]:
    if key == "ip":
        # Decided without touching request.user: reading it loads the session, which adds
        # `Vary: Cookie` and would keep anonymous pages out of every cache.
        return [f"ip:{client_ip(request)}"]
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    if key == "user":
        if not signed_in:
            raise ImproperlyConfigured("a per-user rate limit needs a signed-in user; put it after @login_required")
        return [f"user:{user.pk}"]
    if key == "user_or_ip":
        return [f"user:{user.pk}"] if signed_in else [f"ip:{client_ip(request)}"]
    raise ImproperlyConfigured(f"rate limit key must be one of {', '.join(KEYS)}; got {key!r}")


def counters(request, scope: str, *, key: str = "ip") -> list[Counter]:
    """What counting this request against `scope` would add to; nothing while limits are off
    or when this request was already counted for `scope`."""
    if not settings.RATELIMIT_ENABLED or scope in getattr(request, "rate_limits_counted", ()):
        return []
    rate = rate_for(scope)
    return [counter_for(scope=scope, identity=identity, rate=rate) for identity in _identities(request, key)]


def mark_counted(request, scopes: Iterable[str]) -> None:
    """Record that this request has been counted for `scopes` (by the page cache, which counts
    before it looks the page up), so the view's decorator does not count it twice."""
    request.rate_limits_counted = {*getattr(request, "rate_limits_counted", ()), *scopes}


def judge(pairs: Iterable[tuple[Counter, int]]) -> None:
    """Raise RateLimited for the first counter whose new count is over its rate."""
    for counter, value in pairs:
        decision = counter.decide(value)
        if not decision.allowed:
            raise RateLimited(counter.scope, decision.retry_after)


def enforce(request, scope: str, *, key: str = "ip") -> None:
    """Count this request against `scope`; raise RateLimited when over the limit."""
    planned = counters(request, scope, key=key)
    judge(zip(planned, count_all(planned), strict=True))


def too_many_requests(request, exception: RateLimited):
    """The 429 page with Retry-After, never stored by a shared cache."""
    minutes = max(1, -(-exception.retry_after // 60))
    response = render(request, "429.html", {"retry_after_minutes": minutes}, status=429)
    response["Retry-After"] = str(exception.retry_after)
    # One client's 429 must never be served to others from a shared cache.
    add_never_cache_headers(response)
    return response


def rate_limited(scope: str, *, key: str = "ip", methods: Iterable[str] | None = None) -> Callable:
    """Decorate a view so each request (of the given methods, default all) counts against `scope`."""
    rate_for(scope)  # fail at import time on a missing or malformed rate
    if key not in KEYS:
        raise ImproperlyConfigured(f"rate limit key must be one of {', '.join(KEYS)}; got {key!r}")
    counted = {m.upper() for m in methods} if methods else None

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request, *args, **kwargs):
            if counted is None or request.method in counted:
                enforce(request, scope, key=key)
            return view(request, *args, **kwargs)

        # Declared, so the page cache can count a request it answers before the view
        # (lib/pagecache.py) exactly as this wrapper would.
        wrapper.rate_limits = (*getattr(view, "rate_limits", ()), (scope, key, counted))
        return wrapper

    return decorator
