"""gunicorn settings for the Procfile's web process (`gunicorn -c gunicorn.conf.py`).

Whether a request came over HTTPS through a trusted proxy is decided in one place, Django
(TRUSTED_PROXIES, salesmgmt.proxies). Left to its defaults gunicorn would decide too: it turns
`X-Forwarded-Proto: https` from any client on 127.0.0.1 into an https request before Django
sees it. So gunicorn derives no scheme from headers and lets no peer set forwarded WSGI
variables.

Each web worker keeps its database connection between requests (CONN_MAX_AGE, 60 s unless the
environment says otherwise; Django checks a reused connection before each request): opening a
PostgreSQL connection per request cost about a third of an activity write's CPU
(tests/bench/README.md, "Write path"). Workers inherit the variable; Celery and management
commands keep the settings' default (a connection per task or command).
"""

import os

os.environ.setdefault("CONN_MAX_AGE", "60")

secure_scheme_headers: dict[str, str] = {}
forwarded_allow_ips = ""
