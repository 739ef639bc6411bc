"""An instance whose in-flight requests share its vCPUs by processor sharing, with virtual time.

With n requests in their CPU phase on c vCPUs each progresses at min(1, c/n) of a vCPU. Virtual
time V advances at that rate, so a request needing w vCPU-seconds that starts at V0 finishes
when V reaches V0 + w: a change of n changes only the rate, never a request's finish in V.

SimPy cannot cancel a timer, so timers are only ever added, and each one, when it fires, finishes
the requests that are done and makes sure a timer is pending for the next finish. A new request
that slows the others down (n > c) needs no new timer: the pending one fires early and sets the next.
Only a new request that would finish before every pending timer adds one. So most changes of n cost
no event, where rescheduling on every change would leave one stale event each.
Cloud Run and Lambda Managed Instances both use this machinery.
"""
from __future__ import annotations

import heapq

#: Requests whose virtual finish is this close are finished together (floating-point slack, seconds).
FINISH_SLACK_S = 1e-9


class SharedCpuInstance:
    """A container instance (or a managed EC2 host) with `vcpu` vCPUs and `capacity` request slots."""

    __slots__ = ("env", "instance_id", "vcpu", "capacity", "on_cpu_done",
                 "jobs", "virtual_s", "updated_s", "cpu_used_s", "timers_s", "in_flight", "state",
                 "idle_epoch", "activation", "provisioned", "created_s")

    def __init__(self, env, instance_id: int, vcpu: float, capacity: int, on_cpu_done, *, provisioned: bool = False):
        self.env = env
        self.instance_id = instance_id
        self.vcpu = vcpu
        self.capacity = capacity
        self.on_cpu_done = on_cpu_done                  # called with (instance, request index)
        self.jobs: list[tuple[float, int]] = []         # heap of (virtual finish, request index)
        self.virtual_s = 0.0
        self.updated_s = env.now
        self.cpu_used_s = 0.0       # vCPU-seconds used up to updated_s (the owner's CPU meter)
        self.timers_s: list[float] = []   # when the pending timers fire; each new one is earlier, so last
        self.in_flight = 0          # requests placed here (CPU or I/O phase)
        self.state = "starting"     # starting | active | standby | retired
        self.idle_epoch = 0
        self.activation = -1        # the owner's activation number while active (routing order)
        self.provisioned = provisioned
        self.created_s = env.now

    @property
    def cpu_busy(self) -> float:
        """vCPUs in use: min(requests in CPU phase, vCPUs)."""
        return min(len(self.jobs), self.vcpu)

    @property
    def has_free_slot(self) -> bool:
        return self.in_flight < self.capacity

    def cpu_used_until(self, now_s: float) -> float:
        """vCPU-seconds used from the start until `now_s` (no earlier than the last change)."""
        return self.cpu_used_s + min(len(self.jobs), self.vcpu) * (now_s - self.updated_s)

    def add_cpu_work(self, i: int, work_s: float) -> None:
        """Start request i's CPU phase of `work_s` vCPU-seconds."""
        self._advance(self.env.now)
        heapq.heappush(self.jobs, (self.virtual_s + work_s, i))
        self._set_timer()

    def _advance(self, now: float) -> None:
        """Bring virtual time and the CPU meter up to `now`."""
        n = len(self.jobs)
        if n:
            dt = now - self.updated_s
            if n <= self.vcpu:
                self.virtual_s += dt
                self.cpu_used_s += n * dt
            else:
                self.virtual_s += dt * (self.vcpu / n)
                self.cpu_used_s += self.vcpu * dt
        self.updated_s = now

    def _set_timer(self) -> None:
        """Make sure a timer is pending for no later than the earliest finish at the current rate."""
        n = len(self.jobs)
        delay_s = self.jobs[0][0] - self.virtual_s
        if n > self.vcpu:
            delay_s /= self.vcpu / n
        if delay_s < 0.0:
            delay_s = 0.0
        due_s = self.updated_s + delay_s
        if not self.timers_s or due_s < self.timers_s[-1]:
            self.timers_s.append(due_s)
            self.env.timeout(delay_s).callbacks.append(self._on_timer)

    def _on_timer(self, event) -> None:
        """A timer fired (the earliest pending one): finish the requests that are done, if any."""
        self.timers_s.pop()
        jobs = self.jobs
        if not jobs:
            return   # they finished at an earlier timer
        self._advance(event.env.now)
        slack_s = FINISH_SLACK_S + 1e-12 * abs(self.virtual_s)
        if jobs[0][0] > self.virtual_s + slack_s:
            self._set_timer()   # fired early: requests were added since it was set
            return
        finish_s, first = heapq.heappop(jobs)
        self.virtual_s = max(self.virtual_s, finish_s)   # no drift: V is exactly the finish
        done = [first]
        while jobs and jobs[0][0] <= self.virtual_s + slack_s:   # requests finishing together
            done.append(heapq.heappop(jobs)[1])
        if jobs:
            self._set_timer()
        for i in done:
            self.on_cpu_done(self, i)
