"""Whether a pooled psycopg connection is still alive, without a round trip.

A connection the server closed while it sat idle in the pool (a restart, pg_terminate_backend,
an idle timeout) has something to read: the server's last message ("terminating connection
...") and then the end of the stream. The two may arrive apart, so a connection that has
anything to read is not trusted: an idle pooled connection is owed nothing by the server. The
one exception would be NOTIFY messages for a session that ran LISTEN; the ORM never does, and a
user who LISTENs on a pooled connection loses that connection on its next checkout, which is
safe. One ``select()`` with no wait tells which.
"""

from __future__ import annotations

import select
from typing import Any

import psycopg


def is_dead(raw: Any) -> bool:
    if raw.closed or raw.broken:
        return True
    try:
        readable, _, _ = select.select([raw.pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.OperationalError):
        return True
    return bool(readable)
