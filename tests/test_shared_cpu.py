"""One shared-CPU instance (sim.shared_cpu.SharedCpuInstance) against an independent processor-sharing
reference: request end times and the CPU meter, through the full-speed and shared regimes. And the
fleet's router (LeastLoadedRouter) against a scan of every active instance."""
from __future__ import annotations

import numpy as np
import pytest
import simpy

from sim.shared_cpu import LeastLoadedRouter, SharedCpuInstance, WindowAverages


def reference_ends(arrivals_s, work_s, io_s, vcpu):
    """End times (CPU phase by processor sharing on `vcpu` vCPUs, then I/O) by stepping from one arrival
    or CPU finish to the next with every request's remaining work: no virtual time, no heaps."""
    remaining = {}
    cpu_end = {}
    now = 0.0
    order = sorted(range(len(arrivals_s)), key=lambda k: arrivals_s[k])
    nxt = 0
    while nxt < len(order) or remaining:
        rate = min(1.0, vcpu / len(remaining)) if remaining else 0.0
        t_finish = now + min(remaining.values()) / rate if remaining else np.inf
        t_arrive = arrivals_s[order[nxt]] if nxt < len(order) else np.inf
        t = min(t_finish, t_arrive)
        for k in remaining:
            remaining[k] -= (t - now) * rate
        now = t
        for k in [k for k, w in remaining.items() if w <= 1e-12]:
            cpu_end[k] = now
            del remaining[k]
        while nxt < len(order) and arrivals_s[order[nxt]] <= now:
            k = order[nxt]
            nxt += 1
            if work_s[k] > 0:
                remaining[k] = work_s[k]
            else:
                cpu_end[k] = now
    return np.array([cpu_end[k] + io_s[k] for k in range(len(arrivals_s))])


def run_instance(arrivals_s, work_s, io_s, vcpu, meter_at_s=None):
    """Run the requests on one SharedCpuInstance; returns their end times and the CPU meter read at
    `meter_at_s` (seconds, or None)."""
    env = simpy.Environment()
    ends = np.full(len(arrivals_s), np.nan)

    def done(instance, i):
        assert np.isnan(ends[i]), f"request {i} ended twice"
        ends[i] = env.now
        instance.in_flight -= 1

    instance = SharedCpuInstance(env, 0, vcpu, capacity=10_000, on_done=done)
    for i, t in enumerate(arrivals_s):
        env.timeout(t, i).callbacks.append(lambda e: instance.run(e.value, work_s[e.value], io_s[e.value], env.now))
    meter = []
    if meter_at_s is not None:
        env.timeout(meter_at_s).callbacks.append(lambda e: meter.append(instance.cpu_used_until(env.now)))
    env.run()
    assert instance.in_flight == 0
    return ends, (meter[0] if meter else None), instance


def reference_cpu_used(arrivals_s, work_s, vcpu, until_s, step_s=1e-4):
    """vCPU-seconds used until `until_s`, integrated on a fine grid from the reference's CPU phases."""
    ends = reference_ends(arrivals_s, work_s, np.zeros(len(work_s)), vcpu)
    t = np.arange(0.0, until_s, step_s) + step_s / 2
    in_cpu = ((np.asarray(arrivals_s)[None, :] <= t[:, None]) & (ends[None, :] > t[:, None])
              & (np.asarray(work_s)[None, :] > 0)).sum(axis=1)
    return float(np.minimum(in_cpu, vcpu).sum() * step_s)


def test_hand_worked_two_vcpus_full_speed_then_shared_then_full_speed_again():
    # Two requests at full speed; a third at 0.05 s makes three on two vCPUs (rate 2/3 each) until the
    # first finishes; the other two then finish at full speed.
    # Request 0: 0.1 s work from 0; by 0.05 it has 0.05 left, at 2/3 that takes 0.075: ends at 0.125.
    # Request 1: 0.2 s work from 0; at 0.125 it has 0.2 - 0.05 - 0.05 = 0.1 left: CPU ends at 0.225.
    # Request 2: 0.1 s work from 0.05; at 0.125 it has 0.1 - 0.05 = 0.05 left: CPU ends at 0.175.
    arrivals, work, io = [0.0, 0.0, 0.05], [0.1, 0.2, 0.1], [1.0, 0.5, 0.0]
    ends, meter, instance = run_instance(arrivals, work, io, vcpu=2, meter_at_s=0.1)
    np.testing.assert_allclose(ends, [1.125, 0.725, 0.175], atol=1e-12)
    # Busy vCPUs: 2 over [0, 0.1]: 0.2 vCPU-s.
    assert meter == pytest.approx(0.2, abs=1e-12)
    assert instance.cpu_used_until(2.0) == pytest.approx(sum(work), abs=1e-12)


def test_a_request_at_full_speed_is_one_event_and_a_shared_one_two():
    env = simpy.Environment()
    ended = []
    instance = SharedCpuInstance(env, 0, 1, capacity=10, on_done=lambda inst, i: ended.append((i, env.now)))
    instance.run(0, 0.1, 1.0, 0.0)   # alone on its vCPU: its end is known
    assert [end_s for end_s, *_ in instance.full_speed] == [pytest.approx(0.1)] and not instance.shared
    env.step()                        # the first event is the end of its CPU and I/O phases
    assert ended == [(0, pytest.approx(1.1))]
    instance.run(1, 0.1, 1.0, env.now)
    instance.run(2, 0.1, 1.0, env.now)   # two on one vCPU: they share it
    assert not instance.full_speed and len(instance.shared) == 2
    env.step()                        # a timer: their CPU phases end together, at half speed
    assert env.now == pytest.approx(1.3) and ended == [(0, pytest.approx(1.1))]
    env.run()                         # then their I/O
    assert sorted(ended[1:]) == [(1, pytest.approx(2.3)), (2, pytest.approx(2.3))]


@pytest.mark.parametrize("vcpu", [0.5, 1, 2, 4])
def test_random_requests_end_when_independent_processor_sharing_says(vcpu):
    rng = np.random.default_rng(int(vcpu * 10))
    for _ in range(60):
        n = int(rng.integers(1, 14))
        arrivals = np.sort(rng.uniform(0, 0.5, n))
        arrivals[rng.random(n) < 0.2] = arrivals[0]    # some arrive together
        work = rng.exponential(0.08, n)
        work[rng.random(n) < 0.15] = 0.0               # some use no CPU
        io = rng.exponential(0.05, n)
        io[rng.random(n) < 0.3] = 0.0                  # some wait on nothing
        ends, _, instance = run_instance(arrivals, work, io, vcpu)
        np.testing.assert_allclose(ends, reference_ends(arrivals, work, io, vcpu), atol=1e-9)
        assert instance.cpu_used_until(ends.max()) == pytest.approx(work.sum(), abs=1e-9)


@pytest.mark.parametrize("vcpu", [1, 2])
def test_the_cpu_meter_matches_the_busy_vcpus_integral_at_any_time(vcpu):
    rng = np.random.default_rng(7 + vcpu)
    arrivals = np.sort(rng.uniform(0, 0.4, 10))
    work = rng.exponential(0.06, 10)
    io = rng.exponential(0.05, 10)
    for at_s in (0.05, 0.13, 0.27, 0.41):
        _, meter, _ = run_instance(arrivals, work, io, vcpu, meter_at_s=at_s)
        assert meter == pytest.approx(reference_cpu_used(arrivals, work, vcpu, at_s), abs=2e-4)


@pytest.mark.parametrize("seed", range(6))
def test_the_router_picks_what_a_scan_of_the_active_instances_picks(seed):
    """Random activations, deactivations, picks, ends and placements without a pick (as when a started
    instance takes the pending requests): every pick is the active instance with the fewest requests in
    flight, the earliest activated among equals, or None when that one is full."""
    rng = np.random.default_rng(seed)
    env = simpy.Environment()
    capacity = 6
    instances = []
    router = LeastLoadedRouter(instances)
    for k in range(8):
        instances.append(SharedCpuInstance(env, k, 1.0, capacity, on_done=None))
    picks = 0
    for _ in range(4000):
        op = rng.random()
        idle = [s for s in instances if s.state != "active"]
        if op < 0.04 and idle:
            instance = idle[rng.integers(len(idle))]
            if rng.random() < 0.5 and instance.in_flight < capacity:   # placed without a pick
                instance.in_flight += 1
            router.activate(instance)
        elif op < 0.07 and router.active:
            router.deactivate(router.active[rng.integers(len(router.active))], "standby")
        elif op < 0.55:
            candidates = [s for s in router.active]
            best = min(candidates, key=lambda s: (s.in_flight, s.activation), default=None)
            expected = best if best is not None and best.in_flight < capacity else None
            got = router.pick()
            assert got is expected
            if got is not None:
                got.in_flight += 1
                picks += 1
        else:
            busy = [s for s in instances if s.in_flight > 0]
            if busy:
                instance = busy[rng.integers(len(busy))]
                instance.in_flight -= 1
                if instance.state == "active":
                    if rng.random() < 0.2 and instance.in_flight < capacity - 1:   # the slot goes to a pending request,
                        instance.in_flight += 2                                   # and another is placed without a pick
                    router.track(instance)
    assert picks > 500   # the random walk did route requests, full and empty fleets included


def test_window_averages_divide_by_the_time_covered():
    """The autoscalers' meter: vCPU-second integrals sampled at 0, 10 and 70 s with a 60 s window."""
    meter = WindowAverages(60.0, 1)
    assert meter.update(0.0, (0.0,)) is None                       # one sample covers no time
    assert meter.update(10.0, (20.0,)) == pytest.approx((2.0,))    # 20 vCPU-s over the 10 s covered so far
    assert meter.update(70.0, (170.0,)) == pytest.approx((2.5,))   # the sample at 0 left: (170 - 20) / (70 - 10)
