"""An instance whose in-flight requests share its vCPUs by processor sharing, with virtual time.

A request on an instance has a CPU phase of w vCPU-seconds, then an I/O wait that uses no CPU. With
n requests in their CPU phase on c vCPUs, each progresses at min(1, c/n) of a vCPU. So the instance
is in one of two regimes:

- Full speed (n <= c): each request in its CPU phase has a vCPU to itself and ends it at start + w.
  Its end (CPU, then I/O) is known at once and is one event, scheduled when it starts.
- Shared (n > c): virtual time V advances at the rate c/n, so a request that needs w starting at V0
  finishes its CPU phase when V reaches V0 + w: a change of n changes only the rate, never a
  request's finish in V. Timers find the finishes; each finished request then waits out its I/O.

A request that makes n > c moves every full-speed request into the shared regime (the events scheduled
for their ends lose their callback); a finish that brings n back to c moves the rest to full speed
(each gets an event for its end). Most requests of an I/O-bound service never share a vCPU, so
they cost one event for their CPU and I/O phases instead of two.

Timers. SimPy cannot cancel a timer, so timers are only ever added, and each one, when it fires,
finishes the shared requests that are done and makes sure a timer is pending for the next finish.
A new request that slows the others down needs no new timer: the pending one fires early and sets the
next. Only a new request that would finish before every pending timer adds one. So most changes of n
cost no event, where rescheduling on every change would leave one stale event each.

Events. Each is a sim.model_base.Call on the SimPy environment's queue: scheduled as a Timeout would be,
at about half its cost.

Connection pools. With a `pool` (sim.connection_pool; the config's `db_pool`), a request's I/O is a query on
one of the instance's connections, granted first come first served at its CPU phase's end. While the instance
has no more requests in flight than connections, a full-speed request is promised one and keeps its one event;
beyond that, the promises of requests still in their CPU phase are withdrawn, and each request asks the pool
by an event at its CPU phase's end (then one more, at its grant, if it waited).

Cloud Run (sim.cloudrun_model) and Lambda Managed Instances (sim.lmi_model) both use this machinery,
and the fleet pieces below it: `SharedCpuFleet` (a request's placement and end, with the client's
timeout, and the autoscaler's ticks, which pause while they cannot change anything),
`LeastLoadedRouter` (the active instance with the fewest requests in flight, from a lazy heap)
and `WindowAverages` (averages over a sliding window, for the autoscalers' CPU meters).
"""
from __future__ import annotations

import heapq
from collections import deque

from simpy.events import NORMAL

from .connection_pool import ConnectionPool
from .ledger import Ledger, per_event_view
from .model_base import Call, ModelBase, schedule
from .workload import Draws

#: Requests whose virtual finish is this close are finished together (floating-point slack, seconds).
FINISH_SLACK_S = 1e-9

_push = heapq.heappush


class SharedCpuInstance:
    """A container instance (or a managed EC2 host) with `vcpu` vCPUs and `capacity` request slots.

    `run(i, work_s, io_s, now)` runs request i; the instance calls `on_done(instance, i)` at its end.
    """

    __slots__ = ("env", "queue", "eids", "instance_id", "vcpu", "capacity", "on_done", "end_calls", "timer_calls",
                 "full_speed", "shared", "virtual_s", "updated_s", "cpu_used_s", "timers_s", "in_flight",
                 "state", "idle_epoch", "activation", "provisioned", "created_s", "pool", "pool_calls")

    def __init__(self, env, instance_id: int, vcpu: float, capacity: int, on_done, *, provisioned: bool = False,
                 pool: ConnectionPool | None = None):
        self.env = env
        self.queue, self.eids = env._queue, env._eid   # where `schedule` puts events
        self.instance_id = instance_id
        self.vcpu = vcpu
        self.capacity = capacity
        self.on_done = on_done      # called with (instance, request index) when a request ends
        self.end_calls, self.timer_calls = [self._end], [self._on_timer]
        # The instance's database connections (None: requests do not wait for one). A request's end then
        # hands its connection back; one that found none free at its CPU phase's end arrives at the pool
        # by an event of its own (sim.connection_pool).
        self.pool = pool
        if pool is not None:
            self.end_calls, self.pool_calls = [self._end_pooled], [self._at_pool]
        # Requests in their CPU phase: at most one of the two heaps is non-empty.
        self.full_speed: list[tuple[float, int, float, Call]] = []   # (CPU end, i, I/O, end event)
        self.shared: list[tuple[float, int, float]] = []   # (virtual finish, i, I/O), only while n > c
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
        """vCPUs in use at the last change: min(requests in CPU phase, vCPUs)."""
        return min(len(self.shared), self.vcpu) if self.shared else len(self.full_speed)

    @property
    def has_free_slot(self) -> bool:
        return self.in_flight < self.capacity

    def cpu_used_until(self, now_s: float) -> float:
        """vCPU-seconds used from the start until `now_s` (no earlier than the last change)."""
        if self.shared:   # n > c: every vCPU busy until the next timer
            return self.cpu_used_s + self.vcpu * (now_s - self.updated_s)
        full_speed = self.full_speed
        if not full_speed:
            return self.cpu_used_s + 0
        if len(full_speed) == 1:   # the sum of one term, as sum() gives it
            return self.cpu_used_s + (0 + (min(full_speed[0][0], now_s) - self.updated_s))
        return self.cpu_used_s + sum(min(end_s, now_s) - self.updated_s for end_s, *_ in full_speed)

    def run(self, i: int, work_s: float, io_s: float, now: float) -> None:
        """Request i takes a slot at `now`: `work_s` vCPU-seconds of CPU, then `io_s` seconds of I/O wait."""
        self.in_flight += 1
        full_speed = self.full_speed
        if self.shared:
            self._advance(now)
        elif full_speed:   # _advance(now), inlined: drop the CPU phases that ended, meter the rest
            updated_s = self.updated_s
            while full_speed and full_speed[0][0] <= now:
                self.cpu_used_s += heapq.heappop(full_speed)[0] - updated_s
            self.cpu_used_s += len(full_speed) * (now - updated_s)
            self.updated_s = now
        else:
            self.updated_s = now
        pool = self.pool
        if pool is not None:
            if work_s > 0 and not self.shared and len(full_speed) + 1 <= self.vcpu:
                self._run_full_speed(i, work_s, io_s, now)   # a promise of a connection, or an arrival at the pool
                return
            if self.in_flight > pool.connections:
                self._promise()   # the pool binds: the promises to requests in their CPU phase are withdrawn
        if work_s <= 0:
            self._wait_io(i, io_s)
        elif self.shared or len(full_speed) + 1 > self.vcpu:
            shared = self.shared
            entry = (self.virtual_s + work_s, i, io_s)
            if full_speed:   # sharing starts: a timer for the first finish
                self._share(now)
                heapq.heappush(shared, entry)
                self._set_timer()
            else:
                heapq.heappush(shared, entry)
                if shared[0] is entry:   # it finishes first: the pending timer may be too late
                    self._set_timer()
        else:   # a vCPU to itself: its end (CPU, then I/O) is one event
            end = Call(self.end_calls, i)
            _push(self.queue, (self.env._now + (work_s + io_s), NORMAL, next(self.eids), end))
            _push(full_speed, (now + work_s, i, io_s, end))

    def _run_full_speed(self, i: int, work_s: float, io_s: float, now: float) -> None:
        """Request i has `work_s` of CPU left and a vCPU to itself: schedule its end (CPU, then I/O)."""
        if self.pool is not None and not self._promise():
            _push(self.full_speed, (now + work_s, i, io_s, self._pool_event(now + work_s, i, io_s)))
            return
        end = Call(self.end_calls, i)
        _push(self.queue, (self.env._now + (work_s + io_s), NORMAL, next(self.eids), end))
        _push(self.full_speed, (now + work_s, i, io_s, end))

    def _share(self, now: float) -> None:
        """Enter the shared regime: the full-speed requests' end events no longer hold (nor their
        promises of a connection: they ask for one at their CPU phase's end)."""
        pool = self.pool
        for cpu_end_s, i, io_s, end in self.full_speed:
            if pool is not None and end.callbacks is self.end_calls:
                pool.in_use -= 1
            end.callbacks = ()
            heapq.heappush(self.shared, (self.virtual_s + (cpu_end_s - now), i, io_s))
        self.full_speed.clear()

    def _wait_io(self, i: int, io_s: float) -> None:
        """Request i's CPU phase is over: it ends after `io_s` of I/O wait (at once if none); with a pool,
        the wait is a query on a connection, granted now or when one is handed back."""
        if self.pool is not None:
            if self.pool.take(i, self.env._now, io_s):
                schedule(self.env, io_s, self.end_calls, i)
            return
        if io_s > 0:
            schedule(self.env, io_s, self.end_calls, i)
        else:
            self.on_done(self, i)

    def _end(self, event: Call) -> None:
        self.on_done(self, event.value)

    # -- the connection pool (sim.connection_pool) ----------------------------------------------------
    def _promise(self) -> bool:
        """Whether a request starting a full-speed CPU phase (and counted in `in_flight`) can be promised a
        connection at its end: while no more requests are in flight than connections, nobody waits. If not,
        the promises of requests still in their CPU phase (full-speed entries: those that ended left the
        heap when time advanced) are withdrawn: each gets an event at its CPU phase's end instead of its
        end. A promise made while the pool binds would be withdrawn at once, so none is."""
        pool = self.pool
        if self.in_flight <= pool.connections:
            pool.in_use += 1
            return True
        end_calls = self.end_calls
        full_speed = self.full_speed
        for k, (cpu_end_s, j, io_j, end) in enumerate(full_speed):
            if end.callbacks is end_calls:   # a promise: its end event goes, an arrival at the pool comes
                end.callbacks = ()
                pool.in_use -= 1
                full_speed[k] = (cpu_end_s, j, io_j, self._pool_event(cpu_end_s, j, io_j))
        return False

    def _pool_event(self, cpu_end_s: float, i: int, io_s: float) -> Call:
        """An event at `cpu_end_s`, when request i asks the pool for a connection for its `io_s` query."""
        event = Call(self.pool_calls, (i, io_s))
        _push(self.queue, (cpu_end_s, NORMAL, next(self.eids), event))
        return event

    def _at_pool(self, event: Call) -> None:
        i, io_s = event.value
        if self.pool.take(i, self.env._now, io_s):
            schedule(self.env, io_s, self.end_calls, i)

    def _end_pooled(self, event: Call) -> None:
        """Request `event.value` ends: its connection goes to the oldest waiter, whose query starts now."""
        granted = self.pool.release(self.env._now)
        if granted is not None:
            schedule(self.env, granted[1], self.end_calls, granted[0])
        self.on_done(self, event.value)

    # [teach:processor-sharing]
    def _advance(self, now: float) -> None:
        """Bring virtual time and the CPU meter up to `now`, dropping full-speed CPU phases that ended."""
        dt = now - self.updated_s
        if self.shared:
            n = len(self.shared)
            self.virtual_s += dt * (self.vcpu / n)
            self.cpu_used_s += self.vcpu * dt
        elif self.full_speed:
            full_speed = self.full_speed
            while full_speed and full_speed[0][0] <= now:
                self.cpu_used_s += heapq.heappop(full_speed)[0] - self.updated_s
            self.cpu_used_s += len(full_speed) * dt
        self.updated_s = now
    # [/teach:processor-sharing]

    def _set_timer(self) -> None:
        """Make sure a timer is pending for no later than the earliest shared finish at the current rate."""
        n = len(self.shared)
        delay_s = (self.shared[0][0] - self.virtual_s) / (self.vcpu / n)
        if delay_s < 0.0:
            delay_s = 0.0
        due_s = self.updated_s + delay_s
        if not self.timers_s or due_s < self.timers_s[-1]:
            self.timers_s.append(due_s)
            schedule(self.env, delay_s, self.timer_calls, None)

    def _on_timer(self, event) -> None:
        """A timer fired (the earliest pending one): finish the shared requests that are done, if any."""
        self.timers_s.pop()
        shared = self.shared
        if not shared:
            return   # they finished at an earlier timer, or run at full speed now
        now = self.env.now
        self._advance(now)
        slack_s = FINISH_SLACK_S + 1e-12 * self.virtual_s   # virtual time is never negative
        if shared[0][0] > self.virtual_s + slack_s:
            self._set_timer()   # fired early: requests were added since it was set
            return
        finish_s, i, io_s = heapq.heappop(shared)
        if finish_s > self.virtual_s:
            self.virtual_s = finish_s   # no drift: V is exactly the finish
        done = [(i, io_s)]
        limit_s = self.virtual_s + slack_s
        while shared and shared[0][0] <= limit_s:   # requests finishing together
            done.append(heapq.heappop(shared)[1:])
        if len(shared) <= self.vcpu:   # back to full speed: each request's end is known now
            for finish_j, j, io_j in shared:
                self._run_full_speed(j, max(finish_j - self.virtual_s, 0.0), io_j, now)
            shared.clear()
        else:
            self._set_timer()
        for i, io_s in done:
            self._wait_io(i, io_s)


class LeastLoadedRouter:
    """The active instances of a fleet, and which of them has the fewest requests in flight.

    A heap of (in flight, activation number, instance id), kept lazily: every active instance has an
    exact entry, one equal to its requests in flight. `pick` raises the entry of the instance it
    returns (the caller places a request there); every other change of an active instance's count (a
    request's end, requests placed without a pick) is followed by `track`, which pushes an exact entry.
    Entries that are no longer exact, or whose instance was deactivated (activation -1), are dropped
    when they reach the top. So routing costs O(log instances). Among equally loaded instances the
    earliest activated wins. With a single active instance there is nothing to choose: the heap is left
    alone, and rebuilt with an exact entry per instance when a second one is activated.
    """

    __slots__ = ("instances", "active", "heap", "activations")

    def __init__(self, instances: list[SharedCpuInstance]):
        self.instances = instances      # every instance of the fleet, indexed by instance id (shared list)
        self.active: list[SharedCpuInstance] = []   # in activation order
        self.heap: list[tuple[int, int, int]] = []
        self.activations = 0

    def pick(self) -> SharedCpuInstance | None:
        """The active instance with the fewest requests in flight if it has a free slot, else None.

        The caller places a request on the instance returned, so its entry is raised by one at once.
        """
        active = self.active
        if len(active) == 1:
            instance = active[0]
            return instance if instance.in_flight < instance.capacity else None
        heap = self.heap
        while heap:
            in_flight, activation, instance_id = heap[0]
            instance = self.instances[instance_id]
            if instance.activation != activation or instance.in_flight != in_flight:
                heapq.heappop(heap)   # stale: deactivated since, or its count changed (it has an exact entry)
            elif in_flight < instance.capacity:
                heapq.heapreplace(heap, (in_flight + 1, activation, instance_id))
                return instance
            else:
                break   # the least loaded active instance is full, so all are
        return None

    def track(self, instance: SharedCpuInstance) -> None:
        """Give an active instance an exact entry after its count changed other than by `pick`."""
        if len(self.active) == 1:
            return   # no heap while there is one active instance
        heap = self.heap
        heapq.heappush(heap, (instance.in_flight, instance.activation, instance.instance_id))
        if len(heap) > 4 * len(self.active) + 64:   # mostly outdated entries: rebuild, O(1) per change on average
            self._rebuild()

    def _rebuild(self) -> None:
        """One exact entry per active instance."""
        self.heap[:] = [(s.in_flight, s.activation, s.instance_id) for s in self.active]
        heapq.heapify(self.heap)

    def activate(self, instance: SharedCpuInstance) -> None:
        instance.state = "active"
        instance.activation = self.activations
        self.activations += 1
        self.active.append(instance)
        if len(self.active) == 2:   # the first instance's entries were not kept while it was alone
            self._rebuild()
        else:
            self.track(instance)

    def deactivate(self, instance: SharedCpuInstance, state: str) -> None:
        """Stop routing new requests to `instance` (its router entries become stale); it enters `state`."""
        self.active.remove(instance)
        instance.state = state
        instance.activation = -1


class WindowAverages:
    """Time averages over the last `window_s` of quantities metered as running time integrals.

    `update(now, areas)` records a sample of the integrals and returns their averages since the oldest
    sample still in the window, or None when no time has passed since it (at time 0).
    """

    __slots__ = ("window_s", "limit_s", "samples")

    def __init__(self, window_s: float, count: int):
        self.window_s = window_s
        self.limit_s = window_s + 1e-9   # a sample this much older than the newest leaves the window
        self.samples: deque[tuple[float, ...]] = deque([(0.0,) * (count + 1)])

    def update(self, now: float, areas: tuple[float, ...]) -> tuple[float, ...] | None:
        samples = self.samples
        samples.append((now, *areas))
        limit_s = self.limit_s
        while now - samples[0][0] > limit_s:
            samples.popleft()
        first = samples[0]
        span = now - first[0]
        if not span > 0:
            return None
        if len(areas) == 2:
            return (areas[0] - first[1]) / span, (areas[1] - first[2]) / span
        return tuple((area - area0) / span for area, area0 in zip(areas, first[1:]))

    def flat(self) -> bool:
        """True if every sample in the window holds the newest one's integrals: nothing was used in it,
        and the averages stay exactly zero while the integrals do not change."""
        samples = self.samples
        newest = samples[-1][1:]
        return all(sample[1:] == newest for sample in samples)

    def extend(self, times_s, now: float) -> None:
        """Record samples at `times_s` (increasing, none after `now`) holding the newest sample's
        integrals, as `update` would have one after another: the samples of ticks skipped while the
        integrals did not change. Only those that can still be in the window after `now` are kept."""
        samples = self.samples
        newest = samples[-1][1:]
        last_s = None
        for t in times_s:
            samples.append((t, *newest))
            last_s = t
        if last_s is not None:
            limit_s = self.limit_s
            while last_s - samples[0][0] > limit_s:
                samples.popleft()


def fleet_cpu_s(now: float, retired_cpu_s: float, *groups) -> float:
    """vCPU-seconds used so far by a fleet: the retired instances' total plus each live instance's meter."""
    used_s = retired_cpu_s
    for group in groups:
        for instance in group:
            used_s += instance.cpu_used_until(now)
    return used_s


class SharedCpuFleet(ModelBase):
    """What the Cloud Run and Lambda Managed Instances models share: the run's clock and ledger, the draws
    as per-event views, the fleet's instances and router, a request's life on an instance (CPU phase
    by processor sharing, then I/O wait, then its end, cut by the client's `request_timeout_s`), and the
    autoscaler's ticks.

    A subclass provides `_start_fleet()` (the instances ready at time 0), `_arrive(event)` for the
    arrival of request `event.value`, `_finish(instance, i)` (what happens to the instance after a
    request), `_scale(event)`, the autoscaler's tick every `scale_period_s`, which ends with
    `_scale_again(now)`, and `_at_rest()`. It starts a request on an instance with `_start_request`; the
    instance calls `_finish` at the request's end, which calls `_end_request`.

    Ticks at rest. After a tick, `_at_rest()` says whether the fleet is idle (no request in flight or
    waiting, no instance starting), its window of samples shows nothing used (`WindowAverages.flat`),
    and the next tick would decide to change nothing. Then every later tick would do nothing but
    record the same sample until something happens, so none is scheduled: the fleet sleeps, and
    `_wake(now)` (called first thing by whatever happens next: an arrival, an instance retiring) records
    the samples of the ticks it skipped and schedules the next one. The event that wakes the fleet
    was scheduled before it fell asleep (nothing else is scheduled while it sleeps), so a skipped tick
    at the same time would have come after it, as the tick scheduled at the wake does: the run gives
    the same tables, bit for bit, as one that ticks every period (`skip_ticks_at_rest = False`).
    """

    #: Skip the autoscaler's ticks while the fleet is at rest (False: tick every period, as a reference).
    skip_ticks_at_rest = True

    def __init__(self, config, draws: Draws, mode: str, duration_s: float, scale_period_s: float):
        super().__init__(config, draws, mode, duration_s)
        self.scale_period_s = scale_period_s
        self.cpu_s = per_event_view(draws.cpu_ms / 1000.0)
        self.io_s = per_event_view(draws.io_ms / 1000.0)
        self.instances: list[SharedCpuInstance] = []
        self.router = LeastLoadedRouter(self.instances)
        self.active = self.router.active    # the same list
        self.settled = 0              # requests finished or throttled
        self.done = self.env.event()
        self.retired_cpu_s = 0.0      # vCPU-seconds used by retired instances
        self.request_timeout_s = config.request_timeout_s
        self.scale_calls = [self._scale]
        self.asleep = False           # no tick scheduled: the fleet is at rest
        self.next_tick_s = 0.0        # while asleep: when the first skipped tick was due
        self.ticks_skipped = 0

    def run(self) -> tuple[Ledger, float]:
        """Simulate until the window ends and every request has settled; returns the ledger and the end time."""
        self._start_fleet()
        self._first_arrival()
        if not self.n:
            self.done.succeed()
        self._at(self.scale_period_s, self._scale, None)
        self.env.run(until=self.duration_s)
        if not self.done.triggered:
            self.env.run(until=self.done)
        return self.ledger, max(self.duration_s, self.env.now)

    def _ticks_on(self, now: float) -> bool:
        """Whether the tick at `now` schedules the next: always, until the window is over and every request
        has settled (`done` has triggered)."""
        return self.settled < self.n or now + self.scale_period_s <= self.duration_s

    def _scale_again(self, now: float) -> None:
        """Schedule the next autoscaler tick, unless the run is over; or, at rest, sleep until woken."""
        if self.settled < self.n or now + self.scale_period_s <= self.duration_s:   # _ticks_on(now)
            next_s = now + ((now + self.scale_period_s) - now)   # as env.timeout(when - now) schedules it
            if self.skip_ticks_at_rest and self._at_rest():
                self.asleep = True
                self.next_tick_s = next_s
            else:
                _push(self.queue, (next_s, NORMAL, next(self.eids), Call(self.scale_calls, None)))

    def _wake(self, now: float) -> None:
        """Something happens at `now` while the fleet sleeps: record the samples of the ticks skipped
        before `now` (each the same; only the last window's worth is kept) and schedule the next tick."""
        self.asleep = False
        period_s, t = self.scale_period_s, self.next_tick_s
        oldest_kept_s = now - self.window.window_s - 2 * period_s   # older samples leave the window anyway
        skipped = []
        while t is not None and t < now:
            self.ticks_skipped += 1
            if t >= oldest_kept_s:
                skipped.append(t)
            t = t + ((t + period_s) - t) if self._ticks_on(t) else None
        self.window.extend(skipped, now)
        if t is not None:
            _push(self.queue, (t, NORMAL, next(self.eids), Call(self.scale_calls, None)))

    def _settle(self) -> None:
        self.settled += 1
        if self.settled == self.n:
            self.done.succeed()

    def _new_instance(self, instance_id: int, vcpu: float, capacity: int, *, provisioned: bool) -> SharedCpuInstance:
        """A new instance; with `config.db_pool`, its requests' I/O waits for one of its
        `connections_per_instance` database connections (sim.connection_pool)."""
        pool = (ConnectionPool(self.config.connections_per_instance, self.ledger._pool_wait_s,
                               "connections_per_instance") if self.config.db_pool else None)
        instance = SharedCpuInstance(self.env, instance_id, vcpu, capacity, self._finish, provisioned=provisioned,
                                     pool=pool)
        self.instances.append(instance)
        return instance

    def _start_request(self, i: int, instance: SharedCpuInstance, now: float, *, cold: bool = False,
                       init_s: float = 0.0) -> None:
        """Request i starts on `instance` at `now` (after `init_s` of cold start if `cold`): the instance
        takes it into a slot, runs its CPU and I/O phases and calls `_finish` at its end."""
        self.ledger.begin(i, instance.instance_id, now, cold=cold, init_s=init_s)
        instance.run(i, self.cpu_s[i], self.io_s[i], now)   # its router entries stay valid: no larger than in_flight

    def _end_request(self, instance: SharedCpuInstance, i: int, now: float) -> None:
        """Record request i's end (its client gives up at `request_timeout_s`; the instance still worked),
        free its slot and count it settled."""
        self.ledger.finish(i, now, self.request_timeout_s)
        instance.in_flight -= 1
        self.settled += 1
        if self.settled == self.n:
            self.done.succeed()

    def _start_fleet(self) -> None:   # pragma: no cover - abstract
        raise NotImplementedError

    def _finish(self, instance: SharedCpuInstance, i: int) -> None:   # pragma: no cover - abstract
        raise NotImplementedError

    def _scale(self, event: Call) -> None:   # pragma: no cover - abstract
        raise NotImplementedError

    def _at_rest(self) -> bool:   # pragma: no cover - abstract
        raise NotImplementedError
