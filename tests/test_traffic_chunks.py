"""sim.traffic.read_chunks: a file streamed in chunks gives what the whole-file reader gives, refuses a bad or late
line by its line in the file, and feeds sim.windows.compare_chunks to the whole trace's answer."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import CloudRunConfig, Diurnal, Exponential, LambdaConfig, Replay, Workload, traffic
from sim import windows as win
from sim.traffic import samples

ROOT = Path(__file__).resolve().parents[1]
LAB = ROOT / "labs" / "data"
DATA = ROOT / "tests" / "data"
#: Every file the readers stream (the formats read whole, counts per interval, excepted), with its options and
#: the least lookback it keeps to (the chunks then hand requests on while the file is read, not all at the end).
FILES = [(LAB / samples.FILES["access_log"], {}, 2.0), (LAB / samples.FILES["access_log"], {"spread": False}, 2.0),
         (LAB / samples.FILES["alb"], {}, 0.0), (LAB / samples.FILES["lambda_report"], {}, None),
         (LAB / samples.FILES["cloud_logging"], {}, 0.0), (LAB / "sample_requests.csv", {}, 0.0),
         (DATA / "apache_common.log", {}, 0.0), (DATA / "nginx_request_time.log", {}, 0.0),
         (DATA / "alb_documented.log", {}, 0.0), (DATA / "lambda_logs.txt", {}, 0.0),
         (DATA / "cloud_logging_array.json", {}, 0.0), (DATA / "timestamps_ms_since_start.csv", {"unit": "ms"}, 0.0),
         (DATA / "timestamps_wrong_column.csv", {"column": "timestamp_s"}, 0.0)]


SHORT_LINES = 240


def joined(chunks: list) -> dict:
    """The chunks' fields end to end."""
    cat = lambda name: np.concatenate([getattr(c, name) for c in chunks])
    return {"t": cat("timestamps_s"), "lines": cat("lines"),
            "duration_ms": None if chunks[0].duration_ms is None else cat("duration_ms"),
            "columns": {k: np.concatenate([c.columns[k] for c in chunks]) for k in chunks[0].columns}}


@pytest.mark.parametrize("path, options, lookback_s", FILES, ids=lambda v: getattr(v, "name", None))
@pytest.mark.parametrize("chunk_rows", [1, 7, 1_000_000])
def test_chunks_give_exactly_what_the_whole_file_gives(tmp_path, path, options, lookback_s, chunk_rows):
    """Every sample, in chunks of 1 line (of its first SHORT_LINES lines: pandas costs milliseconds a call), 7 and
    a million, within the default lookback and the least one the file keeps to."""
    if chunk_rows == 1 and path.read_text().count("\n") > SHORT_LINES:
        short = tmp_path / path.name
        short.write_text("".join(path.read_text().splitlines(keepends=True)[:SHORT_LINES]))
        path = short
    whole = traffic.read(path, **options)
    for lookback in dict.fromkeys([None, lookback_s]):
        chunks = list(traffic.read_chunks(path, chunk_rows=chunk_rows, lookback_s=lookback, **options))
        got = joined(chunks)
        assert np.array_equal(got["t"], whole.timestamps_s), (path, lookback)
        assert all(c.start == whole.start and c.format == whole.format for c in chunks)
        assert np.all(np.diff(got["t"]) >= 0) and got["lines"].size == len(whole)
        if whole.duration_ms is None:
            assert got["duration_ms"] is None
        else:
            assert np.array_equal(got["duration_ms"], whole.duration_ms)
        for name, values in whole.columns.items():
            assert np.array_equal(got["columns"][name], values, equal_nan=values.dtype.kind == "f"), name
    # Files long enough to keep to their lookback are handed on as they are read, in many chunks.
    if chunk_rows == 1 and len(whole) > 100 and lookback_s is not None:
        assert len(chunks) > len(whole) / 4


def test_a_chunk_is_read_as_its_timestamps_and_the_file_is_read_as_it_goes(monkeypatch):
    from sim.traffic import chunks
    monkeypatch.setattr(chunks, "BLOCK_BYTES", 1024)             # the sample is smaller than a default block
    path = LAB / "sample_requests.csv"
    with open(path, "rb") as f:
        first = next(traffic.read_chunks(f, chunk_rows=100))
        assert f.tell() < path.stat().st_size / 10             # only the first stretch was read
    assert np.array_equal(np.asarray(first), first.timestamps_s) and len(first) == 99   # a header and 99 rows
    assert first.lines[:3].tolist() == [2, 3, 4]


def _corrupt(text: str, line: int, old: str, new: str) -> str:
    rows = text.split("\n")
    assert old in rows[line - 1]
    rows[line - 1] = rows[line - 1].replace(old, new, 1)
    return "\n".join(rows)


@pytest.mark.parametrize("name, old, new, message", [
    ("access_log", '" 200 ', '" 2x0 ', r"field status \(%>s\) is '2x0 "),
    ("alb", " 0.000 ", " zero ", r"field request_processing_time is 'zero"),
    ("lambda_report", "Billed Duration:", "Billed:", r"field Billed Duration is 'Billed:"),
    ("cloud_logging", 's","protocol"', 'ms","protocol"', r"field httpRequest.latency is '.*ms'"),
    ("timestamps", "2026-11-02", "soon", r"'soon.*' is not a timestamp"),
])
def test_a_malformed_line_in_a_late_chunk_is_refused_with_its_line_in_the_file(tmp_path, name, old, new, message):
    source = LAB / (samples.FILES[name] if name != "timestamps" else "sample_requests.csv")
    text = source.read_text()
    line = text.count("\n") - 3
    path = tmp_path / source.name
    path.write_text(_corrupt(text, line, old, new))
    for chunk_rows in (7, 50):
        with pytest.raises(ValueError, match=rf"^line {line}: {message}"):
            list(traffic.read_chunks(path, chunk_rows=chunk_rows))
    with pytest.raises(ValueError, match=rf"^line {line}: {message}"):
        traffic.read(path)


def test_an_arrival_behind_the_lookback_is_refused_with_its_line(tmp_path):
    lines = (LAB / samples.FILES["access_log"]).read_text().splitlines()
    moved = lines[:299] + lines[300:] + [lines[299]]           # line 300 moved to the end
    path = tmp_path / "late.log"
    path.write_text("\n".join(moved) + "\n")
    # Apache's %t is the arrival (spread=False: on the second); the latest before the last line, and how far behind.
    received = pd.to_datetime(pd.Series(moved).str.extract(r"\[(.*?)\]")[0], format="%d/%b/%Y:%H:%M:%S %z")
    latest = int(np.argmax(received.iloc[:-1].to_numpy()))
    behind_s = (received.iloc[latest] - received.iloc[-1]).total_seconds()
    assert behind_s > 10
    with pytest.raises(ValueError, match=rf"^line {len(moved)}: its arrival is {behind_s:,.3f} s before the arrival on "
                                         rf"line {latest + 1}, more than lookback_s=10 \(access logs are written as "
                                         rf"requests complete.*pass lookback_s= of at least {np.ceil(behind_s):.0f}$"):
        list(traffic.read_chunks(path, chunk_rows=7, lookback_s=10, spread=False))
    within = joined(list(traffic.read_chunks(path, chunk_rows=7, lookback_s=behind_s)))
    assert np.array_equal(within["t"], traffic.read(path).timestamps_s)
    assert np.array_equal(np.sort(within["lines"]), np.arange(1, len(moved) + 1))


def test_a_file_newest_first_is_refused_and_read_oldest_first(tmp_path):
    """The Logs Insights sample is sorted by @timestamp desc, as its export is: within the default lookback (it
    spans 10 minutes) it is sorted whole; with a shorter one it is refused as newest first. Reversed, it
    streams within 30 s."""
    source = LAB / samples.FILES["lambda_report"]
    with pytest.raises(ValueError, match=r"^line \d+: the file is newest first .*sort @timestamp asc"):
        list(traffic.read_chunks(source, chunk_rows=7, lookback_s=30))
    header, *rows = source.read_text().splitlines()
    path = tmp_path / "oldest_first.csv"
    path.write_text("\n".join([header] + rows[::-1]) + "\n")
    chunks = list(traffic.read_chunks(path, chunk_rows=7, lookback_s=30))
    whole = traffic.read(source)
    assert np.array_equal(joined(chunks)["t"], whole.timestamps_s) and chunks[0].start == whole.start
    assert len(chunks) > 10


def test_what_the_first_chunk_decides_a_later_one_must_keep(tmp_path):
    path = tmp_path / "seconds.csv"
    path.write_text("t_s\n" + "\n".join(str(k) for k in range(1, 40)) + "\n1.9e8\n")
    whole = traffic.read(path)                      # the largest value makes the whole file Unix seconds
    assert whole.notes[0].startswith("Unix seconds")
    with pytest.raises(ValueError, match=r"^line 41: 190000000.0 would read the whole file in Unix seconds, while "
                                         r"the lines before were read in seconds since the trace began .*pass unit="):
        list(traffic.read_chunks(path, chunk_rows=10))
    assert np.array_equal(joined(list(traffic.read_chunks(path, chunk_rows=10, unit="s")))["t"],
                          traffic.read(path, unit="s").timestamps_s)
    # Lines 1-20, 21-30, 31: the stretch of line 31 holds only the date-time without a zone.
    path.write_text("t\n" + "\n".join(f"2026-11-02T09:00:{k:02d}Z" for k in range(29)) + "\n2026-11-02T09:00:31\n")
    with pytest.raises(ValueError, match=r"^line 31: '2026-11-02T09:00:31' mixes date-times with and without a time "
                                         r"zone"):
        traffic.read(path)
    with pytest.raises(ValueError, match=r"^line 31: date-times without a time zone in column 0, where the lines "
                                         r"before hold date-times with a time zone"):
        list(traffic.read_chunks(path, chunk_rows=10))


def test_options_formats_and_sizes_are_checked():
    path = LAB / samples.FILES["access_log"]
    with pytest.raises(ValueError, match=r"chunk_rows=0 is out of range; expected an integer >= 1"):
        traffic.read_chunks(path, chunk_rows=0)
    with pytest.raises(ValueError, match=r"lookback_s=-1 is out of range"):
        traffic.read_chunks(path, lookback_s=-1)
    with pytest.raises(ValueError, match=r"column=3 is not allowed for format='access_log'"):
        traffic.read_chunks(path, column=3)
    with pytest.raises(ValueError, match=r"format='cloudwatch_metrics' is not allowed in chunks: counts per "
                                         r"interval .* read them whole with sim.traffic.read"):
        traffic.read_chunks(LAB / samples.FILES["cloudwatch_metrics"])
    with pytest.raises(ValueError, match=r"no such file"):
        traffic.read_chunks("missing.log")


def test_compare_chunks_fed_by_the_reader_gives_the_whole_traces_answer(tmp_path):
    """An access log of two hours streamed into compare_chunks: the same windows and seed as compare_windows on
    the trace read whole give the same bills, cold starts and latency counts, exactly."""
    rng = np.random.default_rng(11)
    arrival = Diurnal(mean_rate_per_s=1.5, period_s=7_200.0).times(rng, 7_200.0)
    micros = rng.integers(5_000, 400_000, arrival.size)
    start = pd.Timestamp("2026-11-02 09:00:00", tz="UTC")
    # Apache writes each line as its request completes: the file is in completion order, %t the arrival.
    order = np.argsort(arrival + micros / 1e6, kind="stable")
    stamp = (start + pd.to_timedelta(np.floor(arrival[order]), unit="s")).strftime("%d/%b/%Y:%H:%M:%S +0000")
    lines = ('203.0.113.9 - - [' + pd.Series(stamp) + '] "GET /a HTTP/1.1" 200 99 ' +
             pd.Series(micros[order]).astype(str))
    path = tmp_path / "access.log"
    path.write_text("\n".join(lines) + "\n")
    trace = traffic.read(path)
    configs = (LambdaConfig(), CloudRunConfig())
    work = dict(cpu_ms=Exponential(mean_ms=20.0), io_ms=Exponential(mean_ms=180.0))
    duration_s = float(np.ceil(trace.span_s)) + 1.0
    whole = win.compare_windows(Workload(Replay(trace.timestamps_s), duration_s=duration_s, **work), *configs,
                                seed=2, window_s=1_800.0, executor=None)
    streamed = win.compare_chunks(traffic.read_chunks(path, chunk_rows=500), *configs, duration_s=duration_s, seed=2,
                                  window_s=1_800.0, executor=None, **work)
    for name in whole:
        assert streamed[name].summary() == whole[name].summary()
        assert streamed[name].bill().lines.equals(whole[name].bill().lines)
        np.testing.assert_array_equal(streamed[name].latency_counts, whole[name].latency_counts)
    assert whole["Lambda"].requests == arrival.size
    assert traffic.extent(path, chunk_rows=500) == (arrival.size, Replay(trace.timestamps_s).natural_duration_s)


def test_each_requests_logged_duration_streams_as_its_work(tmp_path):
    """compare_chunks with cpu_share takes each request's duration from the chunks: the answer of
    compare_windows on the trace read whole with those durations as Recorded work (recorded_work's split)."""
    from sim.workload import recorded_work
    source = LAB / samples.FILES["access_log"]
    trace = traffic.read(source)
    cpu, io = recorded_work(trace.duration_ms, cpu_share=0.25)
    configs = (LambdaConfig(), CloudRunConfig())
    whole = win.compare_windows(win.LongWorkload(Replay(trace.timestamps_s), cpu_ms=cpu, io_ms=io), *configs, seed=3,
                                window_s=30.0, executor=None)
    streamed = win.compare_chunks(traffic.read_chunks(source, chunk_rows=50, lookback_s=2.0), *configs,
                                  duration_s=Replay(trace.timestamps_s).natural_duration_s, seed=3, window_s=30.0,
                                  executor=None, cpu_share=0.25)
    for name in whole:
        assert streamed[name].summary() == whole[name].summary()
        assert streamed[name].bill().lines.equals(whole[name].bill().lines)
    with pytest.raises(ValueError, match=r"cpu_share=0.25 is not allowed with chunks without durations"):
        win.compare_chunks(iter([np.array([0.0, 1.0])]), LambdaConfig(), duration_s=5.0, executor=None, cpu_share=0.25)
