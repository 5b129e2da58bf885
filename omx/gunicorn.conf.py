"""gunicorn settings for `make serve` and production.

Workers and threads come from WEB_CONCURRENCY / GUNICORN_THREADS. The app
writes one log line per request itself (with the user id, without query
strings), so gunicorn's own access log is off unless GUNICORN_ACCESS_LOG=true.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
workers = int(os.environ.get("WEB_CONCURRENCY", max(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (against slow leaks); 0 never.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = max_requests // 10
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# No request-line limit of gunicorn's own: it would answer a long URL with an
# HTML 414 before omX sees it. omX bounds every query parameter itself (JSON
# 400); the reverse proxy in front sets the hard limit on request size.
limit_request_line = 0
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
if os.environ.get("GUNICORN_ACCESS_LOG", "").lower() in ("1", "true", "yes"):
    accesslog = "-"
    # No path at all: paths carry invitation, password-reset and share tokens.
    # omX's own request line names the URL pattern instead.
    access_log_format = '%(h)s "%(m)s" %(s)s %(b)s %(M)sms'
