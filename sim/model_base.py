"""What every platform model shares: its clock, ledger and per-event draws, its events, and the arrival chain.

Events. Each is a `Call` on the SimPy environment's queue, scheduled as `Environment.schedule` schedules a
Timeout (same time arithmetic, same order among equal times) and processed by `Environment.step` like
one; it only carries its callbacks and its value, which makes it about half the cost of a Timeout.

The arrival chain. Only the next arrival is ever scheduled: request i's arrival schedules request i + 1's
(`_arrival`), so the queue holds one arrival at a time, whatever the number of requests.
"""
from __future__ import annotations

import heapq

import simpy
from simpy.events import NORMAL

from .ledger import Ledger, per_event_view
from .workload import Draws

_push = heapq.heappush


class Call:
    """An event that calls `callbacks` with itself when `Environment.step` reaches it; `value` says what
    it is about. It holds what step() reads of a Timeout and nothing else (no environment, no delay)."""

    __slots__ = ("callbacks", "value")
    _ok = True   # step() checks that the event did not fail

    def __init__(self, callbacks, value):
        self.callbacks = callbacks   # a list step() iterates (shared between events), or () once cancelled
        self.value = value


def schedule(env: simpy.Environment, delay_s: float, callbacks, value) -> Call:
    """Schedule a Call `delay_s` from now, exactly as `env.timeout(delay_s, value)` would be scheduled."""
    event = Call(callbacks, value)
    _push(env._queue, (env._now + delay_s, NORMAL, next(env._eid), event))
    return event


class ModelBase:
    """A model's run: `config`, the workload's `draws` (`n` requests; `arrival_s` as a per-event view), the
    SimPy environment `env` and the `ledger` the tables come from. A subclass provides `_arrive(event)` for
    the arrival of request `event.value`, which starts with `_arrival(event)`."""

    def __init__(self, config, draws: Draws, mode: str, duration_s: float):
        self.config = config
        self.draws = draws
        self.n = len(draws)
        self.mode = mode
        self.queue_mode = mode == "queue"
        self.duration_s = duration_s
        self.env = simpy.Environment()
        self.queue, self.eids = self.env._queue, self.env._eid   # where `schedule` puts events
        self.ledger = Ledger(draws)
        self.arrival_s = per_event_view(draws.arrival_s)
        self.arrive_calls = [self._arrive]

    def _first_arrival(self) -> None:
        """Schedule the first request's arrival, if there is one."""
        if self.n:
            self._at(self.arrival_s[0], self._arrive, 0)

    #: A model that stops its periodic events while at rest sets this and provides `_wake(now)`, which an
    #: arrival calls first (sim.shared_cpu.SharedCpuFleet); here, on the arrival's path, to save a call per request.
    asleep = False

    def _arrival(self, event: Call) -> tuple[int, float]:
        """What every arrival does first: wake the model if it is asleep, then schedule the next arrival
        (as env.timeout(arrival - now) would). Returns the request index and the time."""
        i, now = event.value, self.env._now
        if self.asleep:
            self._wake(now)
        if i + 1 < self.n:
            _push(self.queue, (now + (self.arrival_s[i + 1] - now), NORMAL, next(self.eids),
                               Call(self.arrive_calls, i + 1)))
        return i, now

    def _at(self, when_s: float, callback, value) -> Call:
        """Call `callback(event)` at `when_s`, with `value` as the event's value."""
        return schedule(self.env, when_s - self.env._now, [callback], value)

    def _arrive(self, event: Call) -> None:   # pragma: no cover - abstract
        raise NotImplementedError
