"""Reading a file that does not fit in memory: `read_chunks` streams it, a stretch of lines at a time, through the
reader's own per-stretch parser (each format's `parse_part`, the one its whole-file `read` uses), and yields arrival
seconds from one origin, in order, with each request's duration where the format has one.

    for chunk in read_chunks("access.log", chunk_rows=1_000_000):
        chunk.timestamps_s, chunk.duration_ms       # numpy arrays; chunk is also an array of its timestamps
    sim.windows.compare_chunks(read_chunks("access.log"), LambdaConfig(), CloudRunConfig(), duration_s=...)

The format is detected once, on the first stretch (at least FIRST_LINES lines), which also fixes what the whole-file
reader decides from the whole file: the columns and header, date-times or numbers and their zone, the unit, the
access log's duration unit. Line numbers in refusals are the file's.

Order. A whole-file reader sorts every arrival; a stream can only sort within a bounded lookback. Logs are written
as requests complete, not as they arrive: Apache writes an access log entry when the request is done, with %t the
time it was received (https://httpd.apache.org/docs/2.4/mod/mod_log_config.html; references.bib:
apache_mod_log_config); Nginx logs a request where its processing ends, and $request_time runs until the log write
(https://nginx.org/en/docs/http/ngx_http_log_module.html; references.bib: nginx_log_format); an ALB writes an entry
when it sends the response (`time`), after request_creation_time (references.bib: aws_alb_access_logs); Lambda writes
a REPORT line when the invocation ends (references.bib: aws_lambda_report). So an arrival can fall behind the latest
arrival read before it by up to the longest request. The rule: an arrival more than `lookback_s` behind the latest
one read before it is refused with its line (default LOOKBACK_S, Lambda's maximum timeout; pass Cloud Run's
3,600 s maximum request timeout for services with longer timeouts); arrivals within it are sorted, stably, as
the whole-file reader sorts them, and handed on once no later line can come before them. A file that keeps to
the rule gives exactly the whole-file reader's seconds, durations and start. A CSV of timestamps must be in time
order (lookback_s=0 by default), as a sorted export is. A file written newest first (a CloudWatch Logs Insights
export sorted by @timestamp desc) is refused as such: reverse it, or read it whole.

The file is read in blocks and cut at newlines into stretches of text, not with pandas' own chunked readers
(read_csv(chunksize=), read_json(lines=True, chunksize=)): the parsers need each stretch's text to number blank
lines and to name the field a malformed line breaks, which those readers do not hand back. Each stretch is then
parsed by pandas as the whole file is (read_csv and str.extract over the stretch, read_json(lines=True)). A Cloud
Logging export that is one JSON array (not JSON lines) is parsed whole.
"""
from __future__ import annotations

import inspect
import io
import itertools
import os
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .. import _check
from ..config import LambdaConfig
from . import access_log, alb, cloud_logging, lambda_report, timestamps
from .detect import HEAD_LINES, detect
from .source import CHUNK_ROWS as CHUNK_ROWS_PARSED, read_text
from .trace import Clock, Part

#: The formats read in chunks, by their per-stretch parsers; counts per interval (counts, cloudwatch_metrics,
#: cloud_monitoring, azure_functions) are a few rows per minute and read whole by sim.traffic.read.
PARSERS = {"timestamps": timestamps, "access_log": access_log, "alb": alb, "lambda_report": lambda_report,
           "cloud_logging": cloud_logging}
#: Default lookback for logs written as requests complete: the longest a Lambda invocation runs (900 s, facts.md
#: s.3, as sim.LambdaConfig's timeout_s).
LOOKBACK_S = float(LambdaConfig().timeout_s)
#: Default lookback per format (a CSV of timestamps must be sorted).
DEFAULT_LOOKBACK_S = {"timestamps": 0.0, "access_log": LOOKBACK_S, "alb": LOOKBACK_S,
                      "lambda_report": LOOKBACK_S, "cloud_logging": LOOKBACK_S}
#: The first stretch holds at least this many lines, so that detection and header rules see what they need.
FIRST_LINES = HEAD_LINES
#: A first stretch whose arrivals mostly go back in time is a file written newest first.
NEWEST_FIRST_SHARE = 0.5
#: Default lines per chunk: as many as the whole-file readers parse at a time (source.CHUNK_ROWS), so that a
#: chunk's parsing needs what theirs does (benchmarks/parse_bench.py --stream measures the peak memory).
CHUNK_ROWS = CHUNK_ROWS_PARSED
#: The file is read this many bytes at a time.
BLOCK_BYTES = 4 * 2 ** 20


@dataclass(eq=False)
class Chunk:
    """Requests of a file in arrival order: seconds since the file's first arrival (`start`, its wall-clock time
    when the format has one), each one's line, duration (ms) and other per-request columns. numpy reads a Chunk
    as its timestamps, so a stream of them is what sim.windows.compare_chunks takes."""
    format: str
    timestamps_s: np.ndarray
    lines: np.ndarray
    start: pd.Timestamp | None = None
    duration_ms: np.ndarray | None = None
    columns: dict[str, np.ndarray] = field(default_factory=dict)

    def __len__(self):
        return self.timestamps_s.size

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.timestamps_s, dtype=dtype)


def read_chunks(source, format: str = "auto", chunk_rows: int = CHUNK_ROWS, lookback_s: float | None = None,
                **options):
    """The requests of a file (a path or a file object) as Chunks of at most about `chunk_rows` lines each, never
    the whole file in memory; `options` are the format's reader options (as for sim.traffic.read). Arrivals more
    than `lookback_s` behind the latest read before them are refused (None: DEFAULT_LOOKBACK_S of the format)."""
    from . import FORMATS
    if format != "auto" and format not in FORMATS:
        raise ValueError(f"format={format!r} is not allowed; expected 'auto' or one of "
                         f"{', '.join(map(repr, PARSERS))}")
    _check.number("chunk_rows", chunk_rows, low=1, integer=True)
    if lookback_s is not None:
        _check.number("lookback_s", lookback_s, low=0.0)
    pieces = _stretches(source, int(chunk_rows))
    first_line, text = next(pieces, (1, ""))
    name = detect(text) if format == "auto" else format
    if name not in PARSERS:
        raise ValueError(f"format={name!r} is not allowed in chunks: counts per interval are a few rows per minute, "
                         f"so read them whole with sim.traffic.read(source, format={name!r}); expected one of "
                         f"{', '.join(map(repr, PARSERS))}")
    parser = PARSERS[name]
    allowed = list(inspect.signature(parser.read).parameters)[1:]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise ValueError(f"{unknown[0]}={options[unknown[0]]!r} is not allowed for format={name!r}; expected "
                         f"options among {', '.join(allowed) or 'none'}")
    if name == "cloud_logging" and text.lstrip().startswith("["):   # one JSON array: parsed whole
        text, pieces = text + "".join(rest for _, rest in pieces), iter(())
    lookback = DEFAULT_LOOKBACK_S[name] if lookback_s is None else float(lookback_s)
    stretches = itertools.chain([(first_line, text)], pieces)
    return _in_order(name, parser, stretches, lookback, options)


def _stretches(source, chunk_rows: int):
    """(first line number, text) of each stretch of the file: FIRST_LINES lines at least, then chunk_rows. The
    file is read in blocks of BLOCK_BYTES and cut at a newline, so no line is held as an object of its own."""
    stream, close = _open(source)
    try:
        line, want, pending, done = 1, max(chunk_rows, FIRST_LINES), b"", False
        while pending or not done:
            blocks, count = [pending], pending.count(b"\n")
            while count < want and not done:
                block = stream.read(BLOCK_BYTES)
                block = block.encode("utf-8") if isinstance(block, str) else block
                done = not block
                blocks.append(block)
                count += block.count(b"\n")
            data = b"".join(blocks)
            del blocks
            cut = len(data) if count < want else \
                int(np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)[want - 1]) + 1
            text, pending = str(memoryview(data)[:cut], "utf-8"), data[cut:]
            del data
            if line == 1:
                text = text.lstrip("\ufeff")
            if text:
                yield line, text
            line, want = line + min(count, want), chunk_rows
    finally:
        if close:
            stream.close()


def _open(source):
    """A line iterator over the source (bytes, split at "\\n" only) and whether to close it."""
    if isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source):
        if not os.path.exists(source):
            read_text(source)        # names the missing file
            raise ValueError(f"source={source!r} is not allowed: there is no such file; expected a path or a file "
                             "object")
        return open(source, "rb"), True
    if hasattr(source, "read"):
        return source, False
    if isinstance(source, (str, bytes)):
        return io.BytesIO(source.encode("utf-8") if isinstance(source, str) else source), True
    raise ValueError(f"source={source!r} is not allowed; expected a path or a file object")


def _in_order(name: str, parser, stretches, lookback_s: float, options: dict):
    """Chunks in arrival order: each stretch parsed, late arrivals refused, the held ones sorted and handed on
    once no later line can come before them."""
    state: dict = {}
    held: dict[str, np.ndarray] | None = None
    latest = latest_line = origin = None
    for first_line, text in stretches:
        part = parser.parse_part(text, state, first_line, **options)
        if not len(part):
            continue
        clock = state["clock"]
        key = clock.key(part.times)
        behind = lookback_s * clock.per_s()
        if latest is None:
            newest_first = key.size > 2 and key[-1] < key[0] and np.mean(np.diff(key) < 0) > NEWEST_FIRST_SHARE
        before = np.maximum.accumulate(np.r_[key[:1] if latest is None else [latest], key])[:-1]
        late = key < before - behind
        if late.any():
            _refuse_late(name, part, key, before, latest, latest_line, int(np.argmax(late)), clock, lookback_s,
                         newest_first)
        top = int(np.argmax(key))
        if latest is None or key[top] > latest:
            latest, latest_line = key[top], int(part.lines[top])
        held = _joined(held, _columns(key, part))
        order = np.argsort(held["key"], kind="stable")
        held = {k: v[order] for k, v in held.items()}
        ready = int(np.searchsorted(held["key"], latest - behind, side="right"))
        if ready:
            if origin is None:
                origin = held["key"][0] if clock.relative else 0
            yield _chunk(name, held, ready, clock, origin)
            held = {k: v[ready:] for k, v in held.items()}
    if held is None:
        raise ValueError(f"the file holds no requests in the {name!r} format; expected at least one")
    if held["key"].size:
        if origin is None:
            origin = held["key"][0] if state["clock"].relative else 0
        yield _chunk(name, held, held["key"].size, state["clock"], origin)


def _columns(key: np.ndarray, part: Part) -> dict[str, np.ndarray]:
    found = {"key": key, "line": np.asarray(part.lines, dtype=np.int64)}
    if part.duration_ms is not None:
        found["duration_ms"] = np.asarray(part.duration_ms, dtype=float)
    found.update({"column " + k: np.asarray(v) for k, v in part.columns.items()})
    return found


def _joined(held, new: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    if held is None:
        return new
    if held.keys() != new.keys():
        raise ValueError(f"line {int(new['line'][0])}: the line holds other fields than the lines before "
                         f"({', '.join(sorted(set(held) ^ set(new)))})")
    return {k: np.concatenate([held[k], new[k]]) for k in held}


def _chunk(name: str, held: dict, n: int, clock: Clock, origin) -> Chunk:
    seconds = clock.seconds(held["key"][:n], origin)
    seconds.setflags(write=False)
    return Chunk(name, seconds, held["line"][:n], start=clock.start(origin),
                 duration_ms=held["duration_ms"][:n] if "duration_ms" in held else None,
                 columns={k[7:]: v[:n] for k, v in held.items() if k.startswith("column ")})


def _refuse_late(name, part, key, before, latest, latest_line, k, clock, lookback_s, newest_first) -> None:
    """An arrival further behind the latest before it than the lookback: its line, by how much, and the rule."""
    previous = key[:k]
    if previous.size and (latest is None or previous.max() > latest):
        latest_line = int(part.lines[int(np.argmax(previous))])
    behind_s = float(before[k] - key[k]) / clock.per_s()
    rule = PARSERS[name].ORDER
    if newest_first:
        raise ValueError(f"line {int(part.lines[k])}: the file is newest first (most arrivals fall behind the line "
                         "before; a CloudWatch Logs Insights export sorted by @timestamp desc is): a stream is read "
                         "oldest first, so export it with `sort @timestamp asc` or reverse its lines (keeping a "
                         "header first), or read it whole with sim.traffic.read")
    raise ValueError(f"line {int(part.lines[k])}: its arrival is {behind_s:,.3f} s before the arrival on line "
                     f"{latest_line}, more than lookback_s={lookback_s:g} ({rule}); sort the file by arrival, or "
                     f"pass lookback_s= of at least {np.ceil(behind_s):,.0f}")


def extent(source, format: str = "auto", chunk_rows: int = CHUNK_ROWS, lookback_s: float | None = None,
           **options) -> tuple[int, float]:
    """A file's requests and span, streamed once (what sim.windows.compare_chunks needs before it starts): the
    count and duration_s just past the last arrival (as sim.Replay's natural_duration_s)."""
    requests, last_s = 0, 0.0
    for chunk in read_chunks(source, format=format, chunk_rows=chunk_rows, lookback_s=lookback_s, **options):
        requests, last_s = requests + len(chunk), float(chunk.timestamps_s[-1])
    return requests, float(np.nextafter(last_s, np.inf))
