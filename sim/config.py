"""Platform configurations: frozen dataclasses whose field names carry their units.

Defaults and ranges come from docs/facts.md (the fact sheet, also the book page chapters/facts.md); the section is named next to each one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import _check
from ._check import Choice, Flag, Range
from .catalogue import EC2_INSTANCE_TYPES, InstanceType  # noqa: F401  (InstanceType: also sim.config's)
from .coldstart import CLOUD_RUN_PROFILES, RUNTIMES

DISPATCH_POLICIES = ("most_recently_freed", "oldest_idle_first", "random")

#: Lambda gives one vCPU-equivalent at 1,769 MB; CPU scales with memory (facts.md s.3).
LAMBDA_MB_PER_VCPU = 1769.0


@dataclass(frozen=True)
class LambdaConfig:
    """An AWS Lambda function (on-demand, one request per execution environment)."""
    name: str = "Lambda"
    memory_mb: int = 512                  # 128-10,240 MB in 1 MB steps (facts.md s.1)
    architecture: str = "x86_64"          # or "arm64": duration 20% cheaper (facts.md s.1)
    runtime: str = "python"
    package_mb: float = 0.5               # zipped deployment package; 50 MB limit (facts.md s.3)
    keep_alive_s: float = 360.0           # undocumented; measured 5-7 min (Shilkov 2021, facts.md s.4, s.9)
    concurrency_limit: int = 1000         # account default 1,000 per region (facts.md s.3)
    scale_up_per_10s: int = 1000          # 1,000 new environments per 10 s per function (facts.md s.3)
    provisioned_concurrency: int = 0
    dispatch: str = "most_recently_freed"
    timeout_s: float = 900.0              # maximum 900 s (facts.md s.3)
    init_billed: bool = True              # INIT billed on cold starts since 2025-08-01 (facts.md s.1a)
    init_ms: float | None = None          # None: drawn from the runtime profile; a number fixes it
    # A connection pooler (RDS Proxy-like) with this many database connections shared by every environment:
    # each request's I/O is a query that waits, first come first served, for one of them (sim.connection_pool).
    # None: each environment holds its own connection and never waits for one.
    pooler_max_connections: int | None = None

    platform: ClassVar[str] = "lambda"
    #: What each field accepts (sim._check): the validation and the sliders' bounds (sim.widgets) read it.
    FIELD_RANGES: ClassVar[dict] = {
        "memory_mb": Range(128, 10_240, integer=True),
        "architecture": Choice(("x86_64", "arm64")),
        "runtime": Choice(RUNTIMES),
        "package_mb": Range(0, 50),
        "keep_alive_s": Range(0, 86_400),
        "concurrency_limit": Range(1, 100_000, integer=True),
        "scale_up_per_10s": Range(1, 10_000_000, integer=True),
        "provisioned_concurrency": Range(0, "concurrency_limit", integer=True),
        "dispatch": Choice(DISPATCH_POLICIES),
        "timeout_s": Range(0.001, 900),
        "init_billed": Flag(),
        "init_ms": Range(0, 10_000, optional=True),
        "pooler_max_connections": Range(1, 1_000_000, integer=True, optional=True),
    }

    def __post_init__(self):
        _check.fields(self)

    @property
    def memory_gb(self) -> float:
        """Memory in GB as Lambda bills it (MB / 1024)."""
        return self.memory_mb / 1024

    @property
    def cpu_slowdown(self) -> float:
        """How much longer CPU work takes than on one full vCPU: max(1, 1769 / memory_mb)."""
        return max(1.0, LAMBDA_MB_PER_VCPU / self.memory_mb)


#: Cloud Run memory ceiling per vCPU count (facts.md s.6, configuring/cpu).
CLOUD_RUN_MAX_GIB = {1: 4, 2: 8, 4: 16, 6: 24, 8: 32}
CLOUD_RUN_MIN_GIB = {4: 2, 6: 4, 8: 4}    # facts.md s.6: "4 vCPU 2-16 GiB, 6 vCPU 4-24 GiB, 8 vCPU 4-32 GiB"


def _max_gib(vcpu: float) -> float:
    """Most memory a Cloud Run instance with `vcpu` vCPUs may have (4 GiB up to 1 vCPU)."""
    return CLOUD_RUN_MAX_GIB.get(vcpu, 4) if vcpu >= 1 else 4


def _min_gib(vcpu: float) -> float:
    """Least memory a Cloud Run instance with `vcpu` vCPUs may have (0, excluded, below 4 vCPUs)."""
    return CLOUD_RUN_MIN_GIB.get(vcpu, 0)


@dataclass(frozen=True)
class CloudRunConfig:
    """A Google Cloud Run service: container instances that each serve up to `max_concurrency` requests."""
    name: str = "Cloud Run"
    vcpu: float = 1.0                     # 0.08-1, or 2, 4, 6, 8 (facts.md s.6)
    memory_gib: float = 0.5
    max_concurrency: int = 80             # default 80, maximum 1,000 (facts.md s.6)
    min_instances: int = 0                # default 0 (facts.md s.6)
    max_instances: int = 100              # default 100 (facts.md s.6)
    runtime: str = "python"
    startup_cpu_boost: bool = False
    idle_timeout_s: float = 900.0         # 15 min, confirmed only for surges: a parameter (facts.md s.6, s.9)
    pending_timeout_s: float = 10.0       # pending queue, then 429, or longer: max(this, mean start-up) (facts.md s.6)
    request_timeout_s: float = 300.0      # default 300 s, maximum 3,600 s (facts.md s.6)
    autoscale_period_s: float = 5.0       # "every 5 seconds" in older docs (facts.md s.6)
    autoscale_window_s: float = 60.0      # one-minute window (facts.md s.6)
    target_cpu_utilization: float = 0.6   # 60% (facts.md s.6); configurable 0.1-0.9
    target_concurrency_utilization: float = 0.6
    billing: str = "request"              # "request" (default) or "instance" (facts.md s.5)
    connections_per_instance: int = 5     # the app's own pool size: a design choice, not a platform fact
    db_pool: bool = False                 # True: each request's I/O is a query on one of those connections,
                                          # waited for first come first served when all are in use
    startup_ms: float | None = None       # None: drawn from the runtime profile; a number fixes it

    platform: ClassVar[str] = "cloudrun"
    #: What each field accepts (sim._check): the validation and the sliders' bounds (sim.widgets) read it.
    #: Memory's bounds depend on the vCPUs (facts.md s.6).
    FIELD_RANGES: ClassVar[dict] = {
        "vcpu": Range(0.08, 8),
        "memory_gib": Range(lambda c: _min_gib(c.vcpu), lambda c: _max_gib(c.vcpu),
                            low_open=lambda c: _min_gib(c.vcpu) == 0),
        "max_concurrency": Range(1, 1000, integer=True),
        "max_instances": Range(1, 1000, integer=True),
        "min_instances": Range(0, "max_instances", integer=True),
        "runtime": Choice(RUNTIMES),
        "startup_cpu_boost": Flag(),
        "idle_timeout_s": Range(0, 86_400),
        "pending_timeout_s": Range(0, 3_600),
        "request_timeout_s": Range(0.001, 3_600),
        "autoscale_period_s": Range(0.1, 600),
        "autoscale_window_s": Range("autoscale_period_s", 3_600),
        "target_cpu_utilization": Range(0.1, 0.9),
        "target_concurrency_utilization": Range(0.1, 0.95),
        "billing": Choice(("request", "instance")),
        "connections_per_instance": Range(1, 1000, integer=True),
        "db_pool": Flag(),
        "startup_ms": Range(0, 600_000, optional=True),
    }

    def __post_init__(self):
        _check.fields(self)
        if self.vcpu > 1 and self.vcpu not in CLOUD_RUN_MAX_GIB:
            raise ValueError(f"vcpu={self.vcpu!r} is not allowed; expected 0.08-1, 2, 4, 6 or 8")
        if self.vcpu < 1 and self.max_concurrency != 1:
            raise ValueError(f"max_concurrency={self.max_concurrency!r} is not allowed with vcpu={self.vcpu}; "
                             "below 1 vCPU Cloud Run requires max_concurrency=1")
        if self.vcpu < 1 and self.billing != "request":
            raise ValueError(f"billing={self.billing!r} is not allowed with vcpu={self.vcpu}; "
                             "below 1 vCPU Cloud Run requires request-based billing")
        if self.startup_ms is None and self.runtime not in CLOUD_RUN_PROFILES:
            *others, last = CLOUD_RUN_PROFILES
            raise ValueError(f"runtime={self.runtime!r} has no published Cloud Run cold-start measurement "
                             f"in facts.md; pass startup_ms=... or use {', '.join(others)} or {last}")


# ---------------------------------------------------------------- Lambda Managed Instances (facts.md s.10)
#: Default concurrent invocations per vCPU, per runtime (facts.md s.10, edjgeek.com 2026, secondary).
LMI_CONCURRENCY_PER_VCPU = {"python": 16, "nodejs": 64, "java": 32, "dotnet": 32}

@dataclass(frozen=True)
class LambdaManagedInstancesConfig:
    """An AWS Lambda function on Lambda Managed Instances (LMI, since re:Invent 2025; facts.md s.10).

    Execution environments run on EC2 instances of `instance_type` and serve many requests at once:
    `concurrency_per_vcpu` x vCPUs request slots per instance, sharing its vCPUs (processor sharing).
    A request that finds every slot full is throttled at once (HTTP 429); a queue-fed message waits.
    The fleet scales asynchronously on CPU utilisation, by at most `scale_growth_factor` within any
    `scale_growth_window_s` ("If your traffic more than doubles within 5 minutes, you may experience
    throttles", facts.md s.10), never below `min_instances` (no scale to zero).

    Defaults, and which are facts and which are assumptions:
      - concurrency_per_vcpu: None takes the runtime's published default (Python 16, Node.js 64,
        Java and .NET 32 per vCPU; facts.md s.10, confirmed secondary).
      - min_instances = 3: UNVERIFIED. AWS's own guidance mentions a "fixed 3-instance cost", but no AWS
        doc states a 3-instance minimum (facts.md s.10). The bill flags it.
      - instance_type = "m7g.large": ASSUMPTION (the cheapest type priced in sim.prices); LMI lets you
        choose instance types or leaves it to Lambda, and which Lambda picks is not published.
      - target_cpu_utilization = 0.5: ASSUMPTION. A target can be set or left to Lambda; the value Lambda
        uses is not published. 50% leaves room for traffic to double before instances saturate.
      - scale_growth_factor = 2.0 per scale_growth_window_s = 300: from AWS's docs ("traffic doubling
        within five minutes", facts.md s.10); how AWS enforces it is not published (see sim.lmi_model).
      - scaler_period_s = 10, scaler_window_s = 60, scale_in_cooldown_s = 300: ASSUMPTIONS (not published).
      - instance_launch_s = 60: ASSUMPTION. No launch time is published in facts.md (EC2 boot plus
        execution-environment INIT, which may take up to 15 minutes).
      - request_timeout_s = 900: Lambda's maximum function timeout (facts.md s.3).
      - connections_per_instance = 5: the app's own database pool per instance, a design choice.
    """
    name: str = "Lambda MI"
    runtime: str = "python"               # python, nodejs, java, dotnet (facts.md s.10)
    concurrency_per_vcpu: int | None = None   # None: the runtime's default (facts.md s.10)
    instance_type: str = "m7g.large"      # ASSUMPTION: a key of sim.prices.EC2_HOURLY
    min_instances: int = 3                # UNVERIFIED (facts.md s.10): never scales to zero
    max_instances: int = 100              # ASSUMPTION: a user cap, no published default
    target_cpu_utilization: float = 0.5   # ASSUMPTION: settable or left to Lambda; default unpublished
    scale_growth_factor: float = 2.0      # "traffic doubling within five minutes" (facts.md s.10)
    scale_growth_window_s: float = 300.0  # five minutes (facts.md s.10)
    scaler_period_s: float = 10.0         # ASSUMPTION
    scaler_window_s: float = 60.0         # ASSUMPTION: CPU averaged over this window
    scale_in_cooldown_s: float = 300.0    # ASSUMPTION: no scale-in within this long after a scale-out
    instance_launch_s: float = 60.0       # ASSUMPTION: not published (facts.md s.10 has none)
    request_timeout_s: float = 900.0      # Lambda's maximum timeout (facts.md s.3)
    connections_per_instance: int = 5     # the app's own pool size: a design choice, not a platform fact
    db_pool: bool = False                 # True: each request's I/O is a query on one of those connections,
                                          # waited for first come first served when all are in use

    platform: ClassVar[str] = "lmi"
    #: What each field accepts (sim._check): the validation and the sliders' bounds (sim.widgets) read it.
    FIELD_RANGES: ClassVar[dict] = {
        "runtime": Choice(tuple(LMI_CONCURRENCY_PER_VCPU)),
        # No published maximum in facts.md; 1,000 matches the other models' per-instance ceiling.
        "concurrency_per_vcpu": Range(1, 1000, integer=True, optional=True),
        "instance_type": Choice(tuple(EC2_INSTANCE_TYPES)),
        "max_instances": Range(1, 10_000, integer=True),
        "min_instances": Range(1, "max_instances", integer=True),
        "target_cpu_utilization": Range(0.1, 0.95),
        "scale_growth_factor": Range(1, 100, low_open=True),
        "scale_growth_window_s": Range(1, 86_400),
        "scaler_period_s": Range(0.1, 600),
        "scaler_window_s": Range("scaler_period_s", 3_600),
        "scale_in_cooldown_s": Range(0, 86_400),
        "instance_launch_s": Range(0, 3_600),
        "request_timeout_s": Range(0.001, 900),
        "connections_per_instance": Range(1, 1000, integer=True),
        "db_pool": Flag(),
    }

    def __post_init__(self):
        _check.fields(self)

    @property
    def instance(self) -> InstanceType:
        return EC2_INSTANCE_TYPES[self.instance_type]

    @property
    def vcpu(self) -> int:
        """vCPUs of one instance."""
        return self.instance.vcpu

    @property
    def memory_gib(self) -> float:
        """Memory of one instance (GiB)."""
        return self.instance.memory_gib

    @property
    def architecture(self) -> str:
        return self.instance.architecture

    @property
    def effective_concurrency_per_vcpu(self) -> int:
        """`concurrency_per_vcpu`, or the runtime's default when it is None."""
        if self.concurrency_per_vcpu is None:
            return LMI_CONCURRENCY_PER_VCPU[self.runtime]
        return int(self.concurrency_per_vcpu)

    @property
    def max_concurrency(self) -> int:
        """Request slots per instance: concurrency per vCPU x vCPUs."""
        return self.effective_concurrency_per_vcpu * self.vcpu
