"""Platform configurations: frozen dataclasses whose field names carry their units.

Defaults and ranges come from ../shared/facts.md; the section is named next to each one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from . import _check
from .coldstart import RUNTIMES

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

    platform: ClassVar[str] = "lambda"

    def __post_init__(self):
        _check.number("memory_mb", self.memory_mb, low=128, high=10_240, integer=True)
        _check.choice("architecture", self.architecture, ("x86_64", "arm64"))
        _check.choice("runtime", self.runtime, RUNTIMES)
        _check.number("package_mb", self.package_mb, low=0, high=50)
        _check.number("keep_alive_s", self.keep_alive_s, low=0, high=86_400)
        _check.number("concurrency_limit", self.concurrency_limit, low=1, high=100_000, integer=True)
        _check.number("scale_up_per_10s", self.scale_up_per_10s, low=1, high=10_000_000, integer=True)
        _check.number("provisioned_concurrency", self.provisioned_concurrency, low=0,
                      high=self.concurrency_limit, integer=True)
        _check.choice("dispatch", self.dispatch, DISPATCH_POLICIES)
        _check.number("timeout_s", self.timeout_s, low=0.001, high=900)
        if not isinstance(self.init_billed, bool):
            raise ValueError(f"init_billed={self.init_billed!r} is not allowed; expected True or False")
        if self.init_ms is not None:
            _check.number("init_ms", self.init_ms, low=0, high=10_000)

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
    pending_timeout_s: float = 10.0       # pending queue, then 429 (facts.md s.6; older docs: 60 s)
    request_timeout_s: float = 300.0      # default 300 s, maximum 3,600 s (facts.md s.6)
    autoscale_period_s: float = 5.0       # "every 5 seconds" in older docs (facts.md s.6)
    autoscale_window_s: float = 60.0      # one-minute window (facts.md s.6)
    target_cpu_utilization: float = 0.6   # 60% (facts.md s.6); configurable 0.1-0.9
    target_concurrency_utilization: float = 0.6
    billing: str = "request"              # "request" (default) or "instance" (facts.md s.5)
    connections_per_instance: int = 5     # the app's own pool size: a design choice, not a platform fact
    startup_ms: float | None = None       # None: drawn from the runtime profile; a number fixes it

    platform: ClassVar[str] = "cloudrun"

    def __post_init__(self):
        _check.number("vcpu", self.vcpu, low=0.08, high=8)
        if self.vcpu > 1 and self.vcpu not in CLOUD_RUN_MAX_GIB:
            raise ValueError(f"vcpu={self.vcpu!r} is not allowed; expected 0.08-1, 2, 4, 6 or 8")
        ceiling = CLOUD_RUN_MAX_GIB.get(self.vcpu, 4) if self.vcpu >= 1 else 4
        _check.number("memory_gib", self.memory_gib, low=0, low_open=True, high=ceiling)
        _check.number("max_concurrency", self.max_concurrency, low=1, high=1000, integer=True)
        if self.vcpu < 1 and self.max_concurrency != 1:
            raise ValueError(f"max_concurrency={self.max_concurrency!r} is not allowed with vcpu={self.vcpu}; "
                             "below 1 vCPU Cloud Run requires max_concurrency=1")
        _check.number("max_instances", self.max_instances, low=1, high=1000, integer=True)
        _check.number("min_instances", self.min_instances, low=0, high=self.max_instances, integer=True)
        _check.choice("runtime", self.runtime, RUNTIMES)
        if not isinstance(self.startup_cpu_boost, bool):
            raise ValueError(f"startup_cpu_boost={self.startup_cpu_boost!r} is not allowed; expected True or False")
        _check.number("idle_timeout_s", self.idle_timeout_s, low=0, high=86_400)
        _check.number("pending_timeout_s", self.pending_timeout_s, low=0, high=3_600)
        _check.number("request_timeout_s", self.request_timeout_s, low=0.001, high=3_600)
        _check.number("autoscale_period_s", self.autoscale_period_s, low=0.1, high=600)
        _check.number("autoscale_window_s", self.autoscale_window_s, low=self.autoscale_period_s, high=3_600)
        _check.number("target_cpu_utilization", self.target_cpu_utilization, low=0.1, high=0.9)
        _check.number("target_concurrency_utilization", self.target_concurrency_utilization, low=0.1, high=0.95)
        _check.choice("billing", self.billing, ("request", "instance"))
        _check.number("connections_per_instance", self.connections_per_instance, low=1, high=1000, integer=True)
        if self.startup_ms is not None:
            _check.number("startup_ms", self.startup_ms, low=0, high=600_000)
        elif self.runtime not in ("python", "nodejs", "go", "java"):
            raise ValueError(f"runtime={self.runtime!r} has no published Cloud Run cold-start measurement "
                             "in facts.md; pass startup_ms=... or use python, nodejs, go or java")
