"""AWS Lambda Managed Instances (LMI): a fleet of EC2 instances whose execution environments serve
many requests at once, scaled asynchronously on CPU utilisation (docs/facts.md s.10; docs/design.md s.3.3a).

The request path. Each instance has `concurrency_per_vcpu x vCPUs` request slots; requests on one
instance share its vCPUs by processor sharing during their CPU phase, then wait on I/O without using
CPU (sim.shared_cpu.SharedCpuInstance, the same machinery as Cloud Run). A request goes to the ready
instance with the fewest requests in flight that has a free slot (sim.shared_cpu.LeastLoadedRouter).
If every slot is full, a synchronous request is throttled at once (429): there is no cold start on the
request path and no pending queue. A queue-fed message waits, first come first served, for a slot.

The scaler. Every `scaler_period_s` (skipped while the fleet is idle, its window shows nothing used and it
would change nothing: sim.shared_cpu.SharedCpuFleet) it averages the fleet's busy vCPUs over the last `scaler_window_s`
and asks for ceil(average / (target_cpu_utilization x vCPUs)) instances, clamped to
[min_instances, max_instances]. It may grow the fleet only so that, at every time t, the number of
instances alive (launching, serving or draining) is at most `scale_growth_factor` times the number
alive at t - `scale_growth_window_s`. It enforces this by capping a launch at growth_factor x the
smallest fleet size in the last growth window: then no later time can see a fleet more than
growth_factor times the one a window earlier, whatever the scale-in did in between. New instances
serve after `instance_launch_s`. Surplus instances (never the first `min_instances`, which are marked
`provisioned`) are drained: they take no new requests and are retired when their last request ends;
a draining instance is put back into service before any new one is launched. No scale-in happens
within `scale_in_cooldown_s` of a scale-out. The fleet never scales to zero.

Simplifications (each a modelling choice, not a documented AWS behaviour):
- One EC2 instance is one pool of request slots sharing its vCPUs. LMI really runs several execution
  environments per instance (one process per concurrent request for Python, threads for Java, ...);
  their memory, the OS and the Lambda agent's own CPU use are not modelled.
- The scaler looks at CPU only; AWS does not publish its algorithm, period, window or scale-in rule.
  The growth limit is AWS's "traffic doubling within five minutes" read as a hard cap on fleet growth.
- Instance launch time is a fixed assumption (`instance_launch_s`), the same for every instance.
- Instances are billed from launch to retirement at the EC2 on-demand price (sim.billing); Savings
  Plans and Reserved Instances, which apply to the EC2 part, are not modelled.
- The 14-day instance rotation, Availability Zone spreading, instance failures and the 15-minute
  INIT limit are ignored; so is any per-instance limit on execution environments.
- Throttled requests are refused at once; a real client might retry.
"""
from __future__ import annotations

import bisect
import math
from collections import deque

from .config import LambdaManagedInstancesConfig
from .model_base import Call
from .shared_cpu import SharedCpuFleet, SharedCpuInstance, WindowAverages, fleet_cpu_s
from .workload import Draws

#: Slack when looking back one growth window: a fleet-size change this close before t - window is
#: counted as inside it, so floating-point noise can only make the growth limit stricter.
_LOOKBACK_SLACK_S = 1e-6


class LmiModel(SharedCpuFleet):
    """Runs one workload's draws on one Lambda Managed Instances configuration."""

    def __init__(self, config: LambdaManagedInstancesConfig, draws: Draws, mode: str, duration_s: float):
        super().__init__(config, draws, mode, duration_s, config.scaler_period_s)
        self.vcpu = config.vcpu
        self.slots = config.max_concurrency
        self.launching: list[SharedCpuInstance] = []
        self.draining: list[SharedCpuInstance] = []
        self.pending: deque[int] = deque()   # queue mode only: messages waiting for a slot, FIFO
        self.window = WindowAverages(config.scaler_window_s, 1)   # of busy vCPUs
        self.target_cpu = config.target_cpu_utilization * config.vcpu   # busy vCPUs aimed at per instance
        # Fleet size (instances alive) after each change, for the growth limit: times and sizes.
        self.size_at_s: list[float] = [0.0]
        self.size: list[int] = [config.min_instances]
        self.alive = 0
        self.last_growth_s = -math.inf
        self.begin = self.ledger.begin

    # -- the run (SharedCpuFleet.run) -----------------------------------------------------------
    def _start_fleet(self) -> None:
        for _ in range(self.config.min_instances):
            self._launch(provisioned=True, launch_s=0.0)

    # -- arrivals and routing -----------------------------------------------------------------
    def _arrive(self, event: Call) -> None:
        i, now = self._arrival(event)
        # A queued message waits behind those already waiting (first come, first served).
        instance = None if (self.queue_mode and self.pending) else self.router.pick()
        if instance is not None:   # _start_request, inlined: the common case
            self.begin(i, instance.instance_id, now)
            instance.run(i, self.cpu_s[i], self.io_s[i], now)
        elif self.queue_mode:
            self.pending.append(i)
        else:
            self.ledger.throttle(i, now)   # every slot is full: 429 at once
            self._settle()

    def _finish(self, instance: SharedCpuInstance, i: int) -> None:
        now = self.env._now
        self.ledger.finish(i, now, self.request_timeout_s)   # _end_request, inlined
        instance.in_flight -= 1
        self.settled += 1
        if self.settled == self.n:
            self.done.succeed()
        if self.pending:   # the freed slot goes to the oldest waiting message (work-conserving)
            self._start_request(self.pending.popleft(), instance, now)
        elif instance.state == "active":
            self.router.track(instance)
        elif instance.state == "draining" and instance.in_flight == 0:
            self._retire(instance)

    # -- the fleet ------------------------------------------------------------------------------
    def _launch(self, *, provisioned: bool = False, launch_s: float | None = None) -> None:
        if launch_s is None:
            launch_s = self.config.instance_launch_s
        now = self.env.now
        instance_id = self.ledger.new_instance(now, now + launch_s, provisioned=provisioned)
        instance = self._new_instance(instance_id, self.vcpu, self.slots, provisioned=provisioned)
        self.alive += 1
        if launch_s == 0:
            self._ready(instance)
        else:
            self.launching.append(instance)
            self._at(now + launch_s, self._on_ready, instance)

    def _on_ready(self, event: Call) -> None:
        instance = event.value
        self.launching.remove(instance)
        self._ready(instance)

    def _ready(self, instance: SharedCpuInstance) -> None:
        self.router.activate(instance)
        now = self.env.now
        while self.pending and instance.has_free_slot:
            self._start_request(self.pending.popleft(), instance, now)
        if instance.in_flight:
            self.router.track(instance)   # placed without a pick

    def _drain(self, instance: SharedCpuInstance) -> None:
        self.router.deactivate(instance, "draining")
        self.draining.append(instance)
        if instance.in_flight == 0:
            self._retire(instance)

    def _undrain(self, instance: SharedCpuInstance) -> None:
        self.draining.remove(instance)
        self.router.activate(instance)

    def _retire(self, instance: SharedCpuInstance) -> None:
        now = self.env.now
        self.draining.remove(instance)
        instance.state = "retired"
        self.retired_cpu_s += instance.cpu_used_until(now)
        self.ledger.retired_s[instance.instance_id] = now
        self.alive -= 1
        self._record_size(now)

    def _record_size(self, now: float) -> None:
        if self.size_at_s[-1] == now:
            self.size[-1] = self.alive
        else:
            self.size_at_s.append(now)
            self.size.append(self.alive)

    def _growth_cap(self, now: float) -> int:
        """Most instances alive allowed now: growth_factor x the smallest fleet in the last growth window."""
        since = now - self.config.scale_growth_window_s - _LOOKBACK_SLACK_S
        k = max(bisect.bisect_right(self.size_at_s, since) - 1, 0)   # the size in effect at `since`
        return math.floor(self.config.scale_growth_factor * min(self.size[k:]) + 1e-9)

    # -- the scaler -----------------------------------------------------------------------------
    def _scale(self, _event: Call) -> None:
        cfg = self.config
        now = self.env._now
        cpu_area = fleet_cpu_s(now, self.retired_cpu_s, self.active, self.draining)
        averages = self.window.update(now, (cpu_area,))
        busy = averages[0] if averages is not None else sum(s.cpu_busy for s in self.active + self.draining)
        desired = math.ceil(busy / self.target_cpu - 1e-9)
        desired = min(max(desired, cfg.min_instances), cfg.max_instances)
        have = len(self.active) + len(self.launching)
        if desired > have:
            while have < desired and self.draining:   # back into service first: no launch, no growth
                self._undrain(max(self.draining, key=lambda s: s.in_flight))
                have += 1
            room = min(cfg.max_instances, self._growth_cap(now)) - self.alive
            launches = min(desired - have, room)
            for _ in range(max(launches, 0)):
                self._launch()
            if launches > 0:
                self._record_size(now)
                self.last_growth_s = now
        elif desired < have and now - self.last_growth_s >= cfg.scale_in_cooldown_s:
            surplus = have - desired
            candidates = sorted((s for s in self.active if not s.provisioned), key=lambda s: s.in_flight)
            for instance in candidates[:surplus]:
                self._drain(instance)
        self._scale_again(now)

    def _at_rest(self) -> bool:
        """No request in flight or waiting, no instance launching or draining, a window with nothing used,
        and as many instances serving as a tick on that window asks for (min_instances)."""
        if self.pending or self.launching or self.draining or len(self.active) != self.config.min_instances:
            return False
        return not any(instance.in_flight for instance in self.active) and self.window.flat()
