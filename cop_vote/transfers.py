"""Light transfers: compressed answers, and static files browsers keep for a year.

* Answers are compressed with Flask-Compress (brotli or gzip, as the browser
  accepts; bodies under 500 bytes as they are). Static files are compressed
  once per process, at the highest level, and kept in memory.
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

import gzip
import hashlib
from pathlib import Path
from typing import Any

import brotli
from flask import Flask, Request, Response, redirect, request, url_for
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


#: Static files are compressed once a process, so as small as the codecs make them.
STATIC_LEVELS = {"br": 11, "gzip": 9}


class _StaticOnlyCache:
    """Flask-Compress's cache, holding compressed static files only (pages are
    personal and change; :func:`_cache_key` gives them an empty key).

    A file asked for by its current hashed URL is compressed here, from the
    file, at the codec's highest level (:data:`STATIC_LEVELS`) the first
    time: pages are compressed per request at a level cheap enough for that
    (``COMPRESS_BR_LEVEL``), a file once a process.
    """

    def __init__(self, folder: str | None = None, url_path: str = "/static") -> None:
        self.data: dict[str, bytes] = {}
        self.folder = Path(folder) if folder else None
        self.prefix = url_path.rstrip("/") + "/"
        self.hashes: dict[str, str] = {}

    def get(self, key: str) -> bytes | None:
        found = self.data.get(key)
        if found is None:
            found = self._compress_file(key)
            if found is not None:
                self.data[key] = found
        return found

    def set(self, key: str, value: bytes) -> None:
        if not key.endswith(";"):
            self.data.setdefault(key, value)

    def _compress_file(self, key: str) -> bytes | None:
        """``key`` (``algorithm;/static/path?v=hash``) compressed at the highest
        level, when it names a file by its current hash."""
        algorithm, _, url = key.partition(";")
        path, _, version = url.partition("?v=")
        level = STATIC_LEVELS.get(algorithm)
        if self.folder is None or level is None or not path.startswith(self.prefix):
            return None
        filename = path[len(self.prefix) :]
        if not version or self.hashes.get(filename) != version:
            return None
        data = (self.folder / filename).read_bytes()
        if algorithm == "br":
            return bytes(brotli.compress(data, quality=level))
        return gzip.compress(data, compresslevel=level)


def _cache_key(req: Request) -> str:
    if req.endpoint != "static":
        return ""
    return f"{req.path}?v={req.args.get('v', '')}"


def init_app(app: Flask) -> None:
    """Compress answers, version static URLs and set every answer's caching."""
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_ALGORITHM_STREAMING", ["br", "deflate"])
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # Pages: brotli 3 compresses a decision page (27 KB) in about 0.1 ms, level
    # 4 in 0.19 ms for 4 to 6 % less (4,669 bytes instead of 4,868; the demo's
    # pages 3.0 to 4.3 KB instead of 3.2 to 4.5), level 2 as slowly as 3 for
    # more; static files get level 11 once (above).
    app.config.setdefault("COMPRESS_BR_LEVEL", 3)
    static_cache = _StaticOnlyCache(app.static_folder, app.static_url_path or "/static")
    app.config.setdefault("COMPRESS_CACHE_BACKEND", lambda: static_cache)
    app.config.setdefault("COMPRESS_CACHE_KEY", _cache_key)
    compress.init_app(app)
    hashes = static_hashes(app.static_folder) if app.static_folder else {}
    static_cache.hashes = hashes
    app.extensions["static_hashes"] = hashes

    @app.url_defaults
    def _version_static_urls(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values:
            digest = hashes.get(str(values.get("filename", "")))
            if digest:
                values["v"] = digest

    def favicon() -> Response:
        # Browsers and tools that ask for the old address before reading the
        # page's <link rel="icon">: the icon is the static SVG.
        return redirect(url_for("static", filename="favicon.svg"), 301)

    favicon._spec = {"hide": True}  # type: ignore[attr-defined]  # APIFlask: not in the API's document
    app.add_url_rule("/favicon.ico", "favicon", favicon)

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
