"""A pool of database connections granted first come, first served.

A request whose I/O is a database query takes a connection when its CPU phase ends, holds it for its
query (its I/O time) and gives it back; with every connection in use it waits in line, and the
connection handed back goes to the request that has waited longest. The query starts when the
connection is granted, so the wait adds to the request's latency.

The models keep one event per request while a pool cannot be exhausted. A pool of c connections
cannot make anyone wait while no more than c requests that will need one are in flight: each of them
is then counted in `in_use` from the moment it is placed (a promise of a connection at its CPU phase's
end), and its end is scheduled at once, CPU and query together. When a request placed makes more than
c of them, the promises of requests still in their CPU phase are withdrawn (`in_use` drops by one
each) and those requests ask for a connection at their CPU phase's end instead: the pool is binding,
and only then does a request cost more events (its arrival at the pool, and a grant after a wait).
"""
from __future__ import annotations

from collections import deque

from . import _check


class ConnectionPool:
    """`connections` database connections shared by some requests; `wait_s` records each request's wait."""

    __slots__ = ("connections", "in_use", "waiting", "wait_s", "gone")

    def __init__(self, connections: int, wait_s: memoryview, name: str = "connections"):
        _check.number(name, connections, low=1, high=1_000_000, integer=True)
        self.connections = int(connections)
        self.in_use = 0                  # connections held or promised
        self.waiting: deque = deque()    # (request, since_s, what the owner needs to run it), oldest first
        self.wait_s = wait_s             # per request: seconds waited (a view of the ledger's array)
        self.gone: set[int] = set()      # requests that left the line before their turn (timed out)

    def take(self, i: int, now: float, payload) -> bool:
        """Request i asks for a connection at `now`: True if granted at once, else it waits in line."""
        if self.in_use < self.connections:   # someone waits only while every connection is in use
            self.in_use += 1
            return True
        self.waiting.append((i, now, payload))
        return False

    def release(self, now: float):
        """A connection is handed back at `now`: (request, payload) of the oldest waiter, who now holds
        it, or None (the connection is free)."""
        waiting, gone = self.waiting, self.gone
        while waiting:
            i, since_s, payload = waiting.popleft()
            if gone and i in gone:
                gone.discard(i)
                continue
            self.wait_s[i] = now - since_s
            return i, payload
        self.in_use -= 1
        return None

    def leave(self, i: int, now: float, since_s: float) -> None:
        """Request i, waiting since `since_s`, leaves the line at `now` (its time ran out)."""
        self.gone.add(i)
        self.wait_s[i] = now - since_s
