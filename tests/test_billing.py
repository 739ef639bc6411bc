"""The bill: providers' worked examples (facts.md s.2), interval-union billing, properties, bad input."""
import math
from types import SimpleNamespace as NS

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings, strategies as st

from sim import prices
from sim.billing import (Bill, bill, billed_duration_ms, busy_slices, cloudrun_cost, date_range, lambda_cost,
                         lambda_cost_rate_per_s)

P_X86 = 0.0000166667          # facts.md s.1
P_PAGE = 0.00001667           # facts.md s.2 TV-1 (the page's rounded rate)
P_REQ = 0.20 / 1e6
CR_CPU, CR_GIB, CR_REQ = 0.000024, 0.0000025, 0.40 / 1e6     # facts.md s.5, Tier 1 request-based


def cents(x):
    return round(x + 1e-9, 2)


def line(b: Bill, prefix: str) -> pd.Series:
    rows = b.lines[b.lines["item"].str.startswith(prefix)]
    assert len(rows) == 1, f"expected one line starting {prefix!r}, got {list(b.lines['item'])}"
    return rows.iloc[0]


def lambda_result(reqs, *, memory_mb=1024, architecture="x86_64", pc=0, init_billed=True, window=(0.0, 3600.0),
                  instances=()):
    """A stand-in Result: reqs are dicts with service_s and optionally init_s, cold, status, provisioned."""
    rows = [dict(arrival_s=0.0, start_s=0.0, end_s=r.get("service_s", 0.0), service_s=0.0, init_s=0.0, cold=False,
                 status="ok", instance_id=0, provisioned=False) | r for r in reqs]
    requests = pd.DataFrame(rows, columns=["arrival_s", "start_s", "end_s", "service_s", "init_s", "cold", "status",
                                           "instance_id", "provisioned"])
    requests["status"] = requests["status"].astype("category")
    inst = pd.DataFrame(list(instances), columns=["instance_id", "created_s", "ready_s", "retired_s", "provisioned"])
    cfg = NS(platform="lambda", name="Lambda", memory_mb=memory_mb, architecture=architecture,
             provisioned_concurrency=pc, init_billed=init_billed)
    return NS(config=cfg, requests=requests, instances=inst, window_s=window)


def cloudrun_result(reqs, instances, *, vcpu=1.0, memory_gib=0.5, billing="request", window=(0.0, 100.0)):
    """reqs: (instance_id, start_s, end_s[, status]); instances: (instance_id, created_s, ready_s, retired_s, min)."""
    reqs = [tuple(r) + ("ok",) * (4 - len(r)) for r in reqs]
    requests = pd.DataFrame(reqs, columns=["instance_id", "start_s", "end_s", "status"])
    requests["instance_id"] = requests["instance_id"].astype("int64")
    requests["service_s"] = requests["end_s"] - requests["start_s"]
    inst = pd.DataFrame(list(instances), columns=["instance_id", "created_s", "ready_s", "retired_s", "provisioned"])
    inst["provisioned"] = inst["provisioned"].astype(bool)
    cfg = NS(platform="cloudrun", name="Cloud Run", vcpu=vcpu, memory_gib=memory_gib, billing=billing)
    return NS(config=cfg, requests=requests, instances=inst, window_s=window)


# ---------------------------------------------------------------- worked examples (facts.md s.2)
def test_tv1_lambda_legacy_example1_to_the_cent():
    page = lambda_cost(requests=3_000_000, duration_ms=1000, memory_mb=512, free_tier=True,
                       gb_s_price=prices.LAMBDA_PRICES["duration_x86_64_page_rounded"])
    compute = line(page, "duration").amount_usd + line(page, "free tier: first 400,000").amount_usd
    requests = line(page, "requests").amount_usd + line(page, "free tier: first 1,000,000").amount_usd
    assert line(page, "duration").quantity == 1_500_000
    assert cents(compute) == 18.34 and cents(requests) == 0.40
    assert cents(page.total_usd) == 18.74 and cents(page.monthly_usd) == 18.74
    exact = lambda_cost(requests=3_000_000, duration_ms=1000, memory_mb=512, free_tier=True)
    assert cents(exact.total_usd) == 18.73


def test_tv2_lambda_legacy_example2_derived():
    b = lambda_cost(requests=30_000_000, duration_ms=200, memory_mb=128, free_tier=True,
                    gb_s_price=prices.LAMBDA_PRICES["duration_x86_64_page_rounded"])
    assert line(b, "duration").quantity == 750_000
    assert cents(line(b, "duration").amount_usd + line(b, "free tier: first 400,000").amount_usd) == 5.83
    assert cents(line(b, "requests").amount_usd + line(b, "free tier: first 1,000,000").amount_usd) == 5.80
    assert cents(b.total_usd) == 11.63


def test_tv3_one_ms_billing_blog():
    assert billed_duration_ms(27.55) == 28 and billed_duration_ms(27.40, 100) == 100
    old = lambda_cost(requests=60_000_000, duration_ms=27.55, memory_mb=1024, rounding_ms=100)
    new = lambda_cost(requests=60_000_000, duration_ms=27.55, memory_mb=1024, rounding_ms=1)
    assert cents(line(new, "requests").amount_usd) == 12.00
    assert cents(line(old, "duration").amount_usd) == 100.00 and cents(line(new, "duration").amount_usd) == 28.00
    assert cents(old.total_usd) == 112.00 and cents(new.total_usd) == 40.00


def test_tv3_rounding_per_invocation_in_a_simulated_window():
    res = lambda_result([dict(service_s=0.02755)] * 1000, memory_mb=1024)
    assert line(bill(res), "duration").quantity == pytest.approx(28.0, abs=1e-9)          # 1000 x 28 ms x 1 GB
    assert line(bill(res, rounding_ms=100), "duration").quantity == pytest.approx(100.0, abs=1e-9)


def test_tv6_overlapping_requests_on_one_instance_are_one_half_second_slice():
    res = cloudrun_result([(0, 0.0, 0.25), (0, 0.12, 0.43)], [(0, 0.0, 0.0, np.nan, False)], window=(0.0, 0.43))
    b = bill(res)
    assert line(b, "CPU").quantity == pytest.approx(0.5)
    assert line(b, "memory").quantity == pytest.approx(0.25)
    assert line(b, "requests").quantity == 2
    assert b.total_usd == pytest.approx(0.5 * CR_CPU + 0.25 * CR_GIB + 2 * CR_REQ)
    by_hand = cloudrun_cost(vcpu_seconds=0.5, gib_seconds=0.25, requests=2)
    assert by_hand.total_usd == pytest.approx(b.total_usd)


# ---------------------------------------------------------------- Cloud Run interval billing
def test_overlap_is_never_double_billed():
    same = cloudrun_result([(0, 0.0, 1.0)] * 10, [(0, 0.0, 0.0, np.nan, False)])
    apart = cloudrun_result([(i, 0.0, 1.0) for i in range(10)], [(i, 0.0, 0.0, np.nan, False) for i in range(10)])
    assert line(bill(same), "CPU").quantity == pytest.approx(1.0)
    assert line(bill(apart), "CPU").quantity == pytest.approx(10.0)
    assert line(bill(same), "requests").quantity == line(bill(apart), "requests").quantity == 10


def _brute_force_billed_ms(intervals_ms):
    """Independent check on whole milliseconds: a slice starts at a busy ms and is rounded up to 100 ms;
    while the next busy run starts at or before the rounded end, the slice takes it in and is rounded again."""
    total = 0
    for iid in {i for i, _, _ in intervals_ms}:
        busy = np.zeros(max(e for i, _, e in intervals_ms if i == iid) + 2, dtype=bool)
        for i, s, e in intervals_ms:
            if i == iid:
                busy[s:e] = True
        idle_after = lambda k: k + int(np.argmin(busy[k:]))          # end of the busy run starting at k
        busy_from = lambda k: (k + int(np.argmax(busy[k:]))) if busy[k:].any() else None
        t = busy_from(0)
        while t is not None:
            e = idle_after(t)
            while True:
                rounded_end = t + -(-(e - t) // 100) * 100
                nxt = busy_from(e)
                if nxt is None or nxt > rounded_end:
                    break
                e = idle_after(nxt)
            total += rounded_end - t
            t = busy_from(rounded_end) if rounded_end < busy.size else None
    return total


@pytest.mark.parametrize("seed", range(20))
def test_request_based_time_is_the_union_of_busy_intervals_rounded_per_slice(seed):
    rng = np.random.default_rng(seed)
    n_inst, n_req = 4, 60
    created = rng.integers(0, 2000, n_inst)
    ready = created + rng.integers(0, 300, n_inst)
    iid = rng.integers(0, n_inst, n_req)
    start = ready[iid] + rng.integers(0, 5000, n_req)
    end = start + rng.integers(1, 400, n_req)
    intervals = list(zip(iid, start, end)) + list(zip(range(n_inst), created, ready))
    expected_s = _brute_force_billed_ms([(int(i), int(s), int(e)) for i, s, e in intervals]) / 1000
    res = cloudrun_result([(i, s / 1000, e / 1000) for i, s, e in zip(iid, start, end)] + [(-1, 1.0, 1.0, "throttled")],
                          [(i, created[i] / 1000, ready[i] / 1000, np.nan, False) for i in range(n_inst)],
                          vcpu=2.0, memory_gib=1.0, window=(0.0, 10.0))
    b = bill(res)
    assert line(b, "CPU").quantity == pytest.approx(2.0 * expected_s, abs=1e-9)
    assert line(b, "memory").quantity == pytest.approx(expected_s, abs=1e-9)
    assert line(b, "requests").quantity == n_req                       # the throttled one is not billed


def _integral_of_instance_count(created, end):
    times = np.r_[created, end]
    steps = np.r_[np.ones(len(created)), -np.ones(len(end))]
    order = np.argsort(times, kind="stable")
    count = np.cumsum(steps[order])
    return float(np.sum(count[:-1] * np.diff(times[order])))


@pytest.mark.parametrize("seed", range(10))
def test_instance_based_time_is_the_integral_of_the_instance_count(seed):
    rng = np.random.default_rng(seed)
    n, window_end = 30, 1000.0
    created = rng.integers(0, 9000, n) / 10                            # multiples of 0.1 s: no rounding
    life = rng.integers(1, 3000, n) / 10
    retired = np.where(rng.random(n) < 0.3, np.nan, np.minimum(created + life, window_end))
    alive_to = np.where(np.isnan(retired), window_end, retired)
    minimum_top_up = np.sum(np.where(np.isnan(retired), 0.0, np.maximum(60.0 - (alive_to - created), 0.0)))
    expected = _integral_of_instance_count(created, alive_to) + minimum_top_up
    res = cloudrun_result([(0, created[0], created[0] + 0.1)],
                          [(i, created[i], created[i], retired[i], False) for i in range(n)],
                          vcpu=4.0, memory_gib=2.0, billing="instance", window=(0.0, window_end))
    b = bill(res)
    assert line(b, "CPU").quantity == pytest.approx(4.0 * expected, rel=1e-12)
    assert line(b, "memory").quantity == pytest.approx(2.0 * expected, rel=1e-12)
    assert not b.lines["item"].str.startswith("requests").any()        # no request fee
    assert b.total_usd == pytest.approx(expected * (4.0 * 0.000018 + 2.0 * 0.000002))


def test_instance_based_one_minute_minimum():
    res = cloudrun_result([], [(0, 0.0, 0.0, 30.0, False), (1, 10.0, 10.0, np.nan, False)], billing="instance")
    assert line(bill(res), "CPU").quantity == pytest.approx(60.0 + 90.0)


def test_instance_based_minimum_applies_to_an_instance_retired_at_the_window_end():
    """Created at 80 s, retired at exactly 100 s (the window's end): alive 20 s, billed the 1-minute minimum."""
    res = cloudrun_result([], [(0, 80.0, 80.0, 100.0, False)], billing="instance", window=(0.0, 100.0))
    assert line(bill(res), "CPU").quantity == pytest.approx(60.0)


CR_IDLE = 0.0000025       # facts.md s.5: idle min-instance $ per vCPU-s and per GiB-s (UNVERIFIED older-page figure)


def test_idle_minimum_instance_billed_at_flagged_idle_rate():
    """A minimum instance idle for 99.7 s is billed at the idle rate; an idle non-minimum instance is not billed."""
    res = cloudrun_result([(0, 10.0, 10.25), (1, 20.0, 20.25)],
                          [(0, 0.0, 0.0, np.nan, True), (1, 0.0, 0.0, np.nan, False)], vcpu=2.0, memory_gib=1.0)
    b = bill(res)
    assert line(b, "CPU").quantity == pytest.approx(2 * 0.6)            # each 0.25 s -> 0.3 s, x 2 vCPU
    idle_cpu, idle_mem = line(b, "idle minimum instances: CPU"), line(b, "idle minimum instances: memory")
    assert idle_cpu.quantity == pytest.approx(2 * 99.7)                 # instance 0 only: 100 s - its 0.3 s slice
    assert idle_mem.quantity == pytest.approx(99.7)
    assert idle_cpu.unit_price_usd == idle_mem.unit_price_usd == CR_IDLE
    assert idle_cpu.amount_usd == pytest.approx(2 * 99.7 * CR_IDLE)
    assert b.total_usd == pytest.approx(2 * 0.3 * (2 * CR_CPU + CR_GIB) + 2 * CR_REQ + 3 * 99.7 * CR_IDLE)
    assert idle_cpu.flag.startswith("UNVERIFIED")
    assert "UNVERIFIED" in repr(b) and "<strong>UNVERIFIED" in b._repr_html_()


def test_busy_slices_merge_touching_and_contained_intervals():
    s = busy_slices([1, 1, 1, 0], [0.0, 1.0, 0.2, 5.0], [1.0, 2.0, 0.5, 6.0])
    assert s.values.tolist() == [[0, 5.0, 6.0], [1, 0.0, 2.0]]


def test_cloudrun_slices_within_one_rounding_step_are_billed_once():
    """Two 10 ms slices 10 ms apart fall in one rounded 100 ms slice; bridging them changes nothing."""
    inst = [(0, 0.0, 0.0, np.nan, False)]
    two = cloudrun_result([(0, 1.00, 1.01), (0, 1.02, 1.03)], inst)
    bridged = cloudrun_result([(0, 1.00, 1.01), (0, 1.02, 1.03), (0, 1.005, 1.025)], inst)
    apart = cloudrun_result([(0, 1.00, 1.01), (0, 1.20, 1.21)], inst)
    assert line(bill(two), "CPU").quantity == pytest.approx(0.1)
    assert line(bill(bridged), "CPU").quantity == pytest.approx(0.1)
    assert line(bill(apart), "CPU").quantity == pytest.approx(0.2)


def test_cloudrun_billed_time_lies_between_the_busy_union_and_alive_time_plus_one_step():
    """Billed time is at least the union of each instance's busy intervals (start-up included) and at most
    that union plus one 100 ms rounding step per merged slice, and never more than alive time plus a step."""
    from sim import CloudRunConfig, Fixed, Poisson, Workload, simulate
    res = simulate(Workload(Poisson(50), duration_s=300, cpu_ms=Fixed(20)), CloudRunConfig(), seed=1)
    inst, reqs = res.instances, res.requests[res.requests["instance_id"] >= 0]
    alive = (inst["retired_s"].fillna(res.window_s[1]) - inst["created_s"]).sum()
    u = busy_slices(np.r_[reqs["instance_id"], inst["instance_id"]], np.r_[reqs["start_s"], inst["created_s"]],
                    np.r_[reqs["end_s"], inst["ready_s"].fillna(res.window_s[1])])
    busy_union = (u.end_s - u.start_s).sum()
    billed = line(bill(res), "CPU").quantity / res.config.vcpu
    assert busy_union <= billed <= busy_union + 0.1 * len(u)
    assert billed <= alive + 0.1 * len(inst)


def test_cloudrun_tier2_requires_and_flags_user_prices():
    res = cloudrun_result([(0, 0.0, 1.0)], [(0, 0.0, 0.0, np.nan, False)])
    with pytest.raises(ValueError, match="tier2_prices"):
        bill(res, tier=2)
    t2 = dict(vcpu_s=0.0000336, gib_s=0.0000035, request=0.4e-6, idle_vcpu_s=0.0000035, idle_gib_s=0.0000035)
    b = bill(res, tier=2, tier2_prices=t2)
    assert line(b, "CPU").unit_price_usd == 0.0000336 and "UNVERIFIED" in line(b, "CPU").flag
    assert "Tier 2" in b.title


def test_cloudrun_free_tier_uses_tier1_prices_and_the_month():
    by_month = cloudrun_cost(vcpu_seconds=200_000, gib_seconds=100_000, requests=3_000_000, free_tier=True)
    assert by_month.total_usd == pytest.approx(20_000 * CR_CPU + 0 + 1_000_000 * CR_REQ)
    inst = cloudrun_cost(vcpu_seconds=200_000, gib_seconds=500_000, billing="instance", free_tier=True)
    assert inst.total_usd == pytest.approx(50_000 * 0.000002)


# ---------------------------------------------------------------- Lambda from a simulated window
def test_lambda_init_billed_on_cold_starts_and_switch_for_the_old_rule():
    reqs = [dict(service_s=0.1004, init_s=0.2, cold=True), dict(service_s=0.1004),
            dict(service_s=0.0, status="throttled", instance_id=-1)]
    now = bill(lambda_result(reqs, memory_mb=2048))
    before = bill(lambda_result(reqs, memory_mb=2048, init_billed=False))
    assert line(now, "duration").quantity == pytest.approx((0.301 + 0.101) * 2)
    assert line(before, "duration").quantity == pytest.approx((0.101 + 0.101) * 2)
    assert line(now, "requests").quantity == 2                           # throttled not billed


def test_lambda_arm_is_twenty_percent_cheaper():
    x86 = bill(lambda_result([dict(service_s=1.0)] * 10))
    arm = bill(lambda_result([dict(service_s=1.0)] * 10, architecture="arm64"))
    assert line(arm, "duration").amount_usd == pytest.approx(0.8 * line(x86, "duration").amount_usd, rel=1e-5)


def test_lambda_provisioned_concurrency_lines():
    reqs = [dict(service_s=0.25, provisioned=True), dict(service_s=0.1, init_s=0.2, cold=True, instance_id=2)]
    inst = [(0, 0.0, 0.5, np.nan, True), (1, 0.0, 0.5, np.nan, True), (2, 1.0, 1.2, np.nan, False)]
    res = lambda_result(reqs, pc=2, memory_mb=1024, window=(0.0, 3601.0), instances=inst)
    b = bill(res)
    assert line(b, "provisioned concurrency").quantity == 2 * 1.0 * 3900      # window rounded up to 5 min
    assert line(b, "duration on provisioned").quantity == pytest.approx(0.25)
    assert line(b, "duration on provisioned").unit_price_usd == 0.0000097222
    assert line(b, "INIT of provisioned").quantity == pytest.approx(1.0)
    assert line(b, "duration, on-demand").quantity == pytest.approx(0.3)   # spill-over at on-demand rate
    expected = 2 * P_REQ + 7800 * 0.0000041667 + 1.25 * 0.0000097222 + 0.3 * P_X86
    assert b.total_usd == pytest.approx(expected)
    free = bill(res, free_tier=True)                                        # not applicable with PC
    assert free.total_usd == b.total_usd and line(free, "free tier").amount_usd == 0


def test_lambda_volume_tiers():
    x86 = lambda_cost(requests=1e9, duration_ms=10_000, memory_mb=1024)              # 1e10 GB-s per month
    assert x86.total_usd == pytest.approx(6e9 * P_X86 + 4e9 * 0.000015 + 200.0)
    arm = lambda_cost(requests=1e9, duration_ms=20_000, memory_mb=1024, architecture="arm64")
    assert arm.total_usd == pytest.approx(7.5e9 * 0.0000133334 + 11.25e9 * 0.0000120001 + 1.25e9 * 0.0000106667 + 200)
    assert line(arm, "duration, on-demand arm64, volume tier 3").flag == "derived/UNVERIFIED"
    flat = lambda_cost(requests=1e9, duration_ms=10_000, memory_mb=1024, volume_tiers=False)
    assert flat.total_usd == pytest.approx(1e10 * P_X86 + 200.0)


def test_projection_applies_free_tier_and_tiers_to_the_month():
    hour = (0.0, 3600.0)
    small = bill(lambda_result([dict(service_s=0.1)] * 1000, window=hour), free_tier=True)
    assert small.total_usd == 0.0                  # 720k requests, 72k GB-s a month: inside the free tier
    big = bill(lambda_result([dict(service_s=1.0)] * 2000, window=hour), free_tier=True)
    monthly = 440_000 * P_REQ + 1_040_000 * P_X86
    assert big.monthly_usd == pytest.approx(monthly) and big.total_usd == pytest.approx(monthly / 720)
    assert "scaling the simulated window of 3,600.0 s linearly" in big.projection_note
    assert "Free tier and volume tiers (monthly) applied after scaling" in big.projection_note
    assert "No free tier" not in big.projection_note
    # Without the free tier the note says so, rather than claim one was applied.
    list_price = bill(lambda_result([dict(service_s=1.0)] * 2000, window=hour))
    assert list_price.monthly_usd == pytest.approx(1_440_000 * P_REQ + 1_440_000 * P_X86)   # 1 GB x 1 s each
    assert "Volume tiers (monthly) applied after scaling" in list_price.projection_note
    assert "Free tier" not in list_price.projection_note
    assert list_price.projection_note.endswith("No free tier applied (free_tier=True applies it).")
    tiered = bill(lambda_result([dict(service_s=100.0)] * 100_000, memory_mb=1024, window=hour))  # 7.2e9 GB-s/month
    assert tiered.monthly_usd == pytest.approx(720 * 1e5 * P_REQ + 6e9 * P_X86 + 1.2e9 * 0.000015)


def test_closed_form_rate_matches_lambda_cost():
    rate = lambda_cost_rate_per_s(rate_per_s=10.0, mean_billed_s=0.2, memory_mb=512)
    assert rate == pytest.approx(10 * (0.2 * 0.5 * P_X86 + P_REQ))
    b = lambda_cost(requests=10 * 86_400, duration_ms=200, memory_mb=512, period_s=86_400, volume_tiers=False)
    assert b.total_usd == pytest.approx(rate * 86_400)


# ---------------------------------------------------------------- rendering
def test_bill_renders_dates_sources_and_is_deterministic():
    b = lambda_cost(requests=3_000_000, duration_ms=1000, memory_mb=512, free_tier=True)
    text, page = repr(b), b._repr_html_()
    for needle in ("2020-12-01", "2026-11-27 (read; page undated)", prices.AWS_1MS_BLOG, "$18.73"):
        assert needle in text and needle.replace("&", "&amp;") in page
    assert page == lambda_cost(requests=3_000_000, duration_ms=1000, memory_mb=512, free_tier=True)._repr_html_()
    assert " id=" not in page and "0x" not in page
    assert list(b.lines.columns) == ["item", "quantity", "unit", "unit_price_usd", "amount_usd", "source", "as_of",
                                     "flag"]


def test_price_table_flags_unverified_figures():
    table = prices.price_table()
    unverified = set(table.loc[table["flag"].str.contains("UNVERIFIED"), "item"])
    assert {"idle_vcpu_s", "idle_gib_s"} <= unverified
    assert any("arm64_tier3" in item for item in unverified)
    assert (table["as_of"].str.len() > 0).all() and table["source"].str.startswith("http").all()
    undated = table["note"].str.startswith("date not shown on page")
    assert (table.loc[undated, "as_of"] == "2026-11-27").all()


# ---------------------------------------------------------------- properties
tolerance = lambda x: 1e-12 * max(1.0, abs(x))
requests_st = st.floats(0, 1e9, allow_nan=False)
duration_st = st.floats(0, 900_000, allow_nan=False)
memory_st = st.integers(128, 10_240)


def assert_never_negative_and_monotone(cost, pairs):
    """cost(lows) >= 0, and raising any one argument from the lower to the higher of its pair never lowers it."""
    pairs = [sorted(pair) for pair in pairs]
    lows = [low for low, _ in pairs]
    low = cost(*lows)
    assert low >= 0
    for k, (_, high) in enumerate(pairs):
        assert cost(*lows[:k], high, *lows[k + 1:]) >= low - tolerance(low)


@settings(max_examples=200, deadline=None)
@given(requests_st, requests_st, duration_st, duration_st, memory_st, memory_st, st.sampled_from(["x86_64", "arm64"]),
       st.booleans(), st.sampled_from([1, 100]))
def test_lambda_cost_never_negative_and_monotone(r1, r2, d1, d2, m1, m2, arch, free, rounding):
    cost = lambda r, d, m: lambda_cost(requests=r, duration_ms=d, memory_mb=m, architecture=arch, free_tier=free,
                                       rounding_ms=rounding).total_usd
    assert_never_negative_and_monotone(cost, [(r1, r2), (d1, d2), (m1, m2)])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0, 1e8), min_size=6, max_size=6), st.booleans(), st.sampled_from(["request", "instance"]))
def test_cloudrun_cost_never_negative_and_monotone(values, free, billing):
    cost = lambda c, g, r: cloudrun_cost(vcpu_seconds=c, gib_seconds=g, requests=r, billing=billing,
                                         free_tier=free).total_usd
    assert_never_negative_and_monotone(cost, [values[:2], values[2:4], values[4:]])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 10), st.floats(0, 2), st.booleans()), min_size=1, max_size=20),
       st.integers(0, 19), st.floats(0, 5), memory_st, memory_st, st.booleans(), st.floats(1, 1e6))
def test_simulated_lambda_bill_never_negative_and_monotone(reqs, k, extra_s, m1, m2, free, window_end):
    m1, m2 = sorted((m1, m2))
    base = [dict(service_s=s, init_s=i, cold=c) for s, i, c in reqs]
    cost = lambda rs, m: bill(lambda_result(rs, memory_mb=m, window=(0.0, window_end)), free_tier=free).total_usd
    low = cost(base, m1)
    longer = [dict(r) for r in base]
    longer[k % len(base)]["service_s"] += extra_s
    assert low >= 0
    for higher in (cost(base + [dict(service_s=extra_s)], m1), cost(longer, m1), cost(base, m2)):
        assert higher >= low - tolerance(low)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.floats(0, 50), st.floats(0, 5)), min_size=1, max_size=30),
       st.sampled_from([0.08, 0.5, 1.0, 2.0]), st.sampled_from([2.0, 4.0]), st.floats(0.1, 8), st.booleans(),
       st.sampled_from(["request", "instance"]))
def test_simulated_cloudrun_bill_never_negative_and_monotone_in_size(reqs, v1, v2, mem, free, billing):
    inst = [(i, 0.0, 0.5, np.nan, i == 0) for i in range(4)]
    make = lambda v, m: cloudrun_result([(i, 0.5 + s, 0.5 + s + d) for i, s, d in reqs], inst, vcpu=v,
                                        memory_gib=m, billing=billing)
    low = bill(make(v1, min(mem, 4.0)), free_tier=free).total_usd
    assert low >= 0
    assert bill(make(v2, min(mem, 4.0)), free_tier=free).total_usd >= low - tolerance(low)
    assert bill(make(v1, min(mem, 4.0) * 2), free_tier=free).total_usd >= low - tolerance(low)


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("kwargs, name", [
    (dict(requests=-1), "requests"), (dict(memory_mb=127), "memory_mb"), (dict(memory_mb=10_241), "memory_mb"),
    (dict(memory_mb=512.5), "memory_mb"), (dict(architecture="sparc"), "architecture"),
    (dict(duration_ms=-5), "duration_ms"), (dict(rounding_ms=10), "rounding_ms"), (dict(free_tier="yes"), "free_tier"),
    (dict(gb_s_price=0), "gb_s_price"), (dict(period_s=0), "period_s"), (dict(requests=float("nan")), "requests"),
])
def test_lambda_cost_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        lambda_cost(**(dict(requests=1, duration_ms=1, memory_mb=512) | kwargs))


@pytest.mark.parametrize("kwargs, name", [
    (dict(vcpu_seconds=-1), "vcpu_seconds"), (dict(gib_seconds=-0.1), "gib_seconds"), (dict(requests=-1), "requests"),
    (dict(billing="hourly"), "billing"), (dict(tier=3), "tier"), (dict(tier=2), "tier2_prices"),
    (dict(tier=2, tier2_prices=dict(vcpu_s=1.0)), "tier2_prices"),
    (dict(tier=2, tier2_prices=dict(vcpu_s=-1.0, gib_s=0, request=0, idle_vcpu_s=0, idle_gib_s=0)),
     r"tier2_prices\['vcpu_s'\]"),
    (dict(billing="instance", idle_vcpu_seconds=5), "idle_vcpu_seconds"),
])
def test_cloudrun_cost_rejects_bad_input(kwargs, name):
    with pytest.raises(ValueError, match=name):
        cloudrun_cost(**(dict(vcpu_seconds=1, gib_seconds=1) | kwargs))


def test_bill_rejects_bad_results():
    res = lambda_result([dict(service_s=1.0)])
    with pytest.raises(ValueError, match="platform"):
        bill(NS(config=NS(platform="azure"), requests=res.requests, instances=res.instances, window_s=(0, 1)))
    with pytest.raises(ValueError, match="memory_mb"):
        bill(lambda_result([dict(service_s=1.0)], memory_mb=64))
    with pytest.raises(ValueError, match="architecture"):
        bill(lambda_result([dict(service_s=1.0)], architecture="ppc"))
    with pytest.raises(ValueError, match="window_s"):
        bill(lambda_result([dict(service_s=1.0)], window=(5.0, 5.0)))
    with pytest.raises(ValueError, match="rate_per_s"):
        lambda_cost_rate_per_s(rate_per_s=-1, mean_billed_s=0.1, memory_mb=512)


# ---------------------------------------------------------------- against the simulator
@pytest.mark.parametrize("base_seed", [0, 1000])
def test_simulated_steady_lambda_bill_matches_closed_form(base_seed):
    """Independent replications: mean bill within 4 standard errors of lambda * T * (E[billed] GB p + fee)."""
    from sim import Exponential, Fixed, LambdaConfig, Poisson, Workload, simulate
    rate, duration_s, mean_ms, reps = 5.0, 600.0, 100.0, 30
    w = Workload(arrivals=Poisson(rate_per_s=rate), duration_s=duration_s, cpu_ms=Exponential(mean_ms=mean_ms),
                 io_ms=Fixed(ms=0.0), mode="sync")
    cfg = LambdaConfig(memory_mb=1769, init_ms=0.0)                     # >= 1769 MB: cpu_ms is not stretched
    totals = np.array([bill(simulate(w, cfg, seed=base_seed + i)).total_usd for i in range(reps)])
    mean_billed_ms = 1 / (1 - math.exp(-1 / mean_ms))                   # E[ceil(X)] for X ~ Exp(mean), in ms
    expected = lambda_cost_rate_per_s(rate, mean_billed_ms / 1000, 1769) * duration_s
    se = totals.std(ddof=1) / math.sqrt(reps)
    assert abs(totals.mean() - expected) < 4 * se, (totals.mean(), expected, se)


def test_simulated_cloudrun_bill_matches_brute_force_union():
    from sim import CloudRunConfig, Exponential, Fixed, Poisson, Workload, simulate
    w = Workload(arrivals=Poisson(rate_per_s=20.0), duration_s=120.0, cpu_ms=Exponential(mean_ms=50.0),
                 io_ms=Exponential(mean_ms=200.0), mode="sync")
    res = simulate(w, CloudRunConfig(startup_ms=300.0, max_concurrency=10), seed=3)
    req, inst = res.requests, res.instances
    intervals = {}
    for i, s, e in zip(req["instance_id"], req["start_s"], req["end_s"]):
        if i >= 0:
            intervals.setdefault(int(i), []).append((s, e))
    for i, c, r in zip(inst["instance_id"], inst["created_s"], inst["ready_s"]):
        intervals.setdefault(int(i), []).append((c, r))
    billed = 0.0
    for spans in intervals.values():
        spans.sort()
        cur_s, cur_e = spans[0]
        for s, e in spans[1:] + [(math.inf, math.inf)]:
            rounded_end = cur_s + math.ceil((cur_e - cur_s) * 10 - 1e-6) / 10
            if s > rounded_end:
                billed += rounded_end - cur_s
                cur_s, cur_e = s, e
            else:
                cur_e = max(cur_e, e)
    b = bill(res)
    assert line(b, "CPU").quantity == pytest.approx(billed * res.config.vcpu)
    assert line(b, "requests").quantity == (req["instance_id"] >= 0).sum()
    assert res.bill().total_usd == pytest.approx(b.total_usd)


def test_dates_say_when_a_page_was_undated_and_how_old_its_copy_was():
    b = lambda_cost(requests=3_000_000, duration_ms=1000, memory_mb=512, free_tier=True)
    assert b.price_dates == "2020-12-01 to 2026-11-27 (last: read date)"
    assert date_range(["2020-12-01", "2026-06-17"]) == "2020-12-01 to 2026-06-17"          # both pages dated
    assert date_range(["2026-11-27 (read; page undated)", "2026-11-27"]) == "2026-11-27 (last: read date)"
    idle = line(bill(cloudrun_result([(0, 10.0, 10.25)], [(0, 0.0, 0.0, np.nan, True)])), "idle minimum instances: CPU")
    assert idle.as_of == "2026-11-27 (read; page undated, older copy c. 2020-21)"


def test_a_given_duration_rate_replaces_the_volume_tiers_and_the_bill_says_only_what_it_applied():
    tv1 = lambda_cost(requests=3e6, duration_ms=1000, memory_mb=512, free_tier=True, rounding_ms=100,
                      gb_s_price=prices.LAMBDA_PRICES["duration_x86_64_page_rounded"])
    assert not tv1.volume_tiers and "free tier is applied to it." in tv1.projection_note
    assert lambda_cost(requests=3e6, duration_ms=1000, memory_mb=512, free_tier=True).volume_tiers


def test_arm_provisioned_concurrency_charge_is_flagged_as_a_derivation_beyond_the_facts():
    assert prices.LAMBDA_PRICES["pc_arm64"].flag == "derived/UNVERIFIED"       # facts.md: the 20% cut for PC duration only
    assert prices.LAMBDA_PRICES["pc_duration_arm64"].flag == "derived"


def test_html_bill_links_the_fact_sheet_sections_its_flags_cite():
    """The flag column's "facts.md s.N" is a link to that section of the fact sheet page in HTML; the text bill keeps
    the plain citation."""
    from sim import LambdaManagedInstancesConfig, Poisson, Workload, simulate
    from sim.display import facts_anchors
    b = bill(simulate(Workload(Poisson(rate_per_s=2.0), duration_s=100.0), LambdaManagedInstancesConfig(), seed=1))
    flag = line(b, "EC2 on-demand: minimum fleet").flag
    assert flag.startswith("UNVERIFIED") and flag.endswith("facts.md s.10)")
    assert flag in repr(b)
    assert (f'<strong>UNVERIFIED (3-instance minimum not in AWS docs, <a href="facts.html">facts.md</a> '
            f'<a href="facts.html#{facts_anchors()["10"]}">s.10</a>)</strong>') in b._repr_html_()
