"""Parse speed of sim.traffic: rows per second for a timestamps CSV and lines per second for access logs, with
peak memory per row, each as a ratio against a baseline run in the same process (pandas.read_csv of a plain
numeric column with as many rows, fed the same way: the text as UTF-8 bytes). Not part of the tests.

    .venv/bin/python benchmarks/parse_bench.py [--rows 1000000] [--repeats 3]

Times are the best of `repeats` runs (time.perf_counter); peak memory is measured in a separate run under
tracemalloc (numpy and pandas report their buffers to it), divided by the rows.
"""
from __future__ import annotations

import argparse
import io
import time
import tracemalloc

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


def main(argv=None) -> pd.DataFrame:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
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
