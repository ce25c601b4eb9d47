"""Django's PostgreSQL backend, checking a kept connection only when it has been idle.

With persistent connections (CONN_MAX_AGE) and CONN_HEALTH_CHECKS, Django runs `SELECT 1` on
the first use of the connection in *every* request: a round trip and a statement per request,
about a seventh of the statements of logging an activity. The check is there for a connection
that died while it sat unused (the server restarted, a proxy or firewall dropped it). A
connection a request finished with moments ago has not sat unused, so this backend checks it
only when more than IDLE_BEFORE_CHECK seconds passed since a request last finished with it.

What that leaves out: a server restart within those seconds fails the requests using a
connection it cut, as any request in flight at that moment fails; Django then closes the
connection at the end of the request (it checks a connection after an error), so the next
request opens a new one.
"""

from __future__ import annotations

import time

from django.db.backends.postgresql import base

IDLE_BEFORE_CHECK = 5.0  # seconds


class DatabaseWrapper(base.DatabaseWrapper):
    _boundary_at: float | None = None  # when a request last started or finished with it

    def close_if_unusable_or_obsolete(self) -> None:
        # Django calls this when a request starts and when it finishes (close_old_connections).
        now = time.monotonic()
        used_recently = self._boundary_at is not None and now - self._boundary_at < (
            IDLE_BEFORE_CHECK
        )
        super().close_if_unusable_or_obsolete()
        if self.connection is None:
            self._boundary_at = None
            return
        if used_recently:
            self.health_check_done = True  # no SELECT 1 before its next use
        self._boundary_at = now

    def connect(self) -> None:
        super().connect()
        self._boundary_at = None
