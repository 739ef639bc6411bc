"""Google Cloud Run: container instances that serve up to `max_concurrency` requests each.

Requests share an instance's vCPUs by processor sharing during their CPU phase, then wait on I/O
without using CPU. A request goes to the active instance with the fewest requests in flight that has
a free slot; with none, it waits in a pending queue while an instance starts, and gets 429 after
`pending_timeout_s` or the service's average start-up time, whichever is longer. An autoscaler
re-evaluated every `autoscale_period_s` keeps average concurrency and CPU use over the last
`autoscale_window_s` near their targets (60%): it starts instances, or moves surplus ones to standby,
where an instance idle for `idle_timeout_s` is retired. While the service is idle, its window shows
nothing used and the autoscaler would change nothing, its ticks are skipped (sim.shared_cpu.SharedCpuFleet).

Events are sim.model_base.Call events with callbacks, each carrying what it is about as its value. The
router (sim.shared_cpu.LeastLoadedRouter) keeps the active instances in a heap ordered by requests in
flight, so routing a request costs O(log instances) instead of a scan of them all. The request's life on
an instance is sim.shared_cpu's, shared with Lambda Managed Instances: SharedCpuInstance runs its CPU
phase and I/O wait (one event for both while it has a vCPU to itself), SharedCpuFleet records its
start and end.
"""
from __future__ import annotations

import math
from collections import deque

import numpy as np

from .coldstart import cloud_run_startup_distribution
from .config import CloudRunConfig
from .model_base import Call
from .shared_cpu import SharedCpuFleet, SharedCpuInstance, WindowAverages, fleet_cpu_s
from .workload import Draws


class CloudRunModel(SharedCpuFleet):
    """Runs one workload's draws on one Cloud Run service configuration."""

    def __init__(self, config: CloudRunConfig, draws: Draws, mode: str, duration_s: float,
                 rng_cold: np.random.Generator):
        super().__init__(config, draws, mode, duration_s, config.autoscale_period_s)
        # Startup durations are drawn up front, in one block (at most one instance start per request,
        # plus the autoscaler's starts, which reuse the block cyclically).
        if config.startup_ms is None:
            dist = cloud_run_startup_distribution(config.runtime, config.startup_cpu_boost)
            self.startup_draw_s = dist.sample(rng_cold, max(self.n, 1) + config.max_instances) / 1000.0
            mean_startup_s = dist.mean_ms / 1000.0
        else:
            self.startup_draw_s = np.full(1, config.startup_ms / 1000.0)
            mean_startup_s = config.startup_ms / 1000.0
        # A request pends for max(10 s, the service's average start-up time), then gets 429 (facts.md s.6, s.9
        # item 9); pending_timeout_s = 0 refuses at once (no pending queue).
        self.pending_timeout_s = max(config.pending_timeout_s, mean_startup_s) if config.pending_timeout_s > 0 else 0.0
        self.starts = 0
        self.standby: list[SharedCpuInstance] = []
        self.starting: list[SharedCpuInstance] = []
        self.pending: deque[int] = deque()
        self.is_pending = bytearray(self.n)
        self.pending_count = 0
        # Autoscaler meters: time integral of demand (in flight + pending); instances meter their vCPU use.
        self.demand = 0
        self.meter_at_s = 0.0
        self.demand_area = 0.0
        self.window = WindowAverages(config.autoscale_window_s, 2)   # of demand and busy vCPUs
        # Per instance, the demand and the busy vCPUs the autoscaler aims at.
        self.target_demand = config.target_concurrency_utilization * config.max_concurrency
        self.target_cpu = config.target_cpu_utilization * config.vcpu
        self.begin = self.ledger.begin

    # -- the run (SharedCpuFleet.run) -----------------------------------------------------------
    def _start_fleet(self) -> None:
        for _ in range(self.config.min_instances):
            self._start_instance(provisioned=True, startup_s=0.0)

    def _add_demand(self, change: int, now: float) -> None:
        """Change the demand (requests in flight or pending) at `now`, metering its time integral."""
        self.demand_area += self.demand * (now - self.meter_at_s)
        self.meter_at_s = now
        self.demand += change

    # -- arrivals and routing -----------------------------------------------------------------
    def _arrive(self, event: Call) -> None:
        i, now = self._arrival(event)
        # A queued message waits behind those already pending (first come, first served).
        if self.queue_mode and self.pending_count:
            instance = None
        else:
            instance = self.router.pick()
            if instance is None and self.standby:
                instance = self._pick_standby()
        if instance is not None:   # _place, inlined: the common case
            self.demand_area += self.demand * (now - self.meter_at_s)
            self.meter_at_s = now
            self.demand += 1
            self.begin(i, instance.instance_id, now)
            instance.run(i, self.cpu_s[i], self.io_s[i], now)
            return
        if not self.queue_mode and self.pending_timeout_s == 0:
            self._add_capacity_for(1)
            self.ledger.throttle(i, now)
            self._settle()
            return
        self._add_demand(1, now)
        self.pending.append(i)
        self.is_pending[i] = True
        self.pending_count += 1
        self._add_capacity_for(self.pending_count)
        if not self.queue_mode:   # after the start it may trigger: an instance ready at the deadline serves it
            self._at(now + self.pending_timeout_s, self._pending_timeout, i)

    def _pick_standby(self) -> SharedCpuInstance | None:
        """No active instance has a free slot: a standby one with a free slot, activated; else None."""
        for instance in self.standby:
            if instance.has_free_slot:
                self._activate(instance)
                return self.router.pick()   # the one active instance with a free slot: this one
        return None

    def _place(self, i: int, instance: SharedCpuInstance, now: float, *, cold: bool = False) -> None:
        self._add_demand(1, now)   # a pending idle retirement sees in_flight > 0 and does nothing
        self._start_request(i, instance, now, cold=cold, init_s=now - self.arrival_s[i] if cold else 0.0)

    def _finish(self, instance: SharedCpuInstance, i: int) -> None:
        now = self.env._now
        self.demand_area += self.demand * (now - self.meter_at_s)   # _add_demand(-1, now)
        self.meter_at_s = now
        self.demand -= 1
        self.ledger.finish(i, now, self.request_timeout_s)          # _end_request
        instance.in_flight -= 1
        self.settled += 1
        if self.settled == self.n:
            self.done.succeed()
        if self.pending_count:
            nxt = self._next_pending(now)
            if nxt is not None:
                self._place(nxt, instance, now)
                return
        if instance.state == "active":
            self.router.track(instance)
            if instance.in_flight == 0:
                instance.idle_epoch += 1   # _on_idle: an active instance is not retired
        elif instance.in_flight == 0:
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

    def _pending_timeout(self, event: Call) -> None:
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
        instance = self._new_instance(instance_id, self.config.vcpu, self.config.max_concurrency,
                                      provisioned=provisioned)
        if startup_s == 0:
            self._ready(instance)
        else:
            self.starting.append(instance)
            self._at(now + startup_s, self._on_ready, instance)
        return instance

    def _on_ready(self, event: Call) -> None:
        self._ready(event.value)

    def _ready(self, instance: SharedCpuInstance) -> None:
        if instance in self.starting:
            self.starting.remove(instance)
        self.router.activate(instance)
        now = self.env.now
        while instance.has_free_slot:
            nxt = self._next_pending(now)
            if nxt is None:
                break
            self._place(nxt, instance, now, cold=True)
        if instance.in_flight:
            self.router.track(instance)   # placed without a pick
        else:
            self._on_idle(instance)

    def _activate(self, instance: SharedCpuInstance) -> None:
        self.standby.remove(instance)
        instance.idle_epoch += 1
        self.router.activate(instance)

    def _to_standby(self, instance: SharedCpuInstance) -> None:
        self.router.deactivate(instance, "standby")   # its router entries are now stale
        self.standby.append(instance)
        if instance.in_flight == 0:
            self._on_idle(instance)

    def _on_idle(self, instance: SharedCpuInstance) -> None:
        """An idle standby instance is retired after idle_timeout_s unless it is used again first."""
        instance.idle_epoch += 1
        if instance.state != "standby" or instance.provisioned:
            return
        self._at(self.env.now + self.config.idle_timeout_s, self._idle_expired, (instance, instance.idle_epoch))

    def _idle_expired(self, event: Call) -> None:
        instance, epoch = event.value
        if instance.idle_epoch != epoch or instance.state != "standby" or instance.in_flight:
            return
        if self.asleep:
            self._wake(self.env.now)
        self.standby.remove(instance)
        instance.state = "retired"
        self.retired_cpu_s += instance.cpu_used_until(self.env.now)
        self.ledger.retired_s[instance.instance_id] = self.env.now

    # -- the autoscaler -----------------------------------------------------------------------
    def _scale(self, _event: Call) -> None:
        cfg = self.config
        now = self.env._now
        self.demand_area += self.demand * (now - self.meter_at_s)   # _add_demand(0, now)
        self.meter_at_s = now
        # vCPU-seconds used by all instances so far (the time integral of busy vCPUs)
        cpu_area = fleet_cpu_s(now, self.retired_cpu_s, self.active, self.standby)
        averages = self.window.update(now, (self.demand_area, cpu_area))
        if averages is not None:
            avg_demand, avg_cpu = averages
        else:
            avg_demand, avg_cpu = self.demand, sum(s.cpu_busy for s in self.active + self.standby)
        by_demand = math.ceil(avg_demand / self.target_demand - 1e-9)
        by_cpu = math.ceil(avg_cpu / self.target_cpu - 1e-9)
        desired = by_demand if by_demand > by_cpu else by_cpu
        if desired < cfg.min_instances:
            desired = cfg.min_instances
        if desired > cfg.max_instances:
            desired = cfg.max_instances
        have = len(self.active) + len(self.starting)
        if have < desired:
            while have < desired and self.standby:
                self._activate(max(self.standby, key=lambda s: s.in_flight))
                have += 1
            while have < desired and self._alive() < cfg.max_instances:
                self._start_instance()
                have += 1
        surplus = len(self.active) - (desired if desired or not self.pending_count else 1)
        if surplus > 0:
            for instance in sorted(self.active, key=lambda s: s.in_flight)[:surplus]:
                self._to_standby(instance)
        self._scale_again(now)

    def _at_rest(self) -> bool:
        """No request in flight or pending, no instance starting, a window with nothing used, and as many
        active instances as a tick on that window asks for (min_instances; after this tick's moves, fewer
        would need an instance on standby or starting)."""
        return (not self.demand and not self.starting and len(self.active) == self.config.min_instances
                and self.window.flat())
