"""Prices as data: every figure with its unit, source address, as-of date and confidence.

All figures come from docs/facts.md (section named next to each). `as_of` is the date the page
itself shows; where it shows none, the read date 2026-11-27 with the note "date not shown on page".
Figures that facts.md marks UNVERIFIED are flagged wherever they are printed (see `Price.flag`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import pandas as pd

from . import _check

#: A 30-day month in seconds: the period free tiers and volume tiers refer to.
MONTH_S = 30 * 86_400.0
READ_DATE = "2026-11-27"
NOT_SHOWN = "date not shown on page"
#: The note of prices read from an older copy of a page: the page is undated, and the copy is about five years old.
OLDER_COPY = "older copy c. 2020-21"

# Source addresses (facts.md sections 1, 1a, 2, 5, 10).
AWS_WHITEPAPER = "https://docs.aws.amazon.com/whitepapers/latest/how-aws-pricing-works/lambda.html"
AWS_PRICING = "https://aws.amazon.com/lambda/pricing/"
AWS_1MS_BLOG = "http://www.headinthecloud.qualitycloudsystems.com/2020/12/new-for-aws-lambda-1ms-billing.html"
AWS_TIERS_BLOG = "https://aws.amazon.com/blogs/compute/introducing-tiered-pricing-for-aws-lambda/"
AWS_GRAVITON_BLOG = ("https://aws.amazon.com/blogs/aws/aws-lambda-functions-powered-by-aws-graviton2-processor-"
                     "run-your-functions-on-arm-and-get-up-to-34-better-price-performance/")
CLOUDCHIPR = "https://cloudchipr.com/blog/aws-lambda-pricing"
API_EVANGELIST = ("https://raw.githubusercontent.com/api-evangelist/aws-lambda/refs/heads/main/plans/"
                  "aws-lambda-plans-pricing.yml")
MCRN_COST = "https://git.mcrn.ar/mariano/lambda_local_runner/src/branch/main/docs/lambdas-md/lambda-13-cost.md"
PC_FREE_TIER = "https://dashbird.io/knowledge-base/aws-lambda/provisioned-concurrency/"
GCP_PRICING = "https://cloud.google.com/run/pricing"
SHILKOV_2020 = "https://www.pulumi.com/blog/google-cloud-run-serverless-containers/"
EC2_PRICES = "https://www.factualminds.com/blog/amazon-ec2-on-demand-pricing-instance-families-2026/"
EC2_M5_M6I = "https://c3x.dev/blog/m5-vs-m6i-vs-m7i-cost-performance"


class _Sourced:
    """A figure read from a page: its `confidence` decides the flag a printed bill shows beside it."""
    confidence: str

    @property
    def flag(self) -> str:
        """Empty for a confirmed primary-source value, else its confidence (e.g. "UNVERIFIED ...")."""
        return "" if self.confidence == "confirmed" else self.confidence


@dataclass(frozen=True)
class Price(_Sourced):
    """One unit price (USD per `unit`) with where and when it was read."""
    value_usd: float
    unit: str
    source_url: str
    as_of: str
    confidence: str = "confirmed"
    note: str = ""

    @property
    def unverified(self) -> bool:
        return "UNVERIFIED" in self.confidence


@dataclass(frozen=True)
class Allowance(_Sourced):
    """A free-tier quantity per month (`amount` of `unit`)."""
    amount: float
    unit: str
    source_url: str
    as_of: str
    confidence: str = "confirmed"
    note: str = ""


def _sourced(kind, figure, unit, url, as_of=None, confidence="confirmed", note=""):
    """A Price or Allowance; as_of=None means the page showed no date, so the read date is used and said so."""
    if as_of is None:
        as_of, note = READ_DATE, (NOT_SHOWN + ("; " + note if note else ""))
    return kind(figure, unit, url, as_of, confidence, note)


def _p(value, unit, url, as_of=None, confidence="confirmed", note=""):
    return _sourced(Price, value, unit, url, as_of, confidence, note)


def _a(amount, unit, url, as_of=None, confidence="confirmed", note=""):
    return _sourced(Allowance, amount, unit, url, as_of, confidence, note)


# ---------------------------------------------------------------- AWS Lambda, on-demand (facts.md s.1)
LAMBDA_PRICES: dict[str, Price] = {
    # s.1 "Request price": $0.20 per 1M requests.
    "request": _p(0.20 / 1e6, "request", AWS_WHITEPAPER),
    # s.1 "Duration price, x86, first tier": $0.0000166667 per GB-s (1 ms billing blog, 2020-12-01).
    "duration_x86_64": _p(0.0000166667, "GB-s", AWS_1MS_BLOG, "2020-12-01"),
    # s.1 / s.2 TV-1: the same rate as the pricing page and whitepaper printed it, rounded.
    "duration_x86_64_page_rounded": _p(0.00001667, "GB-s", AWS_WHITEPAPER, None,
                                       note="rounded rate used in the page's legacy Example 1 (TV-1)"),
    # s.1 "Duration price, Arm, first tier": 0.8 x the x86 rate (Graviton2 launch blog's 20% rule).
    "duration_arm64": _p(0.0000133334, "GB-s", CLOUDCHIPR, "2024", "confirmed (secondary)",
                         "= 0.8 x x86 (Graviton2 blog, 2021-09-29)"),
    # s.1 "PC charge": per GB-s of configured concurrency, x86.
    "pc_x86_64": _p(0.0000041667, "GB-s configured", API_EVANGELIST, "2026-05", "confirmed (secondary)"),
    # s.1 "PC duration price": reduced duration rate on provisioned environments, x86.
    "pc_duration_x86_64": _p(0.0000097222, "GB-s", MCRN_COST, "2026-05-11", "confirmed (secondary)"),
    # s.1 Arm: "the same 20% cut applies to Provisioned Concurrency duration charges". facts.md says so for the
    # PC duration rate only, so the configured-concurrency charge below is a derivation beyond it: UNVERIFIED.
    # Dates: those of the x86 prices they are derived from (the Graviton blog gives the 20% rule, 2021-09-29).
    "pc_arm64": _p(0.0000033334, "GB-s configured", AWS_GRAVITON_BLOG, "2026-05", "derived/UNVERIFIED",
                   "0.8 x the x86 PC price (as of 2026-05); facts.md states the 20% cut for PC duration only"),
    "pc_duration_arm64": _p(0.0000077778, "GB-s", AWS_GRAVITON_BLOG, "2026-05-11", "derived",
                            "0.8 x the x86 PC duration price (as of 2026-05-11), Graviton blog's 20% rule"),
    # s.1 "Ephemeral storage price": per GB-s of configured storage above the free 512 MB (not modelled yet).
    "ephemeral_storage": _p(0.0000000309, "GB-s above 512 MB", API_EVANGELIST, "2026-05", "confirmed (secondary)"),
}

#: Volume tiers on monthly on-demand GB-s per architecture: (from GB-s per month, price) (facts.md s.1).
#: Boundaries from the tiered-pricing blog (no date shown); prices from cloudchipr 2024.
LAMBDA_TIERS: dict[str, tuple[tuple[float, Price], ...]] = {
    "x86_64": (
        (0.0, LAMBDA_PRICES["duration_x86_64"]),
        (6e9, _p(0.000015, "GB-s", CLOUDCHIPR, "2024", "confirmed (secondary)",
                 "tier 2: 6-15 billion GB-s/month, 10% off (tiered-pricing blog)")),
        (15e9, _p(0.000013334, "GB-s", CLOUDCHIPR, "2024", "confirmed (secondary)",
                  "tier 3: above 15 billion GB-s/month, 20% off (tiered-pricing blog)")),
    ),
    "arm64": (
        (0.0, LAMBDA_PRICES["duration_arm64"]),
        (7.5e9, _p(0.0000120001, "GB-s", CLOUDCHIPR, "2024", "confirmed (secondary)",
                   "tier 2: 7.5-18.75 billion GB-s/month, 10% off (tiered-pricing blog)")),
        # s.1: tier 3 Arm is not quoted anywhere read; 0.8 x tier 1.
        (18.75e9, _p(0.0000106667, "GB-s", CLOUDCHIPR, "2024", "derived/UNVERIFIED",
                     "tier 3: above 18.75 billion GB-s/month; 0.8 x tier 1, not a quoted figure")),
    ),
}
TIERS_SOURCE = AWS_TIERS_BLOG

#: Lambda free tier per month (facts.md s.1); it does not apply with Provisioned Concurrency enabled.
LAMBDA_FREE: dict[str, Allowance] = {
    "requests": _a(1_000_000, "requests", AWS_WHITEPAPER),
    "gb_s": _a(400_000, "GB-s", AWS_WHITEPAPER),
}
LAMBDA_FREE_NOT_WITH_PC = _a(0, "", PC_FREE_TIER, None, "confirmed (secondary)",
                             "free tier does not apply to functions with Provisioned Concurrency enabled")

# ---------------------------------------------------------------- Google Cloud Run services (facts.md s.5)
_CLOUDRUN_TIER1: dict[str, dict[str, Price]] = {
    "request": {
        # s.5 "Request-based, Tier 1, CPU".
        "vcpu_s": _p(0.000024, "vCPU-s", GCP_PRICING),
        # s.5 "Request-based, Tier 1, memory": older copy (c. 2020-21); current value confirmed (secondary).
        "gib_s": _p(0.0000025, "GiB-s", GCP_PRICING, None,
                    note=f"{OLDER_COPY}; current value confirmed (secondary) by cloudchipr 2025"),
        # s.5 "Request-based, requests": $0.40 per million.
        "request": _p(0.40 / 1e6, "request", SHILKOV_2020, "2020-02-04",
                      note="same figure on the current pricing page"),
        # s.5 "Idle min-instance price": older page figure; current rate UNVERIFIED (facts.md s.9 item 6).
        "idle_vcpu_s": _p(0.0000025, "vCPU-s idle", GCP_PRICING, None, "UNVERIFIED (older-page figure)",
                          OLDER_COPY),
        "idle_gib_s": _p(0.0000025, "GiB-s idle", GCP_PRICING, None, "UNVERIFIED (older-page figure)",
                         OLDER_COPY),
    },
    "instance": {
        # s.5 "Instance-based, Tier 1, CPU".
        "vcpu_s": _p(0.000018, "vCPU-s", GCP_PRICING),
        # s.5 "Instance-based, Tier 1, memory": quoted in a third-party note.
        "gib_s": _p(0.000002, "GiB-s", GCP_PRICING, "2026", "confirmed (secondary)"),
    },
}

#: Cloud Run free tier per month and billing account, "applied as a spending based discount using Tier 1
#: pricing" (facts.md s.5).
CLOUDRUN_FREE: dict[str, dict[str, Allowance]] = {
    "request": {
        "vcpu_s": _a(180_000, "vCPU-s", GCP_PRICING),
        "gib_s": _a(360_000, "GiB-s", GCP_PRICING),
        "requests": _a(2_000_000, "requests", GCP_PRICING),
    },
    "instance": {
        "vcpu_s": _a(240_000, "vCPU-s", GCP_PRICING, "2026-08", "confirmed (secondary)"),
        "gib_s": _a(450_000, "GiB-s", GCP_PRICING, "2026-08", "confirmed (secondary)"),
    },
}

TIER2_FLAG = "UNVERIFIED (Tier 2, user-supplied)"


def cloudrun_prices(billing: str = "request", tier: int = 1,
                    tier2_prices: Mapping[str, float] | None = None) -> dict[str, Price]:
    """The Cloud Run price table for a billing mode. Tier 2 prices are UNVERIFIED (facts.md s.5):
    they must be passed as `tier2_prices` with the same keys as the Tier 1 table, and are flagged."""
    _check.choice("billing", billing, ("request", "instance"))
    _check.number("tier", tier, low=1, high=2, integer=True)
    base = _CLOUDRUN_TIER1[billing]
    if tier == 1:
        if tier2_prices is not None:
            raise ValueError("tier2_prices is only allowed with tier=2")
        return dict(base)
    if tier2_prices is None:
        raise ValueError(f"tier=2 needs tier2_prices (Cloud Run Tier 2 prices are UNVERIFIED in facts.md s.5); "
                         f"expected a mapping with keys {sorted(base)}")
    if not isinstance(tier2_prices, Mapping) or set(tier2_prices) != set(base):
        raise ValueError(f"tier2_prices={tier2_prices!r} is not allowed; expected a mapping with keys {sorted(base)}")
    table = {}
    for key, tier1 in base.items():
        value = _check.number(f"tier2_prices[{key!r}]", tier2_prices[key], low=0)
        table[key] = Price(float(value), tier1.unit, GCP_PRICING + " (Tier 2: user-supplied)", READ_DATE,
                           TIER2_FLAG, "user-supplied Tier 2 price")
    return table


# ---------------------------------------------------------------- Lambda Managed Instances (facts.md s.10)
LMI_PRICES: dict[str, Price] = {
    "request": _p(0.20 / 1e6, "request", API_EVANGELIST, "2026-09-20", "confirmed (secondary)"),
    # value is a fraction, not USD: the management fee is 15% of the EC2 on-demand instance price.
    "management_fee": _p(0.15, "x EC2 on-demand price", API_EVANGELIST, "2026-09-20", "confirmed (secondary)",
                         "a fraction of the instance price, not a USD amount"),
}
#: EC2 on-demand prices, us-east-1, Linux, per instance-hour (facts.md s.10).
EC2_HOURLY: dict[str, Price] = {
    "m7g.large": _p(0.0816, "instance-hour", EC2_PRICES, "2026-06-17", "confirmed (secondary)"),
    "m7g.xlarge": _p(0.1632, "instance-hour", EC2_PRICES, "2026-06-17", "confirmed (secondary)"),
    "m7i.xlarge": _p(0.2016, "instance-hour", EC2_PRICES, "2026-06-17", "confirmed (secondary)"),
    "m5.xlarge": _p(0.192, "instance-hour", EC2_M5_M6I, "2026-06-17", "confirmed (secondary)"),
    "m6i.xlarge": _p(0.192, "instance-hour", EC2_M5_M6I, "2026-06-17", "confirmed (secondary)"),
}


def price_table() -> pd.DataFrame:
    """Every price and free-tier allowance above as one table (for printing in the book)."""
    rows = []

    def add(table, name, item):
        value = item.value_usd if isinstance(item, Price) else item.amount
        kind = "price (USD)" if isinstance(item, Price) else "free per month"
        rows.append(dict(table=table, item=name, kind=kind, value=value, unit=item.unit, as_of=item.as_of,
                         flag=item.flag, source=item.source_url, note=item.note))

    for name, price in LAMBDA_PRICES.items():
        add("Lambda", name, price)
    for arch, tiers in LAMBDA_TIERS.items():
        for k, (start, price) in enumerate(tiers, 1):
            add("Lambda volume tiers", f"duration_{arch}_tier{k} (from {start:,.0f} GB-s/month)", price)
    for name, allowance in LAMBDA_FREE.items():
        add("Lambda free tier", name, allowance)
    for billing, table in _CLOUDRUN_TIER1.items():
        for name, price in table.items():
            add(f"Cloud Run {billing}-based, Tier 1", name, price)
    for billing, table in CLOUDRUN_FREE.items():
        for name, allowance in table.items():
            add(f"Cloud Run {billing}-based free tier", name, allowance)
    for name, price in LMI_PRICES.items():
        add("Lambda Managed Instances", name, price)
    for name, price in EC2_HOURLY.items():
        add("EC2 on-demand (LMI)", name, price)
    return pd.DataFrame(rows)
