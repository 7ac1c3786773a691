"""The production settings plus one extra URL for the benchmark (bench/run.py).

`/__bench__/bytes/<name>` returns a page's bytes from memory through the same middleware:
the framework's ceiling that the real pages are compared with. Never used outside `make bench`.
"""

from trustcenter.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
