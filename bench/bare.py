"""The bare WSGI app the trust center is compared with: the same bytes, from memory, with no
framework at all. `gunicorn -c gunicorn.conf.py bench.bare:application`; files in BENCH_BYTES_DIR
are served at /<name>, nothing else exists."""

import os
from pathlib import Path

_TYPES = {".html": "text/html; charset=utf-8", ".pdf": "application/pdf"}
_FOLDER = os.environ.get("BENCH_BYTES_DIR")
_FILES = {
    f"/{p.name}": (p.read_bytes(), _TYPES.get(p.suffix, "application/octet-stream"))
    for p in (Path(_FOLDER).iterdir() if _FOLDER else [])
    if p.is_file()
}
_FILES["/"] = (b"ready", "text/plain")


def application(environ, start_response):
    body, content_type = _FILES.get(environ["PATH_INFO"], (b"not found", "text/plain"))
    status = "200 OK" if environ["PATH_INFO"] in _FILES else "404 Not Found"
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]
