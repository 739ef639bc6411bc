"""The bill: itemised, dated and sourced costs of a simulated window, or of usage given directly.
How a bill is shown (text and HTML tables) is sim.bill_view's.

Prices live in `sim.prices` (facts.md sections 1, 1a, 5, 10). Three platforms: Lambda (per request and
GB-second), Cloud Run (per vCPU- and GiB-second and request) and Lambda Managed Instances (EC2
instance-hours at the on-demand price, a 15% management fee on them, and a per-request fee).
Free tiers and volume tiers are monthly, so they are applied to the window's usage scaled to a 30-day
month; each line then shows this window's pro-rata share, and `Bill.monthly_usd` is exactly `total_usd`
scaled linearly to the month.
"""
from __future__ import annotations

import math
from typing import Mapping

import numpy as np
import pandas as pd

from . import _check, bill_view
from .bill_view import READ_UNDATED, date_range  # noqa: F401  (date_range: also sim.billing's)
from .prices import (CLOUDRUN_FREE, EC2_HOURLY, LAMBDA_FREE, LAMBDA_FREE_NOT_WITH_PC, LAMBDA_PRICES, LAMBDA_TIERS,
                     LMI_PRICES, MONTH_S, NOT_SHOWN, OLDER_COPY, TIERS_SOURCE, Allowance, Price, cloudrun_prices)

ARCHITECTURES = ("x86_64", "arm64")
ROUNDINGS_MS = (1, 100)       # Lambda: 1 ms since 2020-12-01, 100 ms before (facts.md s.1, TV-3)
CLOUDRUN_SLICE_S = 0.1        # Cloud Run: each billable slice rounded up to 100 ms (facts.md s.5, TV-6)
INSTANCE_MIN_S = 60.0         # Cloud Run instance-based: "with a minimum of 1 minute" (facts.md s.5)
PC_PERIOD_S = 300.0           # Lambda PC: "rounded up to the nearest five minutes" (facts.md s.1)
_EPS = 1e-6                   # a millionth of a rounding step is float noise, not a new step

COLUMNS = ["item", "quantity", "unit", "unit_price_usd", "amount_usd", "source", "as_of", "flag"]
THROTTLED_LAMBDA = "throttled (429) requests are never invoked and are not billed (assumption)"
THROTTLED_LMI = "throttled (429) requests are not billed the request fee (assumption, as for Lambda)"
LMI_MIN_FLEET_FLAG = "UNVERIFIED (3-instance minimum not in AWS docs, facts.md s.10)"
THROTTLED_CLOUDRUN = ("requests throttled with 429 before reaching an instance are not billed (assumption: "
                      "facts.md s.5 says only that requests denied by IAM are not billed)")


def ceil_to(x, step: float) -> np.ndarray:
    """Round up to a multiple of `step`, elementwise; float noise below a millionth of a step is ignored."""
    return np.maximum(np.ceil(np.asarray(x, dtype=float) / step - _EPS), 0.0) * step


def billed_duration_ms(duration_ms, rounding_ms: int = 1) -> np.ndarray:
    """Lambda billed duration per invocation: rounded up to 1 ms, or 100 ms under the pre-December-2020 rule."""
    _check.choice("rounding_ms", rounding_ms, ROUNDINGS_MS)
    return ceil_to(duration_ms, rounding_ms)


class Bill:
    """Itemised lines (a DataFrame with COLUMNS), their total, and a 30-day-month projection."""

    def __init__(self, title: str, lines: list[dict], window_s: tuple[float, float], notes=(),
                 usage_label: str | None = None, *, free_tier: bool | None = None, volume_tiers: bool = False):
        self.title = title
        self.lines = pd.DataFrame(lines, columns=COLUMNS)
        self.window_s = (float(window_s[0]), float(window_s[1]))
        self.notes = tuple(notes)
        self._usage_label = usage_label
        self.free_tier = free_tier          # applied or not; None: the platform has none
        self.volume_tiers = volume_tiers    # monthly volume tiers applied

    @property
    def window_length_s(self) -> float:
        return self.window_s[1] - self.window_s[0]

    @property
    def total_usd(self) -> float:
        """Cost of the window (with its share of any monthly free tier or volume tier)."""
        return math.fsum(self.lines["amount_usd"])

    @property
    def monthly_usd(self) -> float:
        """The window's total scaled linearly to a 30-day month (2,592,000 s)."""
        return self.total_usd * MONTH_S / self.window_length_s

    @property
    def price_dates(self) -> str:
        """The dates of the bill's prices, "first to last" (each the date its page showed, or was read)."""
        return date_range(self.lines["as_of"])

    @property
    def window_label(self) -> str:
        return bill_view.window_label(self)

    @property
    def projection_note(self) -> str:
        """How the monthly figure was made, and which monthly allowances (free tier, volume tiers) it includes."""
        return bill_view.projection_note(self)

    def to_text(self) -> str:
        """A plain-text table (no optional dependencies)."""
        return bill_view.to_text(self)

    def __repr__(self) -> str:
        return self.to_text()

    def _repr_html_(self) -> str:
        return bill_view.to_html(self)


# ---------------------------------------------------------------- lines
def _as_of(item: Price | Allowance) -> str:
    """The date a price's page showed, or the date it was read if it showed none (and how old a copy it was)."""
    if not item.note.startswith(NOT_SHOWN):
        return item.as_of
    return f"{item.as_of} ({READ_UNDATED}{', ' + OLDER_COPY if OLDER_COPY in item.note else ''})"


def _line(item: str, quantity: float, price: Price, unit: str | None = None) -> dict:
    quantity = float(quantity)
    return dict(item=item, quantity=quantity, unit=unit or price.unit, unit_price_usd=price.value_usd,
                amount_usd=quantity * price.value_usd, source=price.source_url, as_of=_as_of(price),
                flag=price.flag)


def _free_line(allowance: Allowance, used: float, scale: float, price: Price, cap_usd: float) -> dict:
    """Minus this window's share of a monthly allowance, min(allowance, used x scale) / scale, never more
    than `cap_usd` (what the usage itself was charged)."""
    share = min(allowance.amount / scale, used)
    whose = "" if abs(scale - 1) < 1e-12 else " (window's share)"
    return dict(item=f"free tier: first {allowance.amount:,.0f} {allowance.unit}/month{whose}",
                quantity=-share, unit=allowance.unit, unit_price_usd=price.value_usd,
                amount_usd=-min(share * price.value_usd, cap_usd), source=allowance.source_url, as_of=_as_of(allowance),
                flag=allowance.flag)


def _tiered_lines(item: str, gb_s: float, tiers, scale: float) -> list[dict]:
    """Split usage across monthly volume tiers (applied to the usage scaled to a month)."""
    starts = [start for start, _ in tiers] + [np.inf]
    lines = []
    for k, (start, price) in enumerate(tiers):
        lo, hi = start / scale, starts[k + 1] / scale     # tier bounds in this window's units
        part = min(max(gb_s - lo, 0.0), hi - lo)
        if part > 0 or k == 0:
            upper = "" if np.isinf(starts[k + 1]) else f"{starts[k + 1] / 1e9:g}"
            span = f"{start / 1e9:g}-{upper}B GB-s/month" if upper else f"above {start / 1e9:g}B GB-s/month"
            line = _line(f"{item}, volume tier {k + 1} ({span})", part, price)
            if k > 0:
                line["source"] = f"{price.source_url} ; tiers: {TIERS_SOURCE}"
            lines.append(line)
    return lines


def _gb_s_price(gb_s_price, architecture: str) -> Price | None:
    if gb_s_price is None or isinstance(gb_s_price, Price):
        return gb_s_price
    value = _check.number("gb_s_price", gb_s_price, low=0, low_open=True)
    return Price(float(value), "GB-s", "user-supplied", "-", "user-supplied", f"{architecture} duration price")


def _lambda_lines(*, requests: float, od_gb_s: float, architecture: str, scale: float,
                  free_tier: bool, volume_tiers: bool, gb_s_price: Price | None,
                  pc: dict | None = None) -> list[dict]:
    request_price = LAMBDA_PRICES["request"]
    item = f"duration, on-demand {architecture}"
    lines = [_line("requests (invocations)", requests, request_price)]
    if gb_s_price is not None:
        lines.append(_line(item, od_gb_s, gb_s_price))
        first = gb_s_price
    elif volume_tiers:
        lines += _tiered_lines(item, od_gb_s, LAMBDA_TIERS[architecture], scale)
        first = LAMBDA_TIERS[architecture][0][1]
    else:
        first = LAMBDA_PRICES[f"duration_{architecture}"]
        lines.append(_line(item, od_gb_s, first))
    if pc:
        lines.append(_line(f"provisioned concurrency: {pc['n']} x {pc['gb']:g} GB configured for the window "
                           f"rounded up to 5 min", pc["configured_gb_s"], LAMBDA_PRICES[f"pc_{architecture}"]))
        lines.append(_line("duration on provisioned environments (reduced rate)", pc["duration_gb_s"],
                           LAMBDA_PRICES[f"pc_duration_{architecture}"]))
        init = _line("INIT of provisioned environments (billed; rate assumed = PC duration rate)",
                     pc["init_gb_s"], LAMBDA_PRICES[f"pc_duration_{architecture}"])
        init["flag"] = "assumption: rate"
        lines.append(init)
    if free_tier and pc:
        lines.append(dict(item="free tier: not applicable with Provisioned Concurrency enabled", quantity=0.0,
                          unit="", unit_price_usd=0.0, amount_usd=0.0,
                          source=LAMBDA_FREE_NOT_WITH_PC.source_url, as_of=_as_of(LAMBDA_FREE_NOT_WITH_PC),
                          flag=LAMBDA_FREE_NOT_WITH_PC.flag))
    elif free_tier:
        lines.append(_free_line(LAMBDA_FREE["requests"], requests, scale, request_price, lines[0]["amount_usd"]))
        charged = math.fsum(line["amount_usd"] for line in lines if line["item"].startswith("duration, on-demand"))
        lines.append(_free_line(LAMBDA_FREE["gb_s"], od_gb_s, scale, first, charged))
    return lines


def _cloudrun_lines(*, billing: str, vcpu_s: float, gib_s: float, requests: float, idle_vcpu_s: float,
                    idle_gib_s: float, scale: float, free_tier: bool, tier: int,
                    tier2_prices: Mapping[str, float] | None) -> list[dict]:
    prices = cloudrun_prices(billing, tier, tier2_prices)
    what = "busy + start-up time, 100 ms slices" if billing == "request" else "instance lifetime, min 1 min each"
    lines = [_line(f"CPU ({billing}-based: {what})", vcpu_s, prices["vcpu_s"]),
             _line(f"memory ({billing}-based: {what})", gib_s, prices["gib_s"])]
    if billing == "request":
        lines.append(_line("requests (reached an instance; 429-throttled not billed: assumption)",
                           requests, prices["request"]))
        if idle_vcpu_s > 0 or idle_gib_s > 0:
            lines.append(_line("idle minimum instances: CPU", idle_vcpu_s, prices["idle_vcpu_s"]))
            lines.append(_line("idle minimum instances: memory", idle_gib_s, prices["idle_gib_s"]))
    if free_tier:
        # The free tier is "a spending based discount using Tier 1 pricing" (facts.md s.5).
        tier1, free = cloudrun_prices(billing), CLOUDRUN_FREE[billing]
        lines.append(_free_line(free["vcpu_s"], vcpu_s, scale, tier1["vcpu_s"], lines[0]["amount_usd"]))
        lines.append(_free_line(free["gib_s"], gib_s, scale, tier1["gib_s"], lines[1]["amount_usd"]))
        if billing == "request":
            lines.append(_free_line(free["requests"], requests, scale, tier1["request"], lines[2]["amount_usd"]))
    return lines


def _period(period_s) -> tuple[float, float]:
    return (0.0, _check.real("period_s", period_s, low=0, low_open=True))


# ---------------------------------------------------------------- pricing usage given directly
def lambda_cost(*, requests, duration_ms, memory_mb, architecture: str = "x86_64", rounding_ms: int = 1,
                free_tier: bool = False, gb_s_price=None, volume_tiers: bool = True,
                period_s=MONTH_S) -> Bill:
    """Lambda on-demand bill for `requests` invocations of `duration_ms` each (each rounded up),
    over `period_s` (default: a 30-day month). `gb_s_price` (float or Price) overrides the duration rate,
    e.g. prices.LAMBDA_PRICES["duration_x86_64_page_rounded"] for the pricing page's legacy examples."""
    n = _check.real("requests", requests, low=0)
    duration_ms = _check.real("duration_ms", duration_ms, low=0, high=900_000)
    memory_mb = _check.real("memory_mb", memory_mb, low=128, high=10_240, integer=True)
    _check.choice("architecture", architecture, ARCHITECTURES)
    billed_ms = float(billed_duration_ms(duration_ms, rounding_ms))
    window = _period(period_s)
    gb_s = n * billed_ms / 1000 * memory_mb / 1024
    price = _gb_s_price(gb_s_price, architecture)
    volume_tiers = _check.flag("volume_tiers", volume_tiers) and price is None   # a given rate replaces the tiers
    lines = _lambda_lines(requests=n, od_gb_s=gb_s, architecture=architecture, scale=MONTH_S / window[1],
                          free_tier=_check.flag("free_tier", free_tier), volume_tiers=volume_tiers, gb_s_price=price)
    title = (f"AWS Lambda: {n:,.0f} requests x {duration_ms:g} ms (billed {billed_ms:g} ms) "
             f"at {memory_mb:g} MB, {architecture}")
    notes = [f"each invocation's duration rounded up to {rounding_ms} ms"]
    return Bill(title, lines, window, notes, usage_label=f"usage given for a period of {window[1]:,.0f} s",
                free_tier=bool(free_tier), volume_tiers=bool(volume_tiers))


def lambda_cost_rate_per_s(rate_per_s, mean_billed_s, memory_mb, architecture: str = "x86_64",
                           gb_s_price=None) -> float:
    """Closed form, USD per second of steady load: rate x (E[billed s] x GB x price + request fee);
    list (tier 1) prices, no free tier."""
    rate = _check.real("rate_per_s", rate_per_s, low=0)
    mean_s = _check.real("mean_billed_s", mean_billed_s, low=0)
    memory_mb = _check.real("memory_mb", memory_mb, low=128, high=10_240, integer=True)
    _check.choice("architecture", architecture, ARCHITECTURES)
    price = _gb_s_price(gb_s_price, architecture) or LAMBDA_PRICES[f"duration_{architecture}"]
    return rate * (mean_s * memory_mb / 1024 * price.value_usd + LAMBDA_PRICES["request"].value_usd)


def cloudrun_cost(*, vcpu_seconds, gib_seconds, requests=0, billing: str = "request", free_tier: bool = False,
                  tier: int = 1, tier2_prices: Mapping[str, float] | None = None, idle_vcpu_seconds=0.0,
                  idle_gib_seconds=0.0, period_s=MONTH_S) -> Bill:
    """Cloud Run bill for billable vCPU-seconds, GiB-seconds and requests over `period_s` (default a
    30-day month). Instance-based billing has no request fee; idle seconds exist only under request-based."""
    _check.choice("billing", billing, ("request", "instance"))
    vcpu_s = _check.real("vcpu_seconds", vcpu_seconds, low=0)
    gib_s = _check.real("gib_seconds", gib_seconds, low=0)
    n = _check.real("requests", requests, low=0)
    idle_vcpu = _check.real("idle_vcpu_seconds", idle_vcpu_seconds, low=0)
    idle_gib = _check.real("idle_gib_seconds", idle_gib_seconds, low=0)
    if billing == "instance" and (idle_vcpu or idle_gib):
        raise ValueError("idle_vcpu_seconds/idle_gib_seconds are only allowed with billing='request'")
    window = _period(period_s)
    lines = _cloudrun_lines(billing=billing, vcpu_s=vcpu_s, gib_s=gib_s, requests=n, idle_vcpu_s=idle_vcpu,
                            idle_gib_s=idle_gib, scale=MONTH_S / window[1], free_tier=_check.flag("free_tier", free_tier),
                            tier=tier, tier2_prices=tier2_prices)
    notes = [] if billing == "request" else ["instance-based billing has no per-request fee"]
    return Bill(f"Google Cloud Run ({billing}-based billing, Tier {tier})", lines, window, notes,
                usage_label=f"usage given for a period of {window[1]:,.0f} s", free_tier=bool(free_tier))


def _lmi_lines(*, instance_type: str, min_fleet_s: float, scaled_s: float, requests: float,
               min_instances: int | None) -> list[dict]:
    """EC2 on-demand instance-hours (the minimum fleet flagged UNVERIFIED, then the scaled-out instances),
    the management fee (15% of the EC2 on-demand price of the same hours) and the request fee."""
    hourly = EC2_HOURLY[instance_type]
    fee = LMI_PRICES["management_fee"]
    fee_price = Price(fee.value_usd * hourly.value_usd, "instance-hour", f"{fee.source_url} ; {hourly.source_url}",
                      fee.as_of, fee.confidence, f"{fee.value_usd:g} x the {instance_type} on-demand price")
    who = f"{min_instances} x {instance_type}" if min_instances is not None else instance_type
    minimum = _line(f"EC2 on-demand: minimum fleet ({who}, never scales to zero)", min_fleet_s / 3600, hourly)
    minimum["flag"] = LMI_MIN_FLEET_FLAG
    lines = [minimum,
             _line(f"EC2 on-demand: instances added by the scaler ({instance_type})", scaled_s / 3600, hourly),
             _line(f"management fee: {fee.value_usd:.0%} of the EC2 on-demand price", (min_fleet_s + scaled_s) / 3600,
                   fee_price),
             _line("requests (invocations; 429-throttled not billed: assumption)", requests, LMI_PRICES["request"])]
    return lines


def lmi_cost(*, instance_seconds, requests=0, instance_type: str = "m7g.large", min_fleet_seconds=0.0,
             period_s=MONTH_S) -> Bill:
    """Lambda Managed Instances bill for `instance_seconds` of EC2 instances (of which `min_fleet_seconds`
    belong to the minimum fleet) and `requests` invocations over `period_s` (default a 30-day month):
    instance-hours x on-demand price, plus 15% of that as the management fee, plus $0.20 per million requests.
    No free tier, Savings Plans or Reserved Instances."""
    total_s = _check.real("instance_seconds", instance_seconds, low=0)
    min_s = _check.real("min_fleet_seconds", min_fleet_seconds, low=0, high=total_s)
    n = _check.real("requests", requests, low=0)
    _check.choice("instance_type", instance_type, tuple(EC2_HOURLY))
    window = _period(period_s)
    lines = _lmi_lines(instance_type=instance_type, min_fleet_s=min_s, scaled_s=total_s - min_s, requests=n,
                       min_instances=None)
    return Bill(f"Lambda Managed Instances: {total_s / 3600:,.6g} {instance_type} instance-hours, "
                f"{n:,.0f} requests", lines, window, ["EC2 on-demand price, us-east-1, Linux; no Savings Plans"],
                usage_label=f"usage given for a period of {window[1]:,.0f} s")


def lmi_cost_rate_per_s(instances, rate_per_s=0.0, instance_type: str = "m7g.large") -> float:
    """Closed form, USD per second for a steady fleet of `instances` serving `rate_per_s` requests:
    instances x hourly price x 1.15 / 3600 + rate x request fee (on-demand, no Savings Plans)."""
    k = _check.real("instances", instances, low=0)
    rate = _check.real("rate_per_s", rate_per_s, low=0)
    _check.choice("instance_type", instance_type, tuple(EC2_HOURLY))
    hourly = EC2_HOURLY[instance_type].value_usd
    return k * hourly * (1 + LMI_PRICES["management_fee"].value_usd) / 3600 + rate * LMI_PRICES["request"].value_usd


# ---------------------------------------------------------------- billing a simulated Result
def busy_slices(instance_id, start_s, end_s) -> pd.DataFrame:
    """Maximal contiguous busy intervals per instance (the union of [start, end] intervals; touching
    intervals join). Vectorised: sort by instance then start, running max of end within an instance."""
    iid = np.asarray(instance_id, dtype=np.int64)
    start = np.asarray(start_s, dtype=float)
    end = np.asarray(end_s, dtype=float)
    if len(iid) == 0:
        return pd.DataFrame({"instance_id": iid, "start_s": start, "end_s": end})
    order = np.lexsort((start, iid))
    iid, start, end = iid[order], start[order], end[order]
    reach = pd.Series(end).groupby(iid).cummax().to_numpy()
    new = np.ones(len(iid), dtype=bool)
    new[1:] = (iid[1:] != iid[:-1]) | (start[1:] > reach[:-1])
    first = np.flatnonzero(new)
    last = np.r_[first[1:] - 1, len(iid) - 1]
    return pd.DataFrame({"instance_id": iid[first], "start_s": start[first], "end_s": reach[last]})


def rounded_slices(instance_id, start_s, end_s, step_s: float = CLOUDRUN_SLICE_S) -> pd.DataFrame:
    """Billable slices: a slice starts where an instance becomes busy and is rounded up to `step_s`;
    busy time that begins before that rounded end joins the slice, which is then rounded again.
    So no instant of an instance is billed twice. Assumption (facts.md TV-6, UNVERIFIED): rounding
    applies per billable slice."""
    busy = busy_slices(instance_id, start_s, end_s)
    out_iid, out_start, out_end = [], [], []
    cur = None
    for iid, start, end in zip(busy["instance_id"].tolist(), busy["start_s"].tolist(), busy["end_s"].tolist()):
        if cur is not None and iid == cur[0] and start <= cur[1] + max(math.ceil((cur[2] - cur[1]) / step_s - _EPS), 0) * step_s:
            cur[2] = max(cur[2], end)
            continue
        if cur is not None:
            out_iid.append(cur[0]), out_start.append(cur[1]), out_end.append(cur[2])
        cur = [iid, start, end]
    if cur is not None:
        out_iid.append(cur[0]), out_start.append(cur[1]), out_end.append(cur[2])
    start = np.asarray(out_start, dtype=float)
    rounded_end = start + ceil_to(np.asarray(out_end, dtype=float) - start, step_s)
    return pd.DataFrame({"instance_id": np.asarray(out_iid, dtype=np.int64), "start_s": start,
                         "end_s": rounded_end})


def bill(result, **options) -> Bill:
    """Bill a simulated Result (uses only result.config, .requests, .instances, .window_s).
    Options: free_tier (Lambda and Cloud Run), volume_tiers and rounding_ms (Lambda), tier and tier2_prices
    (Cloud Run); none for Lambda Managed Instances."""
    platform = _check.choice("result.config.platform", result.config.platform, ("lambda", "cloudrun", "lmi"))
    return {"lambda": lambda_bill, "cloudrun": cloudrun_bill, "lmi": lmi_bill}[platform](result, **options)


def _window(result) -> tuple[float, float]:
    t0, t1 = (float(t) for t in result.window_s)
    if not t1 > t0:
        raise ValueError(f"result.window_s={result.window_s!r} is not allowed; expected (start, end) with end > start")
    return t0, t1


def lambda_bill(result, *, free_tier: bool = False, volume_tiers: bool = True, rounding_ms: int = 1) -> Bill:
    """Lambda bill of a simulated window: request fee for every invocation (not throttled ones); on-demand
    GB-s = ceil(service [+ INIT if cold and config.init_billed]) per invocation; with provisioned
    concurrency, configured GB-s (window rounded up to 5 min), the reduced rate for requests served by
    provisioned environments, and their INIT."""
    cfg = result.config
    _check.choice("rounding_ms", rounding_ms, ROUNDINGS_MS)
    t0, t1 = _window(result)
    req, inst = result.requests, result.instances
    usage = lambda_usage(cfg, invoked=(req["status"] != "throttled").to_numpy(dtype=bool),
                         provisioned=req["provisioned"].to_numpy(dtype=bool),
                         service_s=req["service_s"].to_numpy(dtype=float), cold=req["cold"].to_numpy(dtype=bool),
                         init_s=req["init_s"].to_numpy(dtype=float),
                         instance_provisioned=inst["provisioned"].to_numpy(dtype=bool),
                         created_s=inst["created_s"].to_numpy(dtype=float),
                         ready_s=inst["ready_s"].fillna(t1).to_numpy(dtype=float), rounding_ms=rounding_ms)
    return lambda_usage_bill(cfg, usage, (t0, t1), free_tier=free_tier, volume_tiers=volume_tiers,
                             rounding_ms=rounding_ms)


def lambda_usage(cfg, *, invoked, provisioned, service_s, cold, init_s, instance_provisioned, created_s, ready_s,
                 rounding_ms: int = 1) -> dict:
    """What a Lambda bill counts, from per-request arrays (the requests to bill) and per-instance arrays
    (the environments to bill; `ready_s` with the window's end where an environment never got ready):
    invocations, on-demand ms (each rounded up), and, on provisioned environments, ms and INIT ms."""
    init_billed = _check.flag("init_billed", cfg.init_billed)
    provisioned = provisioned & invoked
    on_demand = invoked & ~provisioned
    service_ms = service_s * 1000
    init_ms = np.where(cold, init_s * 1000, 0.0)
    od_ms = ceil_to(service_ms[on_demand] + (init_ms[on_demand] if init_billed else 0.0), rounding_ms).sum()
    pc_ms = ceil_to(service_ms[provisioned], rounding_ms).sum()
    pc_init_ms = ceil_to((ready_s[instance_provisioned] - created_s[instance_provisioned]) * 1000, rounding_ms).sum()
    return dict(requests=float(invoked.sum()), od_ms=float(od_ms), pc_ms=float(pc_ms), pc_init_ms=float(pc_init_ms))


def lambda_usage_bill(cfg, usage: Mapping[str, float], window_s: tuple[float, float], *, free_tier: bool = False,
                      volume_tiers: bool = True, rounding_ms: int = 1) -> Bill:
    """The Lambda bill of `usage` (as lambda_usage counts it, summed over any parts of the window) over
    `window_s`: the lines, notes and title of lambda_bill."""
    memory_mb = _check.real("memory_mb", cfg.memory_mb, low=128, high=10_240, integer=True)
    architecture = _check.choice("architecture", cfg.architecture, ARCHITECTURES)
    n_pc = int(_check.real("provisioned_concurrency", cfg.provisioned_concurrency, low=0, integer=True))
    init_billed = _check.flag("init_billed", cfg.init_billed)
    _check.choice("rounding_ms", rounding_ms, ROUNDINGS_MS)
    t0, t1 = window_s
    gb = memory_mb / 1024
    pc = None
    if n_pc > 0:
        pc = dict(n=n_pc, gb=gb, configured_gb_s=n_pc * gb * float(ceil_to(t1 - t0, PC_PERIOD_S)),
                  duration_gb_s=usage["pc_ms"] / 1000 * gb, init_gb_s=usage["pc_init_ms"] / 1000 * gb)
    lines = _lambda_lines(requests=usage["requests"], od_gb_s=usage["od_ms"] / 1000 * gb, architecture=architecture,
                          scale=MONTH_S / (t1 - t0), free_tier=_check.flag("free_tier", free_tier),
                          volume_tiers=_check.flag("volume_tiers", volume_tiers), gb_s_price=None, pc=pc)
    notes = [f"each invocation's duration rounded up to {rounding_ms} ms; "
             + ("INIT billed on cold starts (rule since 2025-08-01)" if init_billed else
                "INIT not billed on on-demand cold starts (pre-2025-08-01 rule for ZIP managed runtimes)"),
             THROTTLED_LAMBDA]
    if volume_tiers:
        notes.append("volume tiers applied to this function's projected monthly on-demand GB-s alone "
                     "(AWS aggregates per architecture, region and account)")
    name = getattr(cfg, "name", "Lambda")
    title = f"AWS Lambda bill: {name} ({memory_mb:g} MB, {architecture}" + \
        (f", provisioned concurrency {n_pc})" if n_pc else ")")
    return Bill(title, lines, (t0, t1), notes, free_tier=bool(free_tier), volume_tiers=bool(volume_tiers))


def cloudrun_bill(result, *, free_tier: bool = False, tier: int = 1,
                  tier2_prices: Mapping[str, float] | None = None) -> Bill:
    """Cloud Run bill of a simulated window. Request-based: per instance, the union of request intervals and
    start-up (created_s to ready_s), in slices rounded up to 100 ms (rounded_slices), plus a fee per request that
    reached an instance, plus idle minimum instances (alive time not billed as busy) at the idle rate.
    Instance-based: each instance's lifetime in the window (min 1 minute once retired), no request fee."""
    t0, t1 = _window(result)
    req, inst = result.requests, result.instances
    usage = cloudrun_usage(result.config, (t0, t1), **_instance_arrays(inst),
                           request_instance_id=req["instance_id"].to_numpy(dtype=np.int64),
                           start_s=req["start_s"].to_numpy(dtype=float), end_s=req["end_s"].to_numpy(dtype=float))
    return cloudrun_usage_bill(result.config, usage, (t0, t1), free_tier=free_tier, tier=tier,
                               tier2_prices=tier2_prices)


def _instance_arrays(inst) -> dict:
    return dict(instance_id=inst["instance_id"].to_numpy(dtype=np.int64),
                created_s=inst["created_s"].to_numpy(dtype=float), ready_s=inst["ready_s"].to_numpy(dtype=float),
                retired_s=inst["retired_s"].to_numpy(dtype=float),
                instance_provisioned=inst["provisioned"].to_numpy(dtype=bool))


def alive_in(created_s, retired_s, run_s: tuple[float, float], core_s: tuple[float, float] | None = None
             ) -> np.ndarray:
    """Each instance's time alive (created_s to retirement, or the run's end) within `core_s` (default: the
    whole run `run_s`)."""
    t0, t1 = run_s
    lo, hi = core_s or run_s
    end_alive = np.minimum(np.where(np.isnan(retired_s), t1, retired_s), t1)
    return np.maximum(np.minimum(end_alive, hi) - np.maximum(created_s, max(lo, t0)), 0.0)


def cloudrun_usage(cfg, run_s: tuple[float, float], *, instance_id, created_s, ready_s, retired_s,
                   instance_provisioned, request_instance_id, start_s, end_s, core_s=None, counted=None) -> dict:
    """What a Cloud Run bill counts over a run `run_s` = (start, end), from its per-request arrays (every
    request, so that busy slices are whole; `counted` marks the requests to bill, default all) and
    per-instance arrays: billable instance-seconds, billed requests and idle seconds of minimum instances.
    `core_s` = (lo, hi) bills only that part of the run: slices that start in it, alive time inside it, the
    1-minute minimum of instance-based billing where an instance is retired in it."""
    billing = _check.choice("billing", cfg.billing, ("request", "instance"))
    t0, t1 = run_s
    lo, hi = core_s or (t0, math.inf)
    alive_s = alive_in(created_s, retired_s, run_s, (lo, min(hi, t1)) if core_s else None)
    placed = request_instance_id >= 0
    if billing == "request":
        ready = np.minimum(np.where(np.isnan(ready_s), t1, ready_s), t1)
        slices = rounded_slices(np.r_[request_instance_id[placed], instance_id], np.r_[start_s[placed], created_s],
                                np.r_[end_s[placed], ready])
        starts = slices["start_s"].to_numpy()
        billed = (slices["end_s"] - slices["start_s"]).to_numpy()
        slice_iid = slices["instance_id"].to_numpy()
        if core_s:
            inside = (starts >= lo) & (starts < hi)
            billed, slice_iid = billed[inside], slice_iid[inside]
        busy_by_instance = pd.Series(billed).groupby(slice_iid).sum()
        busy = busy_by_instance.reindex(instance_id, fill_value=0.0).to_numpy()
        idle_s = np.maximum(alive_s - busy, 0.0)[instance_provisioned].sum()
        instance_s = float(billed.sum())
        n_requests = float((placed & counted).sum() if counted is not None else placed.sum())
    else:
        retired_in_window = ~np.isnan(retired_s) & (retired_s <= t1)
        billed = ceil_to(alive_s, CLOUDRUN_SLICE_S)
        whole = np.where(retired_in_window, np.maximum(billed, INSTANCE_MIN_S), billed)
        if core_s:   # an instance alive before the core: its part here, topped up to a minute if retired here
            life = ceil_to(alive_in(created_s, retired_s, run_s), CLOUDRUN_SLICE_S)
            topped = billed + np.where(retired_in_window & (retired_s >= lo) & (retired_s < hi),
                                       np.maximum(INSTANCE_MIN_S - life, 0.0), 0.0)
            whole = np.where(created_s >= lo, np.where(retired_in_window & (retired_s < hi), whole, billed), topped)
        instance_s, n_requests, idle_s = float(whole.sum()), 0.0, 0.0
    return dict(instance_s=instance_s, requests=n_requests, idle_s=float(idle_s))


def cloudrun_usage_bill(cfg, usage: Mapping[str, float], window_s: tuple[float, float], *, free_tier: bool = False,
                        tier: int = 1, tier2_prices: Mapping[str, float] | None = None) -> Bill:
    """The Cloud Run bill of `usage` (as cloudrun_usage counts it, summed over any parts of the window) over
    `window_s`: the lines, notes and title of cloudrun_bill."""
    vcpu = _check.real("vcpu", cfg.vcpu, low=0.08, high=8)
    memory_gib = _check.real("memory_gib", cfg.memory_gib, low=0, low_open=True, high=32)
    billing = _check.choice("billing", cfg.billing, ("request", "instance"))
    t0, t1 = window_s
    instance_s, idle_s = usage["instance_s"], usage["idle_s"]
    if billing == "request":
        notes = [THROTTLED_CLOUDRUN, "shutdown time is not simulated, so not billed",
                 "idle time of minimum instances = alive time minus billed busy time, not rounded"]
    else:
        notes = ["instance-based billing has no per-request fee",
                 "the 1-minute minimum applies to instances retired within the window"]
    lines = _cloudrun_lines(billing=billing, vcpu_s=instance_s * vcpu, gib_s=instance_s * memory_gib,
                            requests=usage["requests"], idle_vcpu_s=idle_s * vcpu, idle_gib_s=idle_s * memory_gib,
                            scale=MONTH_S / (t1 - t0), free_tier=_check.flag("free_tier", free_tier), tier=tier,
                            tier2_prices=tier2_prices)
    name = getattr(cfg, "name", "Cloud Run")
    title = f"Google Cloud Run bill: {name} ({vcpu:g} vCPU, {memory_gib:g} GiB, {billing}-based, Tier {tier})"
    return Bill(title, lines, (t0, t1), notes, free_tier=bool(free_tier))


def lmi_bill(result) -> Bill:
    """Lambda Managed Instances bill of a simulated window: each instance's time alive in the window (from
    launch, created_s, to retirement or the window's end; per second, no rounding) at the EC2 on-demand
    hourly price / 3600, plus the 15% management fee on it, plus the request fee for every request that was
    not throttled. The minimum fleet (instances marked provisioned) is its own line, flagged UNVERIFIED."""
    t0, t1 = _window(result)
    req, inst = result.requests, result.instances
    usage = lmi_usage(inst["created_s"].to_numpy(dtype=float), inst["retired_s"].to_numpy(dtype=float),
                      inst["provisioned"].to_numpy(dtype=bool), (req["status"] != "throttled").to_numpy(dtype=bool),
                      (t0, t1))
    return lmi_usage_bill(result.config, usage, (t0, t1))


def lmi_usage(created_s, retired_s, instance_provisioned, invoked, run_s: tuple[float, float], core_s=None) -> dict:
    """What a Lambda Managed Instances bill counts: seconds alive (within `core_s`, default the whole run) of
    the minimum fleet and of the other instances, and invocations (the requests in `invoked` that were)."""
    alive_s = alive_in(created_s, retired_s, run_s, core_s)
    return dict(min_fleet_s=math.fsum(alive_s[instance_provisioned]), scaled_s=math.fsum(alive_s[~instance_provisioned]),
                requests=float(invoked.sum()))


def lmi_usage_bill(cfg, usage: Mapping[str, float], window_s: tuple[float, float]) -> Bill:
    """The Lambda Managed Instances bill of `usage` (as lmi_usage counts it, summed over any parts of the
    window) over `window_s`: the lines, notes and title of lmi_bill."""
    instance_type = _check.choice("instance_type", cfg.instance_type, tuple(EC2_HOURLY))
    min_instances = int(_check.real("min_instances", cfg.min_instances, low=1, integer=True))
    lines = _lmi_lines(instance_type=instance_type, min_fleet_s=usage["min_fleet_s"], scaled_s=usage["scaled_s"],
                       requests=usage["requests"], min_instances=min_instances)
    notes = [THROTTLED_LMI,
             "instances billed per second from launch to retirement (EC2's per-instance minimum not modelled)",
             "EC2 on-demand price, us-east-1, Linux; Savings Plans and Reserved Instances (which apply) not modelled"]
    name = getattr(cfg, "name", "Lambda MI")
    title = (f"AWS Lambda Managed Instances bill: {name} ({instance_type}, min {min_instances} instances, "
             f"{cfg.max_concurrency} slots each)")
    return Bill(title, lines, window_s, notes)


#: How each platform's bill is made from usage: (usage from arrays, bill from usage).
USAGE_BILLS = {"lambda": lambda_usage_bill, "cloudrun": cloudrun_usage_bill, "lmi": lmi_usage_bill}
