"""sim.display: result tables for readers keep every number and change only how it is written."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from sim import display


@pytest.mark.parametrize("x, text", [(600.531222, "601"), (0.0114, "0.0114"), (1643.55, "1,644"),
                                     (9.534, "9.53"), (0.0, "0"), (-12.345, "-12.3"), (math.nan, "–")])
def test_three_significant_digits_in_fixed_notation(x, text):
    assert display.significant(x) == text


@pytest.mark.parametrize("x, text", [(2.4e-05, "$0.000024"), (1766.39, "$1,766.39"), (0.33, "$0.33"),
                                     (0.0114, "$0.0114"), (2e-07, "$0.0000002"), (12.0, "$12.00")])
def test_money_never_in_scientific_notation(x, text):
    assert display.money(x) == text


@pytest.mark.parametrize("x, text", [(0.000614, "0.061%"), (0.945, "94%"), (0.0069, "0.69%"), (1.0, "100%"),
                                     (0.0, "0%")])
def test_shares_as_percentages_with_two_significant_digits(x, text):
    assert display.percent(x) == text


@pytest.mark.parametrize("name, text", [("latency_p99_ms", "latency p99 (ms)"), ("cost_usd", "cost (USD)"),
                                        ("cache_hit_rate", "cache hit rate"), ("mean_db_connections",
                                                                               "mean DB connections"),
                                        ("startup_median_s", "startup median (s)"), ("rate_per_s", "rate (requests/s)"),
                                        ("monthly cost (USD)",
                                                                                     "monthly cost (USD)")])
def test_headers_in_words_with_units(name, text):
    assert display.header(name) == text


def frame():
    return pd.DataFrame({"latency_p99_ms": [600.531222, 12.34], "latency_p99_ms_se": [6.2, 0.45],
                         "cost_usd": [2.4e-05, 1766.39], "cold_start_rate": [0.000614, 0.945],
                         "started": [11, 1], "source": ["https://cloud.google.com/run/pricing", "a <b> & c"]},
                        index=pd.Index(["Lambda", "Cloud Run"], name="config"))


def test_a_table_formats_each_column_by_its_unit_and_joins_standard_errors():
    shown = display.table(frame()).frame
    assert list(shown.columns) == ["latency p99 (ms) ± SE", "cost (USD)", "cold start rate", "started", "source"]
    assert shown.loc["Lambda"].tolist()[:4] == ["601 ± 6", "$0.000024", "0.061%", "11"]
    assert shown.loc["Cloud Run"].tolist()[:4] == ["12.3 ± 0.5", "$1,766.39", "94%", "1"]


def test_sources_become_links_and_other_text_is_escaped():
    shown = display.table(frame()).frame["source"]
    assert shown["Lambda"] == '<a href="https://cloud.google.com/run/pricing">cloud.google.com/run/pricing</a>'
    assert shown["Cloud Run"] == "a &lt;b&gt; &amp; c"
    plain = repr(display.table(frame()))
    assert "https://cloud.google.com/run/pricing" in plain and "a <b> & c" in plain and "<a " not in plain


def test_fact_sheet_citations_link_to_their_section():
    anchors = display.facts_anchors()
    assert anchors["4"] == "aws-lambda-execution-environment-lifecycle-keep-alive-cold-starts"
    assert anchors["6a"] == "a-published-cloud-run-cold-start-measurements"
    linked = display.cite_facts("measured (facts.md s.6, s.9 item 8)")
    assert linked == ('measured (<a href="facts.html">facts.md</a> '
                      f'<a href="facts.html#{anchors["6"]}">s.6</a>, '
                      f'<a href="facts.html#{anchors["9"]}">s.9</a> item 8)')


def test_a_section_the_sheet_does_not_have_stays_text():
    beyond = max(int(number.rstrip("abcdefghijklmnopqrstuvwxyz")) for number in display.facts_anchors()) + 1
    assert display.cite_facts(f"facts.md s.{beyond}") == f'<a href="facts.html">facts.md</a> s.{beyond}'


def test_whole_number_columns_and_transposed_mixed_rows():
    mixed = pd.DataFrame({"Lambda": [1200, 0.33, 0.0242, "2020 to 2026"]},
                         index=["requests", "monthly cost (USD)", "cold-start share", "prices as of"], dtype=object)
    assert display.table(mixed).frame["Lambda"].tolist() == ["1,200", "$0.33", "2.4%", "2020 to 2026"]
    counts = pd.DataFrame({"started": [79.0, 12.0], "mean": [2.0, 5.78]})
    shown = display.table(counts).frame
    assert shown["started"].tolist() == ["79", "12"] and shown["mean"].tolist() == ["2.00", "5.78"]


def test_transpose_keeps_each_rows_unit():
    shown = display.table(frame()[["cost_usd", "started"]], transpose=True).frame
    assert shown.loc["cost (USD)"].tolist() == ["$0.000024", "$1,766.39"]
    assert shown.loc["started"].tolist() == ["11", "1"]


def test_refuses_what_is_not_a_dataframe():
    with pytest.raises(ValueError, match="frame must be a pandas DataFrame, got list"):
        display.table([1, 2])
