"""Anonymous page counts, kept in the shared cache until `flush` writes them to the database.

Each day has a numbered list of the pages seen that day: the first view of a page on a day
takes the next number (an atomic increment), so concurrent workers never overwrite each
other's entries, and a flush can find every counter without scanning the cache.
"""

import datetime
import hashlib

from django.core.cache import cache
from django.utils import timezone

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


def page_view(*, path: str, day: datetime.date | None = None) -> None:
    day = day or timezone.now().date()
    key = _keys(day, path[:300])
    if cache.add(key, 0, timeout=KEEP_SECONDS):
        slot = _incr(f"pv:{day.isoformat()}:slots")
        cache.set(f"pv:{day.isoformat()}:slot:{slot}", (path[:300], key), timeout=KEEP_SECONDS)
    _incr(key)


def flush(*, days: int = 3) -> int:
    """Write the cached counts of the last `days` days to PageViewCount; return how many rows."""
    from trustcenter.api.models import PageViewCount

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
