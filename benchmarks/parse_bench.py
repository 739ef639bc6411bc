"""Parse speed of sim.traffic: rows per second for a timestamps CSV and lines per second for access logs, with
peak memory per row, each as a ratio against a baseline run in the same process (pandas.read_csv of a plain
numeric column with as many rows, fed the same way: the text as UTF-8 bytes). Not part of the tests.

    .venv/bin/python benchmarks/parse_bench.py [--rows 1000000] [--repeats 3]

Times are the best of `repeats` runs (time.perf_counter); peak memory is measured in a separate run under
tracemalloc (numpy and pandas report their buffers to it), divided by the rows.

Files that do not fit in memory (`--stream`): writes a month of timestamps (ISO 8601, 10 million lines) and an access
log in completion order (Combined + %D, 2 million lines) to /tmp, and prints the peak resident set of a fresh process
reading each whole (sim.traffic.read), streaming it (sim.traffic.read_chunks), and streaming it into
sim.windows.compare_chunks (Lambda, serial, windows of a day); the ratios against the whole read; and the rows per
second of the chunked reader against the whole reader, run one after the other in this process.

    .venv/bin/python benchmarks/parse_bench.py --stream [--stream-rows 10000000] [--access-rows 2000000]
                                               [--chunk-rows 250000]
"""
from __future__ import annotations

import argparse
import io
import multiprocessing
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from sim import traffic

START = pd.Timestamp("2026-11-02 09:00:00", tz="UTC")


def inputs(rows: int, seed: int = 0) -> dict[str, str]:
    """The texts to parse: one file per case, `rows` requests each over a day."""
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 86_400, rows))
    when = START + pd.to_timedelta(np.round(t * 1e3), unit="ms")
    epoch_ms = pd.Series((when - pd.Timestamp("1970-01-01", tz="UTC")) // pd.Timedelta(milliseconds=1))
    iso = pd.Series(when.strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3])
    clf_time = pd.Series(when.strftime("%d/%b/%Y:%H:%M:%S +0000"))
    micros = pd.Series(rng.integers(1_000, 2_000_000, rows)).astype(str)
    access = ("203.0.113." + pd.Series(rng.integers(1, 255, rows)).astype(str) + ' - - [' + clf_time +
              '] "GET /orders/' + pd.Series(rng.integers(0, 97, rows)).astype(str) + ' HTTP/1.1" 200 512 "-" '
              '"Mozilla/5.0 (X11; Linux x86_64)" ' + micros)
    return {"baseline": "value\n" + "\n".join(pd.Series(rng.uniform(0, 1e9, rows)).astype(str)) + "\n",
            "timestamps, Unix ms": "timestamp_ms\n" + "\n".join(epoch_ms.astype(str)) + "\n",
            "timestamps, ISO 8601": '"@timestamp"\n' + "\n".join('"' + iso + '"') + "\n",
            "access log (Combined + %D)": "\n".join(access) + "\n"}


def baseline(text: str):
    return pd.read_csv(io.BytesIO(text.encode("utf-8")), dtype={"value": float})["value"].to_numpy()


def parse(name: str, text: str):
    return baseline(text) if name == "baseline" else traffic.read(text)


def best_time(name: str, text: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        parse(name, text)
        times.append(time.perf_counter() - start)
    return min(times)


def peak_bytes(name: str, text: str) -> int:
    tracemalloc.start()
    parse(name, text)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


#: The streamed files span a month.
MONTH_S = 30 * 86_400.0
STREAM_FOLDER = Path("/tmp")


def write_lines(path: Path, lines_of, rows: int, block: int = 1_000_000) -> Path:
    """Write `rows` lines, `block` at a time: lines_of(start, stop) gives those lines as a pandas Series."""
    with open(path, "w") as f:
        for start in range(0, rows, block):
            f.write("\n".join(lines_of(start, min(rows, start + block))) + "\n")
    return path


def month_timestamps(rows: int, seed: int = 0) -> Path:
    """`rows` sorted ISO 8601 UTC timestamps (milliseconds) over a month, with a CloudWatch-style header."""
    t = np.sort(np.random.default_rng(seed).uniform(0, MONTH_S, rows))
    origin = np.datetime64(START.tz_localize(None), "ms")
    stamps = lambda a, b: pd.Series(np.datetime_as_string(origin + np.round(t[a:b] * 1e3).astype("timedelta64[ms]"),
                                                          unit="ms")) + "Z"
    path = STREAM_FOLDER / f"parse_bench_timestamps_{rows}.csv"
    path.write_text("@timestamp\n")
    with open(path, "a") as f:
        for a in range(0, rows, 1_000_000):
            f.write("\n".join(stamps(a, min(rows, a + 1_000_000))) + "\n")
    return path


def month_access_log(rows: int, seed: int = 0) -> Path:
    """An Apache Combined log with %D of `rows` requests over a month, in completion order (as Apache writes it)."""
    rng = np.random.default_rng(seed)
    arrival = np.sort(rng.uniform(0, MONTH_S, rows))
    micros = rng.integers(1_000, 2_000_000, rows)
    order = np.argsort(arrival + micros / 1e6, kind="stable")
    arrival, micros = arrival[order], micros[order]
    second = np.floor(arrival).astype(np.int64)
    unique, where = np.unique(second, return_inverse=True)
    clf = pd.Series((START + pd.to_timedelta(unique, unit="s")).strftime("%d/%b/%Y:%H:%M:%S +0000"))
    hosts = pd.Series(rng.integers(1, 255, rows)).astype(str)
    lines = lambda a, b: ("203.0.113." + hosts.iloc[a:b].reset_index(drop=True) + " - - [" +
                          clf.iloc[where[a:b]].reset_index(drop=True) + '] "GET /orders/1 HTTP/1.1" 200 512 "-" '
                          '"Mozilla/5.0 (X11; Linux x86_64)" ' + pd.Series(micros[a:b]).astype(str))
    return write_lines(STREAM_FOLDER / f"parse_bench_access_{rows}.log", lines, rows)


def _measured(case: str, path: str, chunk_rows: int, queue) -> None:
    """In a fresh process: run one case, report its seconds, requests and peak resident set (bytes)."""
    from sim import LambdaConfig
    from sim.windows import compare_chunks
    start = time.perf_counter()
    if case == "whole":
        requests = len(traffic.read(path))
    elif case == "chunks":
        requests = sum(len(chunk) for chunk in traffic.read_chunks(path, chunk_rows=chunk_rows))
    elif case == "chunks into compare_chunks":
        requests = compare_chunks(traffic.read_chunks(path, chunk_rows=chunk_rows), LambdaConfig(), duration_s=MONTH_S + 86_400.0,
                                  executor=None)["Lambda"].requests
    else:
        requests = 0
    queue.put((time.perf_counter() - start, requests, peak_rss_bytes()))


def peak_rss_bytes() -> int:
    """This process's peak resident set (VmHWM: unlike ru_maxrss, not inherited from the parent across exec)."""
    status = Path("/proc/self/status").read_text()
    return int(status.split("VmHWM:")[1].split()[0]) * 1024


def in_fresh_process(case: str, path: Path, chunk_rows: int) -> tuple[float, int, int]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_measured, args=(case, str(path), chunk_rows, queue))
    process.start()
    found = queue.get()
    process.join()
    return found


def stream_main(stream_rows: int, access_rows: int, chunk_rows: int) -> pd.DataFrame:
    files = {"timestamps (ISO 8601)": month_timestamps(stream_rows), "access log (completion order)":
             month_access_log(access_rows)}
    rows = []
    for name, path in files.items():
        lines = stream_rows if name.startswith("timestamps") else access_rows
        for case in ("imports only", "whole", "chunks", "chunks into compare_chunks"):
            seconds, requests, peak = in_fresh_process(case, path, chunk_rows)
            rows.append({"file": name, "case": case, "lines": lines, "requests": requests,
                         "peak_rss_mib": peak / 2 ** 20, "seconds": seconds})
        timed = {}
        for case, reader in (("whole", lambda: len(traffic.read(path))),
                             ("chunks", lambda: sum(len(c) for c in traffic.read_chunks(path,
                                                                                         chunk_rows=chunk_rows)))):
            start = time.perf_counter()
            reader()
            timed[case] = time.perf_counter() - start
        print(f"{name}: whole reader {lines / timed['whole']:,.0f} rows/s, chunked reader "
              f"{lines / timed['chunks']:,.0f} rows/s (chunked / whole: {timed['whole'] / timed['chunks']:.2f}x the "
              "speed), in this process")
    table = pd.DataFrame(rows).set_index(["file", "case"])
    whole = table.xs("whole", level="case")["peak_rss_mib"]
    table["rss_vs_whole"] = table["peak_rss_mib"] / whole.reindex(table.index.get_level_values("file")).to_numpy()
    with pd.option_context("display.width", 200, "display.float_format", "{:,.2f}".format):
        print(table.to_string())
    return table


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--stream", action="store_true", help="peak memory of files read whole against streamed")
    parser.add_argument("--stream-rows", type=int, default=10_000_000)
    parser.add_argument("--access-rows", type=int, default=2_000_000)
    parser.add_argument("--chunk-rows", type=int, default=traffic.chunks.CHUNK_ROWS)
    args = parser.parse_args(argv)
    if args.stream:
        return stream_main(args.stream_rows, args.access_rows, args.chunk_rows)
    texts = inputs(args.rows)
    rows = []
    for name, text in texts.items():
        seconds = best_time(name, text, args.repeats)
        rows.append({"case": name, "rows": args.rows, "seconds": seconds, "rows_per_s": args.rows / seconds,
                     "peak_bytes_per_row": peak_bytes(name, text) / args.rows,
                     "input_bytes_per_row": len(text) / args.rows})
    table = pd.DataFrame(rows).set_index("case")
    base = table.loc["baseline"]
    table["time_vs_baseline"] = table["seconds"] / base["seconds"]
    table["memory_vs_baseline"] = table["peak_bytes_per_row"] / base["peak_bytes_per_row"]
    with pd.option_context("display.width", 200, "display.float_format", "{:,.2f}".format):
        print(table.to_string())
    print("\ntargets: timestamps CSV >= 1,000,000 rows/s; access logs >= 300,000 lines/s")
    return table


if __name__ == "__main__":
    main()
