"""AWS Lambda (on-demand): one in-flight request per execution environment.

Events are sim.model_base.Call events with callbacks (no Process per request): an arrival, and the end of
each handler run. Each event carries what it is about as its value (a request index, an environment id).
Idle environments wait in a deque ordered by the time they were freed, so keep-alive expiry is lazy:
the oldest are at the left and are retired, at their exact expiry time, the next time the pool is
looked at. No step scans the environments, so a request costs the same with 8 or 1,000 of them alive
(only `dispatch="random"` deletes from the middle of the deque: linear in the idle ones, but in C).

Behind a pooler (`pooler_max_connections` = P), a handler runs its CPU part, then its query on one of
P connections shared by every environment, waiting first come first served while all are in use
(sim.connection_pool). While no more than P environments are busy nobody can wait: a request's end is
still one event, scheduled at its start. Beyond that, requests in their CPU part ask the pool at its end,
and one that waits past the function's timeout is ended there (Lambda stops the invocation).
"""
from __future__ import annotations

import heapq
from collections import deque

import numpy as np

from .coldstart import LAMBDA_INIT_CAP_MS, lambda_first_invoke_ms, lambda_init_distribution
from .config import LambdaConfig
from .connection_pool import ConnectionPool
from .ledger import Ledger, per_event_view
from .model_base import Call, ModelBase, schedule
from .workload import Draws


class LambdaModel(ModelBase):
    """Runs one workload's draws on one Lambda function configuration."""

    def __init__(self, config: LambdaConfig, draws: Draws, mode: str, duration_s: float,
                 rng_cold: np.random.Generator, rng_dispatch: np.random.Generator):
        super().__init__(config, draws, mode, duration_s)
        n = self.n
        # Everything random is drawn up front, in blocks.
        self.handler_s = per_event_view((draws.cpu_ms * config.cpu_slowdown + draws.io_ms) / 1000.0)
        if config.init_ms is None:
            init_ms = lambda_init_distribution(config.runtime, config.package_mb).sample(rng_cold, n)
            self.init_draw_s = per_event_view(np.minimum(init_ms, LAMBDA_INIT_CAP_MS) / 1000.0)
        else:
            self.init_draw_s = per_event_view(np.full(n, config.init_ms / 1000.0))
        self.first_invoke_s = lambda_first_invoke_ms(config.runtime, config.memory_mb) / 1000.0
        self.dispatch_u = per_event_view(rng_dispatch.random(n)) if config.dispatch == "random" else None
        self.idle: deque[tuple[float, int]] = deque()   # (freed_s, env_id), oldest first
        self.idle_provisioned: list[int] = []
        self.busy = 0
        self.tokens = float(config.scale_up_per_10s)
        self.tokens_at_s = 0.0
        self.backlog: deque[int] = deque()
        self.wakeup_pending = False
        self.cold_index = 0
        self.pool = None
        if config.pooler_max_connections is not None:
            self.pool = ConnectionPool(config.pooler_max_connections, self.ledger._pool_wait_s,
                                       "pooler_max_connections")
            self.cpu_part_s = per_event_view(draws.cpu_ms * config.cpu_slowdown / 1000.0)
            self.query_s = per_event_view(draws.io_ms / 1000.0)
            # Requests promised a connection at the end of their CPU part: (CPU end, i, env, start, cold,
            # INIT, end event); those whose CPU part ended hold it, and leave the heap when it is next looked at.
            self.promised: list[tuple] = []
            self.waiting_since: dict[int, float] = {}   # requests waiting for a connection, since when
            self.last_free_s = 0.0   # when the last request ended

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> tuple[Ledger, float]:
        for _ in range(self.config.provisioned_concurrency):
            self.idle_provisioned.append(self.ledger.new_instance(0.0, 0.0, provisioned=True))
        self._first_arrival()
        self.env.run(until=self.duration_s)
        self.env.run()  # drain: every request finishes; no periodic events exist
        # Behind a pooler, a waiter's timeout event stays queued after it got its connection: the run ends
        # with the last request, not with those events.
        end_s = max(self.duration_s, self.env.now if self.pool is None else self.last_free_s)
        self._retire_idle(end_s)
        return self.ledger, end_s

    def _arrive(self, event: Call) -> None:
        i, _now = self._arrival(event)
        if self.queue_mode and self.backlog:
            self.backlog.append(i)   # first in, first out
            return
        if not self._dispatch(i):
            if self.queue_mode:
                self.backlog.append(i)
                self._wake_when_tokens()
            else:
                self.ledger.throttle(i, self.env.now)

    # -- dispatch ----------------------------------------------------------------------------
    # [teach:warm-or-cold]
    def _dispatch(self, i: int) -> bool:
        """Start request i on an idle environment, or a new one; False if throttled."""
        now = self.env.now
        if self.busy >= self.config.concurrency_limit:
            return False
        env_id = self._take_idle(i, now)
        if env_id is not None:
            self._start(i, env_id, now, cold=False)
            return True
        if not self._take_token(now):
            return False
        init_s = self.init_draw_s[self.cold_index]
        self.cold_index += 1
        env_id = self.ledger.new_instance(now, now + init_s)
        self._start(i, env_id, now + init_s, cold=True, init_s=init_s)
        return True
    # [/teach:warm-or-cold]

    def _take_idle(self, i: int, now: float) -> int | None:
        if self.idle_provisioned:
            return self.idle_provisioned.pop()
        self._retire_idle(now)
        if not self.idle:
            return None
        policy = self.config.dispatch
        if policy == "most_recently_freed":
            return self.idle.pop()[1]
        if policy == "oldest_idle_first":
            return self.idle.popleft()[1]
        k = int(self.dispatch_u[i] * len(self.idle))
        env_id = self.idle[k][1]
        del self.idle[k]
        return env_id

    # [teach:keep-alive]
    def _retire_idle(self, now: float) -> None:
        """Retire every idle environment whose keep-alive ran out by `now`, at its expiry time."""
        keep_alive = self.config.keep_alive_s
        while self.idle and self.idle[0][0] + keep_alive <= now:
            freed_s, env_id = self.idle.popleft()
            self.ledger.retired_s[env_id] = freed_s + keep_alive
    # [/teach:keep-alive]

    def _take_token(self, now: float) -> bool:
        """The scale-up rate as a token bucket: 1,000 new environments per 10 s, refilled continuously."""
        cap = self.config.scale_up_per_10s
        self.tokens = min(cap, self.tokens + (now - self.tokens_at_s) * cap / 10.0)
        self.tokens_at_s = now
        if self.tokens >= 1.0 - 1e-9:   # tolerance: refills are computed in floating point
            self.tokens = max(0.0, self.tokens - 1.0)
            return True
        return False

    def _start(self, i: int, env_id: int, start_s: float, *, cold: bool, init_s: float = 0.0) -> None:
        self.busy += 1
        if self.pool is not None:
            self._start_pooled(i, env_id, start_s, cold, init_s)
            return
        handler_s = self.handler_s[i] + (self.first_invoke_s if cold else 0.0)
        timed_out = handler_s > self.config.timeout_s
        end_s = start_s + min(handler_s, self.config.timeout_s)
        self.ledger.place(i, env_id, start_s, end_s, cold=cold, init_s=init_s, timed_out=timed_out)
        self._at(end_s, self._finish, env_id)

    def _finish(self, event: Call) -> None:
        self._free(event.value)

    def _free(self, env_id: int) -> None:
        """The request on `env_id` ended: the environment serves the next queued message or goes idle."""
        self.busy -= 1
        if self.pool is not None:
            self.last_free_s = self.env.now
        if self.backlog:
            self._start(self.backlog.popleft(), env_id, self.env.now, cold=False)
            return
        if self.ledger.instance_provisioned[env_id]:
            self.idle_provisioned.append(env_id)
        else:
            self.idle.append((self.env.now, env_id))

    # -- behind a pooler (sim.connection_pool) ------------------------------------------------
    def _start_pooled(self, i: int, env_id: int, start_s: float, cold: bool, init_s: float) -> None:
        """Start request i behind the pooler: promised a connection while no more environments are busy than
        it has (its end is then exactly as without a pooler), else it asks for one at its CPU part's end."""
        now = self.env.now
        pool, promised = self.pool, self.promised
        while promised and promised[0][0] <= now:   # CPU parts that ended: those requests hold their connection
            heapq.heappop(promised)
        cpu_end_s = start_s + ((self.first_invoke_s if cold else 0.0) + self.cpu_part_s[i])
        if self.busy <= pool.connections:
            handler_s = self.handler_s[i] + (self.first_invoke_s if cold else 0.0)
            timed_out = handler_s > self.config.timeout_s
            end_s = start_s + min(handler_s, self.config.timeout_s)
            self.ledger.place(i, env_id, start_s, end_s, cold=cold, init_s=init_s, timed_out=timed_out)
            if cpu_end_s < end_s:   # it reaches its query
                pool.in_use += 1
                event = schedule(self.env, end_s - now, [self._end_pooled], env_id)
                heapq.heappush(promised, (cpu_end_s, i, env_id, start_s, cold, init_s, event))
            else:
                self._at(end_s, self._finish, env_id)
            return
        for _cpu_end_s, j, env_j, start_j, cold_j, init_j, event in promised:   # the pool binds: withdraw
            event.callbacks = []
            pool.in_use -= 1
            self._at(_cpu_end_s, self._at_pool, (j, env_j, start_j, cold_j, init_j))
        promised.clear()
        if cpu_end_s - start_s >= self.config.timeout_s:   # it times out before its query
            end_s = start_s + self.config.timeout_s
            self.ledger.place(i, env_id, start_s, end_s, cold=cold, init_s=init_s, timed_out=True)
            self._at(end_s, self._finish, env_id)
        else:
            self._at(cpu_end_s, self._at_pool, (i, env_id, start_s, cold, init_s))

    def _at_pool(self, event: Call) -> None:
        """A request's CPU part ended: it queries now, or waits for a connection until its timeout."""
        i, _env_id, start_s = event.value[:3]
        now = self.env.now
        if self.pool.take(i, now, event.value):
            self._grant(event.value, now)
        else:
            self.waiting_since[i] = now
            self._at(start_s + self.config.timeout_s, self._pool_timeout, event.value)

    def _grant(self, request: tuple, now: float) -> None:
        """Request `request` = (i, env, start, cold, INIT) holds a connection from `now`: its query runs."""
        i, env_id, start_s, cold, init_s = request
        self.waiting_since.pop(i, None)
        end_s = now + self.query_s[i]
        timed_out = end_s - start_s > self.config.timeout_s
        if timed_out:
            end_s = start_s + self.config.timeout_s
        self.ledger.place(i, env_id, start_s, end_s, cold=cold, init_s=init_s, timed_out=timed_out)
        self._at(end_s, self._end_pooled, env_id)

    def _end_pooled(self, event: Call) -> None:
        """A query ended (or its invocation timed out): the connection goes to the oldest waiter."""
        now = self.env.now
        granted = self.pool.release(now)
        if granted is not None:
            self._grant(granted[1], now)
        self._free(event.value)

    def _pool_timeout(self, event: Call) -> None:
        """A waiting request's timeout: if it still waits, the invocation ends here, with no query."""
        i, env_id, start_s, cold, init_s = event.value
        since_s = self.waiting_since.pop(i, None)
        if since_s is None:
            return   # it got its connection in time
        now = self.env.now
        self.pool.leave(i, now, since_s)
        self.ledger.place(i, env_id, start_s, now, cold=cold, init_s=init_s, timed_out=True)
        self._free(env_id)

    # -- queue-fed messages waiting for the scale-up rate -------------------------------------
    def _wake_when_tokens(self) -> None:
        if self.wakeup_pending or self.busy >= self.config.concurrency_limit:
            return
        self.wakeup_pending = True
        wait_s = max(1e-6, (1.0 - self.tokens) * 10.0 / self.config.scale_up_per_10s)
        self._at(self.env.now + wait_s, self._on_tokens, None)

    def _on_tokens(self, _event: Call) -> None:
        self.wakeup_pending = False
        while self.backlog and self._dispatch(self.backlog[0]):
            self.backlog.popleft()
        if self.backlog:
            self._wake_when_tokens()
