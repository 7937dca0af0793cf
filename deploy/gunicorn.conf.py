"""gunicorn's settings for production: ``gunicorn -c deploy/gunicorn.conf.py app:app``.

Every value can be changed from the environment (gunicorn's own
``GUNICORN_CMD_ARGS`` still wins over this file). The web processes hold no
state of their own: sessions and data are in PostgreSQL, rate limits and the
task queue in Redis, so any number of them may run, on any number of machines,
behind a proxy that terminates HTTPS.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


#: Where to listen; a proxy (nginx, Caddy, a load balancer) sits in front.
bind = os.environ.get("GUNICORN_BIND", f"127.0.0.1:{os.environ.get('PORT', '8000')}")
#: Synchronous worker processes: each answers one request at a time. About two
#: per core; each holds a database pool (DATABASE_POOL_SIZE + DATABASE_MAX_OVERFLOW).
workers = _int("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count() + 1)
worker_class = "sync"
#: A request that takes longer than this is killed and answered 502 by the proxy;
#: no page or API call of cop-vote needs more than a few seconds.
timeout = _int("GUNICORN_TIMEOUT", 30)
#: On a restart (SIGHUP) or stop (SIGTERM), requests under way get this long to finish.
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
#: Keep-alive between the proxy and gunicorn.
keepalive = _int("GUNICORN_KEEPALIVE", 5)
#: Replace each worker after about this many requests, to bound slow leaks.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
#: Access log and error log on standard output and error (journald or the
#: container runtime keeps them): time, client, request, status, size, duration.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s %(L)ss "%(a)s"'
#: Trust X-Forwarded-Proto/For only from the proxy (its address, comma-separated).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
#: Each worker loads the app itself: a database pool is never shared across a fork.
preload_app = False
#: Request line and header limits well above what the site sends, far below abuse.
limit_request_line = 8190
limit_request_fields = 100
#: gunicorn's control socket (for ``gunicornc``) is one path per user by
#: default, so a second instance on the same host collides with the first. Off
#: unless GUNICORN_CONTROL_SOCKET names a path of this instance's own.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
