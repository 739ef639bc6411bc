"""A figure glued into a chapter's prose and the same figure in a table the chapter displays agree.

Both are read from the stored notebook outputs, as the book shows them: glue records are display_data
outputs named in metadata.scrapbook.name (text in 'application/papermill.record/text/plain'); tables are a
cell's text/html output. Two numbers agree when they differ by no more than half a unit of the coarser of
the two as printed (the prose's '9.5' agrees with the table's '9.53', not with '9.62').
"""
from __future__ import annotations

import ast
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

CHAPTERS = Path(__file__).resolve().parents[1] / "chapters"
NUMBER = re.compile(r"-?[\d,]*\.?\d+")

# (glue key, id of the cell whose table holds it, row label(s), column label, table units per glue unit)
CHECKS = {
    "01_deployment_shape.ipynb": [
        ("lambda_started", "e9c5a39b", "environments or instances started", "Lambda", 1),
        ("lambda_mean_alive", "e9c5a39b", "alive on average", "Lambda", 1),
        ("lambda_peak_alive", "e9c5a39b", "alive at most", "Lambda", 1),
        ("lambda_in_flight", "e9c5a39b", "requests in flight on average", "Lambda", 1),
        ("lambda_per_env", "e9c5a39b", "requests per environment or instance", "Lambda", 1),
        ("cloud_run_started", "e9c5a39b", "environments or instances started", "Cloud Run", 1),
        ("cloud_run_per_instance", "e9c5a39b", "requests per environment or instance", "Cloud Run", 1),
        ("lambda_cold_rate", "f8fca51b", "requests that started cold", "Lambda", 1),
        ("provisioned_cold_rate", "f8fca51b", "requests that started cold", "Lambda + provisioned concurrency", 1),
        ("lambda_hit_rate", "f8fca51b", "requests answered from the cache", "Lambda", 1),
        ("cloud_run_hit_rate", "f8fca51b", "requests answered from the cache", "Cloud Run", 1),
        ("provisioned_hit_rate", "f8fca51b", "requests answered from the cache", "Lambda + provisioned concurrency", 1),
        ("lambda_connections", "f8fca51b", "DB connections on average", "Lambda", 1),
        ("cloud_run_connections", "f8fca51b", "DB connections on average", "Cloud Run", 1),
        ("provisioned_connections", "f8fca51b", "DB connections on average", "Lambda + provisioned concurrency", 1),
        # the sweep's point at the chapter's rate is the side-by-side run
        ("lambda_hit_rate", "ac345d08", "20", "from the cache, Lambda", 1),
        ("cloud_run_hit_rate", "ac345d08", "20", "from the cache, Cloud Run", 1),
        ("lambda_connections", "ac345d08", "20", "DB connections, Lambda", 1),
        ("lambda_connections_low", "ac345d08", "1", "DB connections, Lambda", 1),
        ("lambda_connections_high", "ac345d08", "50", "DB connections, Lambda", 1),
        ("lambda_hit_high", "ac345d08", "50", "from the cache, Lambda", 1),
        ("cloud_run_hit_high", "ac345d08", "50", "from the cache, Cloud Run", 1),
        ("billing_low_ratio", "cb1e9e6f", "1", "instance-based ÷ request-based", 1),
        ("billing_high_ratio", "cb1e9e6f", "50", "instance-based ÷ request-based", 1),
        ("burst_envs", "445d7bf7", "environments or instances created", "Lambda, direct", 1),
        ("burst_in_flight", "445d7bf7", "most requests in their handlers at once", "Lambda, direct", 1),
        ("burst_refused", "445d7bf7", "environments or instances refused a connection", "Lambda, direct", 1),
        ("burst_failed", "445d7bf7", "requests failed", "Lambda, direct", 1),
        ("burst_failed_share", "445d7bf7", "share of requests failed", "Lambda, direct", 1),
        ("burst_pooled_peak", "445d7bf7", "DB connections at most", "Lambda + pooler", 1),
        ("burst_pooled_waited", "445d7bf7", "requests that found the pool in use", "Lambda + pooler", 1),
        ("burst_cloud_run_instances", "445d7bf7", "environments or instances created", "Cloud Run, direct", 1),
        ("burst_cloud_run_peak", "445d7bf7", "DB connections at most", "Cloud Run, direct", 1),
        ("burst_cloud_run_in_flight", "445d7bf7", "most requests in their handlers at once", "Cloud Run, direct", 1),
        ("burst_cloud_run_waited", "445d7bf7", "requests that found the pool in use", "Cloud Run, direct", 1),
        ("burst_cloud_run_pool_wait_ms", "445d7bf7", "mean wait for a pooled connection (ms)", "Cloud Run, direct", 1),
        ("burst_cloud_run_p99_ms", "445d7bf7", "p99 latency over the run (ms)", "Cloud Run, direct", 1),
        ("burst_lambda_p99_ms", "445d7bf7", "p99 latency over the run (ms)", "Lambda, direct", 1),
        ("burst_pooled_p99_ms", "445d7bf7", "p99 latency over the run (ms)", "Lambda + pooler", 1),
    ],
    "02_cold_starts.ipynb": [
        ("lambda_go_startup_ms", "00d35666", "Lambda go", "median start-up (s)", 1 / 1000),
        ("lambda_java_startup_ms", "00d35666", "Lambda java", "median start-up (s)", 1 / 1000),
        ("lambda_started", "00d35666", "Lambda python", "started", 1),
        ("cloud_run_started", "00d35666", "Cloud Run python", "started", 1),
        ("lambda_cold_rate", "00d35666", "Lambda python", "requests that started cold ± SE", 1),
        ("cloud_run_go_cold_rate", "00d35666", "Cloud Run go", "requests that started cold ± SE", 1),
        ("cloud_run_node_cold_rate", "00d35666", "Cloud Run nodejs", "requests that started cold ± SE", 1),
        ("cloud_run_java_cold_rate", "00d35666", "Cloud Run java", "requests that started cold ± SE", 1),
        ("cloud_run_go_p99_ms", "00d35666", "Cloud Run go", "p99 latency (ms) ± SE", 1),
        ("cloud_run_node_p99_s", "00d35666", "Cloud Run nodejs", "p99 latency (ms) ± SE", 1000),
        ("cloud_run_java_p99_s", "00d35666", "Cloud Run java", "p99 latency (ms) ± SE", 1000),
        ("pc0_p99_s", "ae4b3842", "Lambda, provisioned concurrency 0", "p99 latency (ms) ± SE", 1000),
        ("pc8_p99_s", "ae4b3842", "Lambda, provisioned concurrency 8", "p99 latency (ms) ± SE", 1000),
        ("min0_p99_s", "ae4b3842", "Cloud Run, min instances 0", "p99 latency (ms) ± SE", 1000),
        ("min1_p99_s", "ae4b3842", "Cloud Run, min instances 1", "p99 latency (ms) ± SE", 1000),
        ("pc8_monthly", "ae4b3842", "Lambda, provisioned concurrency 8", "per 30-day month (USD)", 1),
        ("min1_monthly", "ae4b3842", "Cloud Run, min instances 1", "per 30-day month (USD)", 1),
        ("heavy_min1_p99_s", "180a6916", "Cloud Run, min instances 1", "p99 latency (ms) ± SE", 1000),
        ("heavy_min2_p99_s", "180a6916", "Cloud Run, min instances 2", "p99 latency (ms) ± SE", 1000),
        ("heavy_pc16_p99_s", "180a6916", "Lambda, provisioned concurrency 16", "p99 latency (ms) ± SE", 1000),
    ],
    "03_concurrency_and_cost.ipynb": [
        ("cpu_cap80_p99", "c005", ("CPU-bound", "Cloud Run, cap 80"), "p99 (ms) ± SE", 1),
        ("cpu_cap1000_mean", "c005", ("CPU-bound", "Cloud Run, cap 1,000"), "mean (ms) ± SE", 1),
        ("io_cap1_monthly", "c005", ("I/O-bound", "Cloud Run, cap 1"), "per 30-day month (USD)", 1),
        ("io_cap1000_monthly", "c005", ("I/O-bound", "Cloud Run, cap 1,000"), "per 30-day month (USD)", 1),
        ("io_lambda_monthly", "c005", ("I/O-bound", "Lambda, 1 vCPU"), "per 30-day month (USD)", 1),
        ("light_lambda_started", "c013", ("2 ms CPU + 100 ms I/O", "Lambda"), "started", 1),
        ("light_cloudrun_peak", "c013", ("2 ms CPU + 100 ms I/O", "Cloud Run, 1 warm instance"), "peak alive", 1),
        ("heavy_cloudrun_started", "c013", ("20 ms CPU + 100 ms I/O", "Cloud Run, 1 warm instance"), "started", 1),
        ("heavy_lambda_started", "c013", ("20 ms CPU + 100 ms I/O", "Lambda"), "started", 1),
        ("heavy_cloudrun_p99", "c013", ("20 ms CPU + 100 ms I/O", "Cloud Run, 1 warm instance"), "spike p99 (ms)", 1),
        ("heavy_lambda_p99", "c013", ("20 ms CPU + 100 ms I/O", "Lambda"), "spike p99 (ms)", 1),
        ("slow_steady_lambda", "c022", ("0.5/s", "100%"), "Lambda", 1),
        ("slow_bursty_zero", "c022", ("0.5/s", "1%"), "Cloud Run (scale to zero)", 1),
        ("fast_steady_min1", "c022", ("5/s", "100%"), "Cloud Run, 1 min instance", 1),
        ("fast_best_zero_p99", "c024", ("5/s", "3%"), "Cloud Run (scale to zero)", 1),
        ("break_even_10", "c030", "10", "break-even I/O share", 1),
        ("break_even_50", "c030", "50", "break-even I/O share", 1),
    ],
    "03b_managed_instances.ipynb": [
        ("lmi_low_lambda", "lmi02", "1", "Lambda ± SE", 1),
        ("lmi_low_default", "lmi02", "1", "Lambda MI (default) ± SE", 1),
        ("lmi_mid_cloudrun", "lmi02", "100", "Cloud Run ± SE", 1),
        ("lmi_mid_default", "lmi02", "100", "Lambda MI (default) ± SE", 1),
        ("lmi_high_sized", "lmi02", "300", "Lambda MI (sized) ± SE", 1),
        ("lmi_high_cloudrun", "lmi02", "300", "Cloud Run ± SE", 1),
        ("lmi_mid_lambda_p99", "lmi04", "100", "Lambda ± SE", 1),
        ("lmi_mid_default_p99", "lmi04", "100", "Lambda MI (default) ± SE", 1),
        ("growth_x4_lmi_throttled", "lmi12", ("×4 in 1 minute", "Lambda MI (default)"), "throttled", 1),
        ("growth_x4_lmi_throttled_pct", "lmi12", ("×4 in 1 minute", "Lambda MI (default)"), "throttled (%)", 1),
        ("growth_x4_cloudrun_p99", "lmi12", ("×4 in 1 minute", "Cloud Run"), "p99 (ms)", 1),
        ("growth_x4_lambda_peak", "lmi12", ("×4 in 1 minute", "Lambda"), "peak alive", 1),
    ],
    "04_the_workload_decides.ipynb": [
        ("sync_refused", "c005", "Lambda, HTTP (sync)", "refused (429)", 1),
        ("lam_q_backlog", "c005", "Lambda, queue consumer", "peak backlog", 1),
        ("lam_q_wait", "c005", "Lambda, queue consumer", "longest wait (s)", 1),
        ("run_q_drain", "c005", "Cloud Run, queue consumer", "done after the burst (s)", 1),
        ("lam_q_cost", "c005", "Lambda, queue consumer", "cost of the window (USD)", 1),
        ("run_q_cost", "c005", "Cloud Run, queue consumer", "cost of the window (USD)", 1),
        # the map shows Cloud Run's cost over Lambda's: the factors by which Lambda is cheaper
        ("hourly_io_cost_ratio", "c012", ("I/O-heavy", "100%"), "1/h", 1),
        ("hourly_cpu_cost_ratio", "c012", ("CPU-heavy", "100%"), "1/h", 1),
        ("job_io_cost_ratio", "c012", ("I/O-heavy", "1%"), "100/h", 1),
        ("api_io_cost_factor", "c012", ("I/O-heavy", "100%"), "10,000/h", 1),
        ("api_cpu_cost_factor", "c012", ("CPU-heavy", "100%"), "10,000/h", 1),
        ("steady_lambda_usd", "51cbf42f", ("steady", "Lambda"), "monthly cost (USD)", 1),
        ("steady_cloudrun_usd", "51cbf42f", ("steady", "Cloud Run"), "monthly cost (USD)", 1),
        ("bursty_lmi_usd", "51cbf42f", ("bursty", "Lambda MI"), "monthly cost (USD)", 1),
        ("bursty_cloudrun_p99", "51cbf42f", ("bursty", "Cloud Run"), "p99 latency (ms)", 1),
        ("steady_lmi_p99", "51cbf42f", ("steady", "Lambda MI"), "p99 latency (ms)", 1),
        ("bursty_lambda_peak", "51cbf42f", ("bursty", "Lambda"), "peak instances", 1),
    ],
}


class _Tables(HTMLParser):
    """Every <table> of an HTML output as a list of rows, each a list of (tag, text, rowspan)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"head": [], "body": []})
            self._part = "head"
        elif tag in ("thead", "tbody"):
            self._part = "head" if tag == "thead" else "body"
        elif tag == "tr":
            self.tables[-1][self._part].append([])
        elif tag in ("th", "td"):
            self._cell = [tag, "", int(dict(attrs).get("rowspan", 1))]

    def handle_data(self, data):
        if self._cell is not None:
            self._cell[1] += data

    def handle_endtag(self, tag):
        if tag in ("th", "td") and self._cell is not None:
            self.tables[-1][self._part][-1].append((self._cell[0], self._cell[1].strip(), self._cell[2]))
            self._cell = None


def read_table(html: str) -> dict:
    """{(row labels, column label): cell text} of the first table in `html`; a row label spanning several
    rows (rowspan) counts for each of them."""
    parser = _Tables()
    parser.feed(html)
    table = parser.tables[0]
    body = table["body"]
    n_values = max(sum(1 for tag, _t, _r in row if tag == "td") for row in body)
    columns = [text for _tag, text, _r in table["head"][0]][-n_values:]
    cells, carried = {}, {}
    for row in body:
        labels = [text for tag, text, _r in row if tag == "th"]
        values = [text for tag, text, _r in row if tag == "td"]
        spans = [span for tag, _t, span in row if tag == "th"]
        depth = len(labels) + sum(1 for _label, left in carried.values() if left > 0)
        full, given = [], iter(zip(labels, spans))
        for level in range(depth):
            if level in carried and carried[level][1] > 0:
                full.append(carried[level][0])
                carried[level] = (carried[level][0], carried[level][1] - 1)
            else:
                label, span = next(given)
                full.append(label)
                if span > 1:
                    carried[level] = (label, span - 1)
        for column, value in zip(columns, values):
            cells[(tuple(full), column)] = value
    return cells


def glued(notebook: dict) -> dict:
    """{glue key: the text the prose shows}."""
    out = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            text = output.get("data", {}).get("application/papermill.record/text/plain")
            if name and text is not None and not output["data"].get("image/png"):
                text = "".join(text)
                out[name] = ast.literal_eval(text) if text[:1] in "'\"" else text
    return out


def shown_tables(notebook: dict) -> dict:
    """{cell id: its displayed table}."""
    out = {}
    for cell in notebook["cells"]:
        for output in cell.get("outputs", []):
            html = "".join(output.get("data", {}).get("text/html", ""))
            if "<table" in html and cell.get("id") not in out:
                out[cell["id"]] = read_table(html)
    return out


def number(text: str) -> tuple[float, float]:
    """The first number in `text` (a cell's '± SE' part left out) and half a unit of its last digit."""
    found = NUMBER.search(text.split("±")[0].replace("$", ""))
    assert found, f"no number in {text!r}"
    digits = found.group().replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return float(digits), 0.5 * 10 ** -decimals


def test_reads_a_table_with_spanning_row_labels():
    html = ("<table><thead><tr><th></th><th></th><th>x (ms)</th></tr></thead><tbody>"
            "<tr><th rowspan='2'>a</th><th>p</th><td>1.5</td></tr><tr><th>q</th><td>2</td></tr></tbody></table>")
    assert read_table(html) == {(("a", "p"), "x (ms)"): "1.5", (("a", "q"), "x (ms)"): "2"}
    assert number("$1,766.39 ± $2.83") == (1766.39, 0.005)
    assert number("0.061%") == (0.061, 0.0005)


def disagreements(notebook: dict, checks) -> list[str]:
    """Each check whose glued figure and table cell differ by more than the printing explains."""
    glue, tables = glued(notebook), shown_tables(notebook)
    found = []
    for key, cell_id, row, column, scale in checks:
        assert key in glue, f"no glue {key!r}"
        assert cell_id in tables, f"cell {cell_id} shows no table"
        rows = (row,) if isinstance(row, str) else row
        cell = tables[cell_id].get((rows, column))
        assert cell is not None, f"no cell {rows} x {column!r} in {sorted(tables[cell_id])[:6]}"
        prose, prose_half = number(glue[key])
        shown, shown_half = number(cell)
        if abs(prose * scale - shown) > max(prose_half * scale, shown_half) * (1 + 1e-9):
            found.append(f"prose {key}={glue[key]!r} but the table ({cell_id}, {rows}, {column}) shows {cell!r}")
    return found


def _notebook(glue_text: str, cell_text: str) -> dict:
    """A stored notebook with one glued figure and one table holding the same figure."""
    record = {"output_type": "display_data", "metadata": {"scrapbook": {"name": "hit"}},
              "data": {"application/papermill.record/text/plain": repr(glue_text)}}
    table = {"output_type": "execute_result", "metadata": {}, "data": {"text/html": (
        "<table><thead><tr><th></th><th>Lambda</th></tr></thead>"
        f"<tbody><tr><th>cache hit rate</th><td>{cell_text}</td></tr></tbody></table>")}}
    return {"cells": [{"id": "t", "outputs": [table]}, {"id": "g", "outputs": [record]}]}


def test_a_figure_from_another_run_is_caught():
    check = [("hit", "t", "cache hit rate", "Lambda", 1)]
    assert disagreements(_notebook("53%", "53%"), check) == []
    assert disagreements(_notebook("9.5", "9.53"), check) == []
    assert disagreements(_notebook("94%", "91.7%"), check) != []     # chapter 1's two runs, before
    assert disagreements(_notebook("0.061%", "0.001"), check) != []


@pytest.mark.parametrize("chapter", sorted(CHECKS))
def test_glued_figures_agree_with_the_displayed_table(chapter):
    notebook = json.loads((CHAPTERS / chapter).read_text())
    assert disagreements(notebook, CHECKS[chapter]) == []
