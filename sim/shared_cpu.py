"""An instance whose in-flight requests share its vCPUs by processor sharing, with virtual time.

With n requests in their CPU phase on c vCPUs each progresses at min(1, c/n) of a vCPU. Virtual
time V advances at that rate, so a request needing w vCPU-seconds that starts at V0 finishes
when V reaches V0 + w. Only the earliest finish is ever scheduled; a change of n reschedules it
and the stale timer is ignored (its version no longer matches). Cloud Run and Lambda Managed
Instances both use this machinery.
"""
from __future__ import annotations

import heapq


class SharedCpuInstance:
    """A container instance (or a managed EC2 host) with `vcpu` vCPUs and `capacity` request slots."""

    __slots__ = ("env", "instance_id", "vcpu", "capacity", "on_cpu_done", "on_cpu_busy_change",
                 "jobs", "virtual_s", "updated_s", "version", "in_flight", "state", "idle_epoch",
                 "provisioned", "created_s")

    def __init__(self, env, instance_id: int, vcpu: float, capacity: int, on_cpu_done, on_cpu_busy_change,
                 *, provisioned: bool = False):
        self.env = env
        self.instance_id = instance_id
        self.vcpu = vcpu
        self.capacity = capacity
        self.on_cpu_done = on_cpu_done                  # called with (instance, request index)
        self.on_cpu_busy_change = on_cpu_busy_change    # called with the change in busy vCPUs
        self.jobs: list[tuple[float, int]] = []         # heap of (virtual finish, request index)
        self.virtual_s = 0.0
        self.updated_s = env.now
        self.version = 0
        self.in_flight = 0          # requests placed here (CPU or I/O phase)
        self.state = "starting"     # starting | active | standby | retired
        self.idle_epoch = 0
        self.provisioned = provisioned
        self.created_s = env.now

    @property
    def cpu_busy(self) -> float:
        """vCPUs in use: min(requests in CPU phase, vCPUs)."""
        return min(len(self.jobs), self.vcpu)

    @property
    def has_free_slot(self) -> bool:
        return self.in_flight < self.capacity

    def add_cpu_work(self, i: int, work_s: float) -> None:
        """Start request i's CPU phase of `work_s` vCPU-seconds."""
        self._advance()
        before = self.cpu_busy
        heapq.heappush(self.jobs, (self.virtual_s + work_s, i))
        self.on_cpu_busy_change(self.cpu_busy - before)
        self._reschedule()

    def _rate(self) -> float:
        n = len(self.jobs)
        return min(1.0, self.vcpu / n) if n else 0.0

    def _advance(self) -> None:
        now = self.env.now
        if self.jobs:
            self.virtual_s += (now - self.updated_s) * self._rate()
        self.updated_s = now

    def _reschedule(self) -> None:
        self.version += 1
        if self.jobs:
            delay = max(0.0, (self.jobs[0][0] - self.virtual_s) / self._rate())
            version = self.version
            self.env.timeout(delay).callbacks.append(lambda _e: self._on_timer(version))

    def _on_timer(self, version: int) -> None:
        if version != self.version:
            return  # superseded by a later change in the number of CPU jobs
        self._advance()
        before = self.cpu_busy
        eps = 1e-9 + 1e-12 * abs(self.virtual_s)
        finish_s, first = heapq.heappop(self.jobs)   # the job this timer was set for
        self.virtual_s = max(self.virtual_s, finish_s)
        done = [first]
        while self.jobs and self.jobs[0][0] <= self.virtual_s + eps:
            done.append(heapq.heappop(self.jobs)[1])
        self.on_cpu_busy_change(self.cpu_busy - before)
        self._reschedule()
        for i in done:
            self.on_cpu_done(self, i)
