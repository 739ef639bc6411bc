"""Cold-start profiles per runtime, calibrated from docs/facts.md (source next to every value).

A cold start's duration is log-normal with the measured median and p95 = 2 x median unless a
measured spread is given (facts.md section 9, item 5: Shilkov's 95% ranges are about 2x the median).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .distributions import LogNormal

RUNTIMES = ("python", "nodejs", "go", "java", "java_snapstart", "dotnet")

LAMBDA_PERF = "https://github.com/maxday/lambda-perf data/2026-08-22.json (facts.md s.4)"
SHILKOV_DEPS = "https://mikhail.io/serverless/coldstarts/aws/ (lastmod 2021-01-05; facts.md s.4)"
SNAPSTART = "https://aws.amazon.com/cn/about-aws/whats-new/2022/11/aws-lambda-snapstart-java-functions/ (2022-11-28)"
KNMTS = "https://knmts.com/as-a-engineer-227 (2024-03-23; facts.md s.6a)"
ONEUPTIME = ("https://oneuptime.com/blog/post/2026-02-17-how-to-optimize-cloud-run-cold-start-latency-"
             "for-java-and-spring-boot-applications/view (2026-02-17, opinion-grade)")
BOOST = "https://cloud.google.com/run/docs/configuring/cpu ; Google Cloud blog 2022-09-26 (facts.md s.6)"


@dataclass(frozen=True)
class LambdaColdStart:
    """INIT duration (ZIP, x86_64, 512 MB) and first-invocation penalty of one Lambda runtime."""
    init_median_ms: float
    first_invoke_ms: float
    package_ms_per_mb: float
    source: str
    note: str = ""


# INIT medians from lambda-perf (2026-08-22): python3.13 84.6, nodejs22.x 137.7, go 49.6, java21 233.9,
# dotnet8 249.7 ms; first-invoke: java21 31.7 ms, dotnet8 168.7 ms at 512 MB (714.8 ms at 128 MB).
# Package term: Shilkov, Node.js zipped 1 KB -> 0.26 s, 35 MB -> 3.87 s median: (3.87-0.26)/35 = 0.103 s/MB.
NODE_PACKAGE_MS_PER_MB = (3870.0 - 260.0) / 35.0
LAMBDA_PROFILES = {
    "python": LambdaColdStart(84.6, 0.0, NODE_PACKAGE_MS_PER_MB, LAMBDA_PERF,
                              "package-size slope measured for Node.js only; applied to Python as an assumption"),
    "nodejs": LambdaColdStart(137.7, 0.0, NODE_PACKAGE_MS_PER_MB, f"{LAMBDA_PERF}; {SHILKOV_DEPS}"),
    "go": LambdaColdStart(49.6, 0.0, 0.0, LAMBDA_PERF, "a compiled binary: no package-size term"),
    "java": LambdaColdStart(233.9, 31.7, 0.0, LAMBDA_PERF),
    "java_snapstart": LambdaColdStart(233.9 / 10, 31.7, 0.0, f"{LAMBDA_PERF}; {SNAPSTART}",
                                      "AWS says 'up to 10x' faster: the best case, UNVERIFIED as typical"),
    "dotnet": LambdaColdStart(249.7, 168.7, 0.0, LAMBDA_PERF,
                              "first invoke 714.8 ms at 128 MB, 168.7 ms at 512 MB; interpolated between"),
}

#: The INIT phase is limited to 10 s (facts.md s.4, lambda-runtime-environment.md, 2022-11-14).
LAMBDA_INIT_CAP_MS = 10_000.0


def lambda_init_distribution(runtime: str, package_mb: float) -> LogNormal:
    """INIT duration of a Lambda cold start: runtime median plus a package-size term, p95 = 2 x median."""
    profile = LAMBDA_PROFILES[runtime]
    median = profile.init_median_ms + profile.package_ms_per_mb * package_mb
    return LogNormal(median_ms=median, p95_ms=2 * median)


def lambda_first_invoke_ms(runtime: str, memory_mb: float) -> float:
    """Extra handler time of the first invocation after INIT (JIT warm-up); .NET shrinks with memory."""
    profile = LAMBDA_PROFILES[runtime]
    if runtime == "dotnet":
        return float(np.interp(memory_mb, [128.0, 512.0], [714.8, 168.7]))
    return profile.first_invoke_ms


@dataclass(frozen=True)
class CloudRunColdStart:
    """Container start plus application start of one runtime at 1 vCPU / 512 MiB, no boost."""
    median_ms: float
    p95_ms: float
    boost_factor: float
    source: str
    note: str = ""


# knmts 2024: Python 1-3 s (typ. 1.5-2 s), Node.js 2-7 s (typ. ~3 s), Go 50-250 ms (typ. 0.1-0.15 s).
# Java: "a typical Spring Boot application can take 5-15 seconds" (opinion-grade): median sqrt(5*15) s.
# Boost: Node.js up to 30% faster (x0.7); Java 23% (plain Java Cloud Functions, x0.77) to 50% (PetClinic).
CLOUD_RUN_PROFILES = {
    "python": CloudRunColdStart(1750.0, 3000.0, 1.0, KNMTS, "no published boost figure for Python: none applied"),
    "nodejs": CloudRunColdStart(3000.0, 7000.0, 0.7, f"{KNMTS}; {BOOST}"),
    "go": CloudRunColdStart(120.0, 250.0, 1.0, KNMTS, "no published boost figure for Go: none applied"),
    "java": CloudRunColdStart(8660.0, 15000.0, 0.77, f"{ONEUPTIME}; {BOOST}",
                              "opinion-grade range; boost uses the conservative 23% figure"),
}


def cloud_run_startup_distribution(runtime: str, startup_cpu_boost: bool) -> LogNormal:
    """Container + application start of a Cloud Run instance, optionally shortened by startup CPU boost."""
    if runtime not in CLOUD_RUN_PROFILES:
        raise ValueError(
            f"runtime={runtime!r} has no published Cloud Run cold-start measurement in facts.md; "
            f"expected one of {', '.join(map(repr, CLOUD_RUN_PROFILES))}, or pass startup_ms=... explicitly")
    profile = CLOUD_RUN_PROFILES[runtime]
    factor = profile.boost_factor if startup_cpu_boost else 1.0
    return LogNormal(median_ms=profile.median_ms * factor, p95_ms=profile.p95_ms * factor)
