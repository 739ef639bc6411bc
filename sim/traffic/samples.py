"""The lab's sample files: one made-up traffic (the same requests) written in each supported format, following
each format's documentation (see the readers' docstrings). `write_all(folder)` writes them all.

The traffic: SAMPLE_MINUTES of steady Poisson arrivals at SAMPLE_RATE_PER_S, each request's duration drawn
from a log-normal with median SAMPLE_MEDIAN_MS and p95 SAMPLE_P95_MS (I/O-bound handlers, slower than the
capstone's default work); the Lambda REPORT lines come from the simulator's Lambda run of that traffic at
SAMPLE_MEMORY_MB (its cold starts give the Init Durations). Made-up ids and addresses (RFC 5737 documentation
addresses); no real account.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from ..arrivals import Poisson
from ..distributions import LogNormal

SAMPLE_START = pd.Timestamp("2026-11-02 09:00:00", tz="UTC")
SAMPLE_MINUTES = 10
SAMPLE_RATE_PER_S = 3.0
SAMPLE_MEDIAN_MS, SAMPLE_P95_MS = 900.0, 3000.0
SAMPLE_MEMORY_MB = 512
SAMPLE_SEED = 7
#: The formats without per-request durations or platform fields are written for the first minutes only, to stay small.
SHORT_MINUTES = 2
FILES = {"access_log": "sample_access.log", "alb": "sample_alb.log", "lambda_report": "sample_lambda_report.csv",
         "cloud_logging": "sample_cloud_run_requests.jsonl", "counts": "sample_counts_per_minute.csv",
         "cloudwatch_metrics": "sample_cloudwatch_invocations.json",
         "cloud_monitoring": "sample_cloud_monitoring_request_count.json",
         "azure_functions": "sample_azure_functions_d01.csv"}


def requests(seed: int = SAMPLE_SEED) -> pd.DataFrame:
    """The sample's requests: arrival (UTC), duration_ms, a path and a request id."""
    rng = np.random.default_rng(seed)
    window_s = SAMPLE_MINUTES * 60.0
    t = Poisson(SAMPLE_RATE_PER_S).times(rng, window_s)
    duration = LogNormal(SAMPLE_MEDIAN_MS, SAMPLE_P95_MS).sample(rng, t.size)
    ids = [f"{k:08x}-5e1a-4c3b-9d2e-{(k * 2654435761) % 16 ** 12:012x}" for k in range(t.size)]
    return pd.DataFrame({"arrival": SAMPLE_START + pd.to_timedelta(np.round(t * 1e6), unit="us"),
                         "duration_ms": np.round(duration, 2), "path": [f"/orders/{k % 97}" for k in range(t.size)],
                         "request_id": ids})


def _short(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[frame["arrival"] < SAMPLE_START + pd.Timedelta(minutes=SHORT_MINUTES)]


def access_log(frame: pd.DataFrame) -> str:
    """Apache Combined Log Format with %D (microseconds) last: `LogFormat "%h %l %u %t \\"%r\\" %>s %b
    \\"%{Referer}i\\" \\"%{User-agent}i\\" %D"`; %t is when the request was received (whole seconds)."""
    frame = _short(frame)
    stamp = frame["arrival"].dt.strftime("%d/%b/%Y:%H:%M:%S +0000")
    micros = np.round(frame["duration_ms"].to_numpy() * 1000).astype(np.int64)
    lines = ("198.51.100." + (frame.index % 200 + 1).astype(str) + ' - - [' + stamp + '] "GET ' + frame["path"] +
             ' HTTP/1.1" 200 ' + (512 + frame.index % 300).astype(str) + ' "-" "curl/8.5.0" ' + micros.astype(str))
    return "\n".join(lines) + "\n"


def alb(frame: pd.DataFrame) -> str:
    """ALB access log entries (documented field order; `time` = request_creation_time + the three times)."""
    frame = _short(frame)
    target_s = frame["duration_ms"].to_numpy() / 1000
    created = frame["arrival"]
    done = created + pd.to_timedelta(np.round((target_s + 0.001) * 1e6), unit="us")
    fmt = lambda s: s.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    port = (50_000 + frame.index % 9000).astype(str)
    lines = ("https " + fmt(done) + " app/orders-alb/50dc6c495c0c9188 203.0.113." + (frame.index % 200 + 1).astype(str)
             + ":" + port + " 10.0.1.15:8080 0.000 " + pd.Series(target_s, index=frame.index).map("{:.3f}".format)
             + " 0.001 200 200 210 " + (512 + frame.index % 300).astype(str) + ' "GET https://api.example.com:443'
             + frame["path"] + ' HTTP/1.1" "curl/8.5.0" ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 '
             "arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/orders/73e2d6bc24d8a067 "
             '"Root=1-6745f2a0-' + frame["request_id"].str.replace("-", "").str[:24] + '" "api.example.com" '
             '"arn:aws:acm:us-east-2:123456789012:certificate/12345678-1234-1234-1234-123456789012" 0 ' + fmt(created)
             + ' "forward" "-" "-" "10.0.1.15:8080" "200" "-" "-" TID_' + frame["request_id"].str[:8])
    return "\n".join(lines) + "\n"


def lambda_report(frame: pd.DataFrame) -> str:
    """A CloudWatch Logs Insights CSV export of `fields @timestamp, @message | filter @type = "REPORT" |
    sort @timestamp desc`: the simulator's Lambda run of the traffic gives each invocation's cold start and INIT;
    Billed Duration = ceil(Duration + Init Duration) (the rule since 2025-08-01, facts.md s.1a)."""
    from ..config import LambdaConfig
    from ..run import simulate
    from ..workload import Workload, recorded_work
    from ..arrivals import Replay
    t = (frame["arrival"] - SAMPLE_START).dt.total_seconds().to_numpy()
    config = LambdaConfig(memory_mb=SAMPLE_MEMORY_MB)
    cpu, io = recorded_work(frame["duration_ms"].to_numpy(), measured_slowdown=config.cpu_slowdown)
    run = simulate(Workload(Replay(t), cpu_ms=cpu, io_ms=io), config, seed=SAMPLE_SEED).requests
    duration = np.round(run["service_s"].to_numpy() * 1000, 2)
    init = np.where(run["cold"].to_numpy(dtype=bool), np.round(run["init_s"].to_numpy() * 1000, 2), np.nan)
    billed = np.ceil(np.round(duration + np.nan_to_num(init), 6)).astype(np.int64)
    max_used = 60 + frame.index.to_numpy() % 25
    end = frame["arrival"] + pd.to_timedelta(np.round((duration + np.nan_to_num(init)) * 1000), unit="us")
    message = ("REPORT RequestId: " + frame["request_id"] + "\tDuration: " + pd.Series(duration, index=frame.index).map(
        "{:.2f}".format) + " ms\tBilled Duration: " + billed.astype(str) + f" ms\tMemory Size: {SAMPLE_MEMORY_MB} MB"
        "\tMax Memory Used: " + max_used.astype(str) + " MB" + pd.Series(
            np.where(np.isnan(init), "", "\tInit Duration: " + pd.Series(init).map("{:.2f}".format).to_numpy() + " ms"),
            index=frame.index) + "\t")
    out = pd.DataFrame({"@timestamp": end.dt.strftime("%Y-%m-%d %H:%M:%S.") + (end.dt.microsecond // 1000).map(
        "{:03d}".format), "@message": message}).sort_values("@timestamp", ascending=False, kind="stable")
    return out.to_csv(index=False, lineterminator="\n", quoting=1)


def cloud_logging(frame: pd.DataFrame) -> str:
    """Cloud Run request log entries as JSON lines (a Cloud Storage sink), with two of the service's own stdout
    lines (no httpRequest) among them."""
    frame = _short(frame)
    stamp = frame["arrival"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    resource = {"type": "cloud_run_revision", "labels": {"service_name": "orders", "revision_name": "orders-00001-abc",
                                                         "location": "europe-west1", "project_id": "my-project",
                                                         "configuration_name": "orders"}}
    records = pd.DataFrame({
        "insertId": frame["request_id"].str[:12],
        "httpRequest": [{"requestMethod": "GET", "requestUrl": f"https://orders-abc-ew.a.run.app{p}", "status": 200,
                         "responseSize": "512", "userAgent": "curl/8.5.0", "remoteIp": "203.0.113.9",
                         "latency": f"{d / 1000:.6f}s", "protocol": "HTTP/1.1"}
                        for p, d in zip(frame["path"], frame["duration_ms"])],
        "resource": [resource] * len(frame), "timestamp": stamp, "severity": "INFO",
        "logName": "projects/my-project/logs/run.googleapis.com%2Frequests"})
    lines = records.to_json(orient="records", lines=True).splitlines()
    stdout = {"insertId": "stdout0001", "textPayload": "Listening on port 8080", "resource": resource,
              "timestamp": stamp.iloc[0], "severity": "DEFAULT",
              "logName": "projects/my-project/logs/run.googleapis.com%2Fstdout"}
    lines.insert(0, json.dumps(stdout))
    lines.insert(len(lines) // 2, json.dumps({**stdout, "insertId": "stdout0002", "textPayload": "cache warmed"}))
    return "\n".join(lines) + "\n"


def per_minute(frame: pd.DataFrame) -> pd.Series:
    """Requests per minute of the traffic, indexed by the minute's start (UTC)."""
    minutes = pd.date_range(SAMPLE_START, periods=SAMPLE_MINUTES, freq="min")
    return frame.groupby(frame["arrival"].dt.floor("min")).size().reindex(minutes, fill_value=0)


def counts_csv(frame: pd.DataFrame) -> str:
    """Requests per minute as a two-column CSV (interval start, count), as a console chart downloads it."""
    counts = per_minute(frame)
    return "timestamp,requests\n" + "".join(f"{t:%Y-%m-%dT%H:%M:%SZ},{n}\n" for t, n in counts.items())


def cloudwatch(frame: pd.DataFrame) -> str:
    """`aws cloudwatch get-metric-data` output: Lambda Invocations, statistic Sum, Period 60, newest first."""
    counts = per_minute(frame).iloc[::-1]
    result = {"Id": "invocations", "Label": "Invocations",
              "Timestamps": [f"{t:%Y-%m-%dT%H:%M:%S+00:00}" for t in counts.index],
              "Values": [float(n) for n in counts], "StatusCode": "Complete"}
    return json.dumps({"MetricDataResults": [result], "Messages": []}, indent=2) + "\n"


def cloud_monitoring(frame: pd.DataFrame) -> str:
    """`timeSeries.list` output for run.googleapis.com/request_count, aligned per minute (ALIGN_DELTA), one series
    per response code class (2xx: all the requests but 3 per minute, 5xx: those 3)."""
    counts = per_minute(frame)
    fives = np.minimum(counts.to_numpy(), 3)

    def series(code_class, values):
        points = [{"interval": {"startTime": f"{t:%Y-%m-%dT%H:%M:%SZ}",
                                "endTime": f"{t + pd.Timedelta(minutes=1):%Y-%m-%dT%H:%M:%SZ}"},
                   "value": {"int64Value": str(int(n))}} for t, n in zip(counts.index[::-1], values[::-1])]
        return {"metric": {"type": "run.googleapis.com/request_count",
                           "labels": {"response_code_class": code_class}},
                "resource": {"type": "cloud_run_revision", "labels": {"service_name": "orders",
                                                                      "project_id": "my-project"}},
                "metricKind": "DELTA", "valueType": "INT64", "points": points}
    doc = {"timeSeries": [series("2xx", counts.to_numpy() - fives), series("5xx", fives)], "unit": "1"}
    return json.dumps(doc, indent=2) + "\n"


def azure_functions(seed: int = SAMPLE_SEED) -> str:
    """Three made-up functions in the Azure Functions 2019 layout: an HTTP API with a daily cycle (peak twice
    the trough), a timer every 5 minutes, a queue consumer with bursts."""
    rng = np.random.default_rng(seed)
    minute = np.arange(1440)
    http = rng.poisson(40 * (1 + (1 / 3) * np.cos(2 * np.pi * (minute - 840) / 1440)))
    timer = (minute % 5 == 0).astype(int)
    queue = np.where(minute % 60 < 6, rng.poisson(120, 1440), 0)
    rows = [("a3f1c2", "app01", "fn01http", "http", http), ("a3f1c2", "app01", "fn02timer", "timer", timer),
            ("b7d4e9", "app02", "fn03queue", "queue", queue)]
    table = pd.DataFrame([[o, a, f, t, *v] for o, a, f, t, v in rows],
                         columns=["HashOwner", "HashApp", "HashFunction", "Trigger", *map(str, range(1, 1441))])
    return table.to_csv(index=False, lineterminator="\n")


def texts(seed: int = SAMPLE_SEED) -> dict[str, str]:
    """Every sample file's text, by format name."""
    frame = requests(seed)
    return {"access_log": access_log(frame), "alb": alb(frame), "lambda_report": lambda_report(frame),
            "cloud_logging": cloud_logging(frame), "counts": counts_csv(frame), "cloudwatch_metrics": cloudwatch(frame),
            "cloud_monitoring": cloud_monitoring(frame), "azure_functions": azure_functions(seed)}


def write_all(folder) -> dict[str, Path]:
    """Write every sample into `folder`; return the paths by format name."""
    folder = Path(folder)
    paths = {}
    for name, text in texts().items():
        paths[name] = folder / FILES[name]
        paths[name].write_text(text)
    return paths
