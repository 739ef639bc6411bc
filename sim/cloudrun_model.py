"""Google Cloud Run: container instances that serve up to `max_concurrency` requests each.

Requests share an instance's vCPUs by processor sharing during their CPU phase, then wait on I/O
without using CPU. A request goes to the active instance with the fewest requests in flight that has
a free slot; with none, it waits in a pending queue while an instance starts, and gets 429 after
`pending_timeout_s`. An autoscaler re-evaluated every `autoscale_period_s` keeps average concurrency
and CPU use over the last `autoscale_window_s` near their targets (60%): it starts instances, or moves
surplus ones to standby, where an instance idle for `idle_timeout_s` is retired.

Events are SimPy Timeouts with callbacks, each carrying what it is about as its value. The router
keeps the active instances in a heap ordered by requests in flight, so routing a request costs
O(log instances) instead of a scan of them all.
"""
from __future__ import annotations

import heapq
import math
from collections import deque

import numpy as np
import simpy

from .coldstart import cloud_run_startup_distribution
from .config import CloudRunConfig
from .ledger import Ledger, per_event_view
from .shared_cpu import SharedCpuInstance
from .workload import Draws


class CloudRunModel:
    """Runs one workload's draws on one Cloud Run service configuration."""

    def __init__(self, config: CloudRunConfig, draws: Draws, mode: str, duration_s: float,
                 rng_cold: np.random.Generator):
        self.config = config
        self.draws = draws
        self.n = len(draws)
        self.mode = mode
        self.queue_mode = mode == "queue"
        self.duration_s = duration_s
        self.env = simpy.Environment()
        self.ledger = Ledger(draws)
        self.arrival_s = per_event_view(draws.arrival_s)
        self.cpu_s = per_event_view(draws.cpu_ms / 1000.0)
        self.io_s = per_event_view(draws.io_ms / 1000.0)
        # Startup durations are drawn up front, in one block (at most one instance start per request,
        # plus the autoscaler's starts, which reuse the block cyclically).
        if config.startup_ms is None:
            dist = cloud_run_startup_distribution(config.runtime, config.startup_cpu_boost)
            self.startup_draw_s = dist.sample(rng_cold, max(self.n, 1) + config.max_instances) / 1000.0
        else:
            self.startup_draw_s = np.full(1, config.startup_ms / 1000.0)
        self.starts = 0
        self.instances: list[SharedCpuInstance] = []
        self.active: list[SharedCpuInstance] = []     # in activation order
        self.standby: list[SharedCpuInstance] = []
        self.starting: list[SharedCpuInstance] = []
        self.activations = 0
        # The router: a heap of (in flight, activation number, instance id), kept lazily. Each active
        # instance has an entry no larger than its in-flight count: a placement (+1) leaves it, a finish
        # (-1) pushes a new one, and _pick corrects the entries that reach the top until one is exact.
        self.by_load: list[tuple[int, int, int]] = []
        self.pending: deque[int] = deque()
        self.is_pending = bytearray(self.n)
        self.pending_count = 0
        self.settled = 0              # requests finished or throttled
        self.done = self.env.event()
        # Autoscaler meters: time integral of demand (in flight + pending); instances meter their vCPU use.
        self.demand = 0
        self.meter_at_s = 0.0
        self.demand_area = 0.0
        self.retired_cpu_s = 0.0
        self.samples: deque[tuple[float, float, float]] = deque([(0.0, 0.0, 0.0)])
        # Per instance, the demand and the busy vCPUs the autoscaler aims at.
        self.target_demand = config.target_concurrency_utilization * config.max_concurrency
        self.target_cpu = config.target_cpu_utilization * config.vcpu

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> tuple[Ledger, float]:
        for _ in range(self.config.min_instances):
            self._start_instance(provisioned=True, startup_s=0.0)
        if self.n:
            self._at(self.arrival_s[0], self._arrive, 0)
        else:
            self.done.succeed()
        self._at(self.config.autoscale_period_s, self._autoscale, None)
        self.env.run(until=self.duration_s)
        if not self.done.triggered:
            self.env.run(until=self.done)
        return self.ledger, max(self.duration_s, self.env.now)

    def _at(self, when_s: float, callback, value) -> None:
        """Call `callback(event)` at `when_s`, with `value` as the event's value."""
        self.env.timeout(when_s - self.env.now, value).callbacks.append(callback)

    def _add_demand(self, change: int, now: float) -> None:
        """Change the demand (requests in flight or pending) at `now`, metering its time integral."""
        self.demand_area += self.demand * (now - self.meter_at_s)
        self.meter_at_s = now
        self.demand += change

    def _settle(self) -> None:
        self.settled += 1
        if self.settled == self.n:
            self.done.succeed()

    # -- arrivals and routing -----------------------------------------------------------------
    def _arrive(self, event: simpy.Timeout) -> None:
        i = event.value
        now = self.env.now
        if i + 1 < self.n:   # the next arrival
            self.env.timeout(self.arrival_s[i + 1] - now, i + 1).callbacks.append(self._arrive)
        # A queued message waits behind those already pending (first come, first served).
        instance = None if (self.queue_mode and self.pending_count) else self._pick()
        if instance is not None:
            self._place(i, instance, now)
            return
        if not self.queue_mode and self.config.pending_timeout_s == 0:
            self._add_capacity_for(1)
            self.ledger.throttle(i, now)
            self._settle()
            return
        self._add_demand(1, now)
        self.pending.append(i)
        self.is_pending[i] = True
        self.pending_count += 1
        if not self.queue_mode:
            self._at(now + self.config.pending_timeout_s, self._pending_timeout, i)
        self._add_capacity_for(self.pending_count)

    def _pick(self) -> SharedCpuInstance | None:
        """The active instance with the fewest requests in flight (the earliest activated among equals)
        if it has a free slot; else a standby one with a free slot, which is activated; else None."""
        heap = self.by_load
        while heap:
            in_flight, activation, instance_id = heap[0]
            instance = self.instances[instance_id]
            if instance.activation != activation:
                heapq.heappop(heap)   # the instance was moved to standby since
            elif instance.in_flight != in_flight:
                heapq.heapreplace(heap, (instance.in_flight, activation, instance_id))   # out of date
            elif in_flight < instance.capacity:
                return instance
            else:
                break   # the least loaded active instance is full, so all are
        for instance in self.standby:
            if instance.has_free_slot:
                self._activate(instance)
                return instance
        return None

    def _track_load(self, instance: SharedCpuInstance) -> None:
        """Give the router an entry for an active instance's (lower or new) in-flight count."""
        heap = self.by_load
        heapq.heappush(heap, (instance.in_flight, instance.activation, instance.instance_id))
        if len(heap) > 4 * len(self.active) + 64:   # mostly outdated entries: rebuild, O(1) per change on average
            heap[:] = [(s.in_flight, s.activation, s.instance_id) for s in self.active]
            heapq.heapify(heap)

    def _place(self, i: int, instance: SharedCpuInstance, now: float, *, cold: bool = False) -> None:
        if cold:
            self.ledger.begin(i, instance.instance_id, now, cold=True, init_s=now - self.arrival_s[i])
        else:
            self.ledger.begin(i, instance.instance_id, now)
        self._add_demand(1, now)
        instance.in_flight += 1   # its router entry stays valid: no larger than in_flight
        instance.idle_epoch += 1
        work_s = self.cpu_s[i]
        if work_s > 0:
            instance.add_cpu_work(i, work_s)
        else:
            self._cpu_done(instance, i)

    def _cpu_done(self, instance: SharedCpuInstance, i: int) -> None:
        io_s = self.io_s[i]
        if io_s > 0:
            self.env.timeout(io_s, (instance, i)).callbacks.append(self._io_done)
        else:
            self._finish(instance, i)

    def _io_done(self, event: simpy.Timeout) -> None:
        instance, i = event.value
        self._finish(instance, i)

    def _finish(self, instance: SharedCpuInstance, i: int) -> None:
        now = self.env.now
        start_s = self.ledger.started_s(i)
        if now - start_s > self.config.request_timeout_s:   # the client gave up; the instance still worked
            self.ledger.finish(i, start_s + self.config.request_timeout_s, timed_out=True)
        else:
            self.ledger.finish(i, now)
        self._add_demand(-1, now)
        instance.in_flight -= 1
        self._settle()
        if self.pending_count:
            nxt = self._next_pending(now)
            if nxt is not None:
                self._place(nxt, instance, now)
                return
        if instance.state == "active":
            self._track_load(instance)
        if instance.in_flight == 0:
            self._on_idle(instance)

    # -- the pending queue --------------------------------------------------------------------
    def _next_pending(self, now: float) -> int | None:
        while self.pending:
            i = self.pending.popleft()
            if self.is_pending[i]:
                self.is_pending[i] = False
                self.pending_count -= 1
                self._add_demand(-1, now)
                return i
        return None

    def _pending_timeout(self, event: simpy.Timeout) -> None:
        i = event.value
        if self.is_pending[i]:
            self.is_pending[i] = False
            self.pending_count -= 1
            self._add_demand(-1, self.env.now)
            self.ledger.throttle(i, self.env.now)
            self._settle()

    # -- instance lifecycle -------------------------------------------------------------------
    def _add_capacity_for(self, waiting: int) -> None:
        """Start instances until those starting have a slot for every waiting request (request-triggered)."""
        coming = len(self.starting) * self.config.max_concurrency
        while coming < waiting and self._alive() < self.config.max_instances:
            coming += self._start_instance().capacity

    def _alive(self) -> int:
        return len(self.active) + len(self.standby) + len(self.starting)

    def _start_instance(self, *, provisioned: bool = False, startup_s: float | None = None) -> SharedCpuInstance:
        if startup_s is None:
            startup_s = float(self.startup_draw_s[self.starts % self.startup_draw_s.size])
            self.starts += 1
        now = self.env.now
        instance_id = self.ledger.new_instance(now, now + startup_s, provisioned=provisioned)
        instance = SharedCpuInstance(self.env, instance_id, self.config.vcpu, self.config.max_concurrency,
                                     self._cpu_done, provisioned=provisioned)
        self.instances.append(instance)
        if startup_s == 0:
            self._ready(instance)
        else:
            self.starting.append(instance)
            self._at(now + startup_s, self._on_ready, instance)
        return instance

    def _on_ready(self, event: simpy.Timeout) -> None:
        self._ready(event.value)

    def _ready(self, instance: SharedCpuInstance) -> None:
        if instance in self.starting:
            self.starting.remove(instance)
        self._make_active(instance)
        now = self.env.now
        while instance.has_free_slot:
            nxt = self._next_pending(now)
            if nxt is None:
                break
            self._place(nxt, instance, now, cold=True)
        if instance.in_flight == 0:
            self._on_idle(instance)

    def _make_active(self, instance: SharedCpuInstance) -> None:
        instance.state = "active"
        instance.activation = self.activations
        self.activations += 1
        self.active.append(instance)
        self._track_load(instance)

    def _activate(self, instance: SharedCpuInstance) -> None:
        self.standby.remove(instance)
        instance.idle_epoch += 1
        self._make_active(instance)

    def _to_standby(self, instance: SharedCpuInstance) -> None:
        self.active.remove(instance)
        instance.state = "standby"
        instance.activation = -1    # its router entries are now stale
        self.standby.append(instance)
        if instance.in_flight == 0:
            self._on_idle(instance)

    def _on_idle(self, instance: SharedCpuInstance) -> None:
        """An idle standby instance is retired after idle_timeout_s unless it is used again first."""
        instance.idle_epoch += 1
        if instance.state != "standby" or instance.provisioned:
            return
        self._at(self.env.now + self.config.idle_timeout_s, self._idle_expired, (instance, instance.idle_epoch))

    def _idle_expired(self, event: simpy.Timeout) -> None:
        instance, epoch = event.value
        if instance.idle_epoch != epoch or instance.state != "standby" or instance.in_flight:
            return
        self.standby.remove(instance)
        instance.state = "retired"
        self.retired_cpu_s += instance.cpu_used_until(self.env.now)
        self.ledger.retired_s[instance.instance_id] = self.env.now

    # -- the autoscaler -----------------------------------------------------------------------
    def _cpu_area(self, now: float) -> float:
        """vCPU-seconds used by all instances so far (the time integral of busy vCPUs)."""
        used_s = self.retired_cpu_s
        for instance in self.active:
            used_s += instance.cpu_used_until(now)
        for instance in self.standby:
            used_s += instance.cpu_used_until(now)
        return used_s

    def _autoscale(self, _event: simpy.Timeout) -> None:
        cfg = self.config
        now = self.env.now
        self._add_demand(0, now)
        cpu_area = self._cpu_area(now)
        self.samples.append((now, self.demand_area, cpu_area))
        while now - self.samples[0][0] > cfg.autoscale_window_s + 1e-9:
            self.samples.popleft()
        t0, demand0, cpu0 = self.samples[0]
        span = now - t0
        avg_demand = (self.demand_area - demand0) / span if span > 0 else self.demand
        avg_cpu = (cpu_area - cpu0) / span if span > 0 else sum(s.cpu_busy for s in self.active + self.standby)
        desired = max(math.ceil(avg_demand / self.target_demand - 1e-9),
                      math.ceil(avg_cpu / self.target_cpu - 1e-9))
        desired = min(max(desired, cfg.min_instances), cfg.max_instances)
        have = len(self.active) + len(self.starting)
        while have < desired and self.standby:
            self._activate(max(self.standby, key=lambda s: s.in_flight))
            have += 1
        while have < desired and self._alive() < cfg.max_instances:
            self._start_instance()
            have += 1
        surplus = len(self.active) - max(desired, 1 if self.pending_count else 0)
        if surplus > 0:
            for instance in sorted(self.active, key=lambda s: s.in_flight)[:surplus]:
                self._to_standby(instance)
        if not self.done.triggered or now + cfg.autoscale_period_s <= self.duration_s:
            self._at(now + cfg.autoscale_period_s, self._autoscale, None)
