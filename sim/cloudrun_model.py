"""Google Cloud Run: container instances that serve up to `max_concurrency` requests each.

Requests share an instance's vCPUs by processor sharing during their CPU phase, then wait on I/O
without using CPU. A request goes to the active instance with the fewest requests in flight that has
a free slot; with none, it waits in a pending queue while an instance starts, and gets 429 after
`pending_timeout_s`. An autoscaler re-evaluated every `autoscale_period_s` keeps average concurrency
and CPU use over the last `autoscale_window_s` near their targets (60%): it starts instances, or moves
surplus ones to standby, where an instance idle for `idle_timeout_s` is retired.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np
import simpy

from .coldstart import cloud_run_startup_distribution
from .config import CloudRunConfig
from .ledger import Ledger
from .shared_cpu import SharedCpuInstance
from .workload import Draws


class CloudRunModel:
    """Runs one workload's draws on one Cloud Run service configuration."""

    def __init__(self, config: CloudRunConfig, draws: Draws, mode: str, duration_s: float,
                 rng_cold: np.random.Generator):
        self.config = config
        self.draws = draws
        self.mode = mode
        self.duration_s = duration_s
        self.env = simpy.Environment()
        self.ledger = Ledger(draws)
        n = len(draws)
        self.cpu_s = draws.cpu_ms / 1000.0
        self.io_s = draws.io_ms / 1000.0
        # Startup durations are drawn up front, in one block (at most one instance start per request,
        # plus the autoscaler's starts, which reuse the block cyclically).
        if config.startup_ms is None:
            dist = cloud_run_startup_distribution(config.runtime, config.startup_cpu_boost)
            self.startup_draw_s = dist.sample(rng_cold, max(n, 1) + config.max_instances) / 1000.0
        else:
            self.startup_draw_s = np.full(1, config.startup_ms / 1000.0)
        self.starts = 0
        self.instances: list[SharedCpuInstance] = []
        self.active: list[SharedCpuInstance] = []
        self.standby: list[SharedCpuInstance] = []
        self.starting: list[SharedCpuInstance] = []
        self.pending: deque[int] = deque()
        self.is_pending = np.zeros(n, dtype=bool)
        self.pending_count = 0
        self.settled = 0              # requests finished or throttled
        self.done = self.env.event()
        # Autoscaler meters: time integrals of demand (in flight + pending) and of busy vCPUs.
        self.demand = 0
        self.cpu_busy = 0.0
        self.meter_at_s = 0.0
        self.demand_area = 0.0
        self.cpu_area = 0.0
        self.samples: deque[tuple[float, float, float]] = deque([(0.0, 0.0, 0.0)])

    # -- the run -----------------------------------------------------------------------------
    def run(self) -> tuple[Ledger, float]:
        for _ in range(self.config.min_instances):
            self._start_instance(provisioned=True, startup_s=0.0)
        if len(self.draws):
            self._at(self.draws.arrival_s[0], self._arrive, 0)
        else:
            self.done.succeed()
        self._at(self.config.autoscale_period_s, self._autoscale, None)
        self.env.run(until=self.duration_s)
        if not self.done.triggered:
            self.env.run(until=self.done)
        return self.ledger, max(self.duration_s, self.env.now)

    def _at(self, when_s: float, callback, arg) -> None:
        self.env.timeout(when_s - self.env.now).callbacks.append(lambda _e: callback(arg))

    def _meter(self) -> None:
        now = self.env.now
        dt = now - self.meter_at_s
        self.demand_area += self.demand * dt
        self.cpu_area += self.cpu_busy * dt
        self.meter_at_s = now

    def _cpu_busy_change(self, delta: float) -> None:
        if delta:
            self._meter()
            self.cpu_busy += delta

    def _settle(self) -> None:
        self.settled += 1
        if self.settled == len(self.draws):
            self.done.succeed()

    # -- arrivals and routing -----------------------------------------------------------------
    def _arrive(self, i: int) -> None:
        nxt = i + 1
        if nxt < len(self.draws):
            self._at(self.draws.arrival_s[nxt], self._arrive, nxt)
        instance = None if (self.mode == "queue" and self.pending_count) else self._pick()
        if instance is not None:
            self._place(i, instance)
            return
        if self.mode == "sync" and self.config.pending_timeout_s == 0:
            self._add_capacity_for(1)
            self.ledger.throttle(i, self.env.now)
            self._settle()
            return
        self._meter()
        self.demand += 1
        self.pending.append(i)
        self.is_pending[i] = True
        self.pending_count += 1
        if self.mode == "sync":
            self._at(self.env.now + self.config.pending_timeout_s, self._pending_timeout, i)
        self._add_capacity_for(self.pending_count)

    def _pick(self) -> SharedCpuInstance | None:
        """The active instance with the fewest requests in flight and a free slot; else a standby one."""
        best = None
        for instance in self.active:
            if instance.in_flight < instance.capacity and (best is None or instance.in_flight < best.in_flight):
                best = instance
                if best.in_flight == 0:
                    break
        if best is not None:
            return best
        for instance in self.standby:
            if instance.has_free_slot:
                self._activate(instance)
                return instance
        return None

    def _place(self, i: int, instance: SharedCpuInstance, *, cold: bool = False) -> None:
        now = self.env.now
        waited_s = now - self.draws.arrival_s[i]
        self.ledger.begin(i, instance.instance_id, now, cold=cold, init_s=waited_s if cold else 0.0)
        self._meter()
        self.demand += 1
        instance.in_flight += 1
        instance.idle_epoch += 1
        if self.cpu_s[i] > 0:
            instance.add_cpu_work(i, self.cpu_s[i])
        else:
            self._cpu_done(instance, i)

    def _cpu_done(self, instance: SharedCpuInstance, i: int) -> None:
        if self.io_s[i] > 0:
            self._at(self.env.now + self.io_s[i], lambda _: self._finish(instance, i), None)
        else:
            self._finish(instance, i)

    def _finish(self, instance: SharedCpuInstance, i: int) -> None:
        now = self.env.now
        start_s = self.ledger.start_s[i]
        timed_out = now - start_s > self.config.request_timeout_s
        self.ledger.finish(i, start_s + self.config.request_timeout_s if timed_out else now, timed_out=timed_out)
        self._meter()
        self.demand -= 1
        instance.in_flight -= 1
        self._settle()
        nxt = self._next_pending()
        if nxt is not None:
            self._place(nxt, instance)
        elif instance.in_flight == 0:
            self._on_idle(instance)

    # -- the pending queue --------------------------------------------------------------------
    def _next_pending(self) -> int | None:
        while self.pending:
            i = self.pending.popleft()
            if self.is_pending[i]:
                self.is_pending[i] = False
                self.pending_count -= 1
                self._meter()
                self.demand -= 1
                return i
        return None

    def _pending_timeout(self, i: int) -> None:
        if self.is_pending[i]:
            self.is_pending[i] = False
            self.pending_count -= 1
            self._meter()
            self.demand -= 1
            self.ledger.throttle(i, self.env.now)
            self._settle()

    # -- instance lifecycle -------------------------------------------------------------------
    def _add_capacity_for(self, waiting: int) -> None:
        """Start instances until those starting have a slot for every waiting request (request-triggered)."""
        coming = sum(instance.capacity for instance in self.starting)
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
                                     self._cpu_done, self._cpu_busy_change, provisioned=provisioned)
        self.instances.append(instance)
        if startup_s == 0:
            self._ready(instance)
        else:
            self.starting.append(instance)
            self._at(now + startup_s, self._ready, instance)
        return instance

    def _ready(self, instance: SharedCpuInstance) -> None:
        if instance in self.starting:
            self.starting.remove(instance)
        instance.state = "active"
        self.active.append(instance)
        while instance.has_free_slot:
            nxt = self._next_pending()
            if nxt is None:
                break
            self._place(nxt, instance, cold=True)
        if instance.in_flight == 0:
            self._on_idle(instance)

    def _activate(self, instance: SharedCpuInstance) -> None:
        self.standby.remove(instance)
        instance.state = "active"
        instance.idle_epoch += 1
        self.active.append(instance)

    def _to_standby(self, instance: SharedCpuInstance) -> None:
        self.active.remove(instance)
        instance.state = "standby"
        self.standby.append(instance)
        if instance.in_flight == 0:
            self._on_idle(instance)

    def _on_idle(self, instance: SharedCpuInstance) -> None:
        """An idle standby instance is retired after idle_timeout_s unless it is used again first."""
        instance.idle_epoch += 1
        if instance.state != "standby" or instance.provisioned:
            return
        epoch = instance.idle_epoch
        self._at(self.env.now + self.config.idle_timeout_s, lambda _: self._idle_expired(instance, epoch), None)

    def _idle_expired(self, instance: SharedCpuInstance, epoch: int) -> None:
        if instance.idle_epoch != epoch or instance.state != "standby" or instance.in_flight:
            return
        self.standby.remove(instance)
        instance.state = "retired"
        self.ledger.retired_s[instance.instance_id] = self.env.now

    # -- the autoscaler -----------------------------------------------------------------------
    def _autoscale(self, _arg) -> None:
        cfg = self.config
        now = self.env.now
        self._meter()
        self.samples.append((now, self.demand_area, self.cpu_area))
        while now - self.samples[0][0] > cfg.autoscale_window_s + 1e-9:
            self.samples.popleft()
        t0, demand0, cpu0 = self.samples[0]
        span = now - t0
        avg_demand = (self.demand_area - demand0) / span if span > 0 else self.demand
        avg_cpu = (self.cpu_area - cpu0) / span if span > 0 else self.cpu_busy
        desired = max(math.ceil(avg_demand / (cfg.target_concurrency_utilization * cfg.max_concurrency) - 1e-9),
                      math.ceil(avg_cpu / (cfg.target_cpu_utilization * cfg.vcpu) - 1e-9))
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
