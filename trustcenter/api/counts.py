"""Anonymous page counts, kept in the shared cache until `flush` writes them to the database.

Each day has a numbered list of the pages seen that day: the first view of a page on a day
takes the next number (an atomic increment), so concurrent workers never overwrite each
other's entries, and a flush can find every counter without scanning the cache.
"""

import atexit
import datetime
import hashlib
import threading
import time
from collections import Counter

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from trustcenter.api.models import PageViewCount

NOT_PAGES = ("/static/", "/api/", "/staff/", "/admin/", "/accounts/", "/healthz", "/readyz", "/language/")

KEEP_SECONDS = 3 * 24 * 3600  # flushed at least daily; a day of slack


def _keys(day: datetime.date, path: str) -> str:
    digest = hashlib.sha256(path.encode()).hexdigest()[:24]
    return f"pv:{day.isoformat()}:{digest}"


def _incr(key: str) -> int:
    cache.add(key, 0, timeout=KEEP_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=KEEP_SECONDS)
        return 1


def page_view(*, path: str, day: datetime.date | None = None, views: int = 1) -> None:
    day = day or timezone.now().date()
    key = _keys(day, path[:300])
    if cache.add(key, 0, timeout=KEEP_SECONDS):
        slot = _incr(f"pv:{day.isoformat()}:slots")
        cache.set(f"pv:{day.isoformat()}:slot:{slot}", (path[:300], key), timeout=KEEP_SECONDS)
    cache.add(key, 0, timeout=KEEP_SECONDS)
    try:
        cache.incr(key, views)
    except ValueError:  # expired between add and incr
        cache.add(key, views, timeout=KEEP_SECONDS)


# Pages answered from the page cache are tallied in the process (a hit must stay free of round
# trips) and written to the shared counters at most every TALLY_SECONDS, at the next hit after
# that, at flush() and when the process exits. A worker that is killed loses its last seconds.
TALLY_SECONDS = 10
_tally: Counter = Counter()
_tally_lock = threading.Lock()
_tallied_since = time.monotonic()


def counted_path(path: str) -> bool:
    """Pages whose anonymous views are counted: not static files, the API, staff or account pages."""
    return settings.ENGAGEMENT_COUNT_PAGES and not path.startswith(NOT_PAGES)


def page_hit(path: str, entry) -> None:
    """A page-cache hit (trustcenter.lib.pagecache.hit_listeners): count HTML pages as views."""
    global _tallied_since
    if entry.status != 200 or not _is_html(entry.headers):
        return
    if not counted_path(path):
        return
    with _tally_lock:
        _tally[(timezone.now().date(), path[:300])] += 1
        due = time.monotonic() - _tallied_since >= TALLY_SECONDS
    if due:
        tally_write()


def _is_html(headers) -> bool:
    return any(name.lower() == "content-type" and value.startswith("text/html") for name, value in headers)


def tally_write() -> None:
    """Add this process's tallied hits to the shared counters."""
    global _tally, _tallied_since
    with _tally_lock:
        tally, _tally = _tally, Counter()
        _tallied_since = time.monotonic()
    for (day, path), views in tally.items():
        page_view(path=path, day=day, views=views)


atexit.register(tally_write)


def flush(*, days: int = 3) -> int:
    """Write the cached counts of the last `days` days to PageViewCount; return how many rows."""
    tally_write()
    today = timezone.now().date()
    written = 0
    for offset in range(days):
        day = today - datetime.timedelta(days=offset)
        slots = cache.get(f"pv:{day.isoformat()}:slots") or 0
        for slot in range(1, slots + 1):
            entry = cache.get(f"pv:{day.isoformat()}:slot:{slot}")
            if entry is None:
                continue
            path, key = entry
            total = cache.get(key)
            if total:
                # The cached counter is the day's running total, so writing it again is harmless.
                PageViewCount.objects.update_or_create(path=path, day=day, defaults={"count": total})
                written += 1
    return written
