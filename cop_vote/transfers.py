"""Light transfers: compressed answers, and static files browsers keep for a year.

* Answers are compressed with Flask-Compress (brotli or gzip, as the browser
  accepts; bodies under 500 bytes as they are). Static files are compressed
  once per process and kept in memory.
* ``url_for('static', filename=...)`` adds ``?v=`` and a hash of the file's
  content, computed at start-up. A request with the current hash is answered
  with a year's lifetime and ``immutable``: a browser asks again only when the
  file (so its URL) changes. Any other static URL (no hash, an old one) gets a
  short lifetime, so a stale copy does not linger.
* Pages and API answers are personal: unless a view says otherwise they carry
  ``Cache-Control: private, no-cache`` (a browser may keep them but checks
  first; a shared cache never stores them).

Static files are served by Flask itself, under the same security headers
(Flask-Talisman) as every page.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from flask import Flask, Request, Response, request
from flask_compress import Compress

#: A hashed static URL's lifetime: a year (RFC 9111 ``max-age``, seconds).
HASHED_MAX_AGE = 365 * 24 * 3600
#: Any other static URL's lifetime: five minutes.
UNHASHED_MAX_AGE = 300
#: What pages and API answers send unless their view set ``Cache-Control``.
PERSONAL = "private, no-cache"

compress = Compress()


def static_hashes(folder: str | Path) -> dict[str, str]:
    """``{path below folder: first 16 hex digits of its SHA-256}`` of every file.

    :param folder: the static folder; paths use ``/`` as Flask's ``filename`` does.
    """
    root = Path(folder)
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


class _StaticOnlyCache:
    """Flask-Compress's cache, holding compressed static files only (pages are
    personal and change; :func:`_cache_key` gives them an empty key)."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self.data.get(key)

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(";"):
            self.data[key] = value


def _cache_key(req: Request) -> str:
    if req.endpoint != "static":
        return ""
    return f"{req.path}?v={req.args.get('v', '')}"


def init_app(app: Flask) -> None:
    """Compress answers, version static URLs and set every answer's caching."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Brotli 6 beats gzip 6 in size and time (htmx: 16.4 KB against 16.9 KB).
    app.config.setdefault("COMPRESS_BR_LEVEL", 6)
    app.config.setdefault("COMPRESS_CACHE_BACKEND", _StaticOnlyCache)
    app.config.setdefault("COMPRESS_CACHE_KEY", _cache_key)
    compress.init_app(app)
    hashes = static_hashes(app.static_folder) if app.static_folder else {}
    app.extensions["static_hashes"] = hashes

    @app.url_defaults
    def _version_static_urls(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values:
            digest = hashes.get(str(values.get("filename", "")))
            if digest:
                values["v"] = digest

    # Registered after Flask-Compress: after-request hooks run in reverse order,
    # so this one runs first and hands Compress a body it can cache.
    @app.after_request
    def _caching(response: Response) -> Response:
        if request.endpoint != "static":
            if "Cache-Control" not in response.headers:
                response.headers["Cache-Control"] = PERSONAL
            return response
        filename = (request.view_args or {}).get("filename", "")
        version = request.args.get("v")
        if version is not None and version == hashes.get(filename):
            response.headers["Cache-Control"] = f"public, max-age={HASHED_MAX_AGE}, immutable"
        else:
            response.headers["Cache-Control"] = f"public, max-age={UNHASHED_MAX_AGE}"
        if response.status_code == 200 and response.is_streamed:
            # A small file read into memory: compressed once, then from the cache.
            response.direct_passthrough = False
            response.make_sequence()
        return response
