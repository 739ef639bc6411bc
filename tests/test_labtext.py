"""The labs' result sentences (sim.labtext): they quote the table they are given, and say "about the same"
when two 95% intervals overlap."""
from __future__ import annotations

import pandas as pd
import pytest

from conftest import ROOT
from sim import labtext
from sim.panels import cold_starts, concurrency_cost, deployment_shape


def test_lab1_sentences_quote_the_table_they_are_given():
    table = deployment_shape.run()
    text = labtext.deployment_shape(table, deployment_shape.DEFAULTS).data
    started = table.loc["environments / instances started"]
    assert f"start {started['Lambda']} execution environments" in text
    assert f"with {started['Cloud Run']} instance" in text
    assert f"{table.loc['requests failed (DB full)', 'Lambda']:,} request" in text
    assert f"{table.loc['cache hit rate', 'Cloud Run']:.0%}" in text
    other = deployment_shape.run(spike_rate_per_s=400.0)
    assert labtext.deployment_shape(other, deployment_shape.DEFAULTS).data != text


def test_lab2_sentences_compare_the_gap_with_each_platforms_keep_alive():
    runs = cold_starts.experiment()
    table = cold_starts.table(runs)
    text = labtext.cold_starts(table, runs, cold_starts.DEFAULTS).data
    assert "longer than Lambda's keep-alive (6 minutes)" in text          # gap 10 minutes > 360 s
    assert "Cloud Run's idle timeout (15 minutes) outlasts the gap" in text
    assert f"p99 of {table.loc['p99 latency (ms)', 'Lambda']:,.0f} ms" in text
    assert f"${table.loc['per 30-day month (USD)', 'Cloud Run']:,.2f} on Cloud Run" in text


def test_lab3_sentences_name_the_three_columns_and_their_numbers():
    burst = concurrency_cost.run_concurrency()
    text = labtext.concurrency(burst, concurrency_cost.CONCURRENCY_DEFAULTS, concurrency_cost.BURST_DURATION_S,
                               concurrency_cost.BASE_RATE_PER_S).data
    lam, run, mi = burst.columns
    assert f"{lam} started {burst.loc['environments / instances started', lam]} environments" in text
    assert f"${burst.loc['cost of the window (USD)', mi]:.4f} for the same window" in text
    assert "need 2 vCPUs of CPU work" in text                            # 100 requests/s x 20 ms
    traffic = concurrency_cost.run_traffic()
    month = traffic.loc["per 30-day month (USD)"]
    assert f"${month['Lambda MI']:,.2f}" in labtext.traffic_cost(traffic, concurrency_cost.TRAFFIC_DEFAULTS).data


def _summary(lambda_ci, cloud_run_ci):
    rows = []
    for config, (low, mean, high) in (("Lambda", lambda_ci), ("Cloud Run", cloud_run_ci)):
        rows.append({"metric": "monthly_usd", "on_fraction": 1.0, "config": config,
                     "mean": mean, "ci95_low": low, "ci95_high": high})
    return pd.DataFrame(rows)


def test_cheaper_only_when_the_intervals_do_not_overlap():
    apart = labtext.cheaper_with_intervals(_summary((9, 10, 11), (4, 5, 6)), {1.0: "Steady"}, "Lambda", "Cloud Run")
    assert apart.data == ("Steady: Cloud Run is cheaper ($5.00 against $10.00 a month; "
                          "the 95% intervals do not overlap).")
    close = labtext.cheaper_with_intervals(_summary((4, 5.2, 6.4), (4.5, 5, 5.5)), {1.0: "Steady"}, "Lambda", "Cloud Run")
    assert close.data.startswith("Steady: Lambda and Cloud Run cost about the same ($5.20 and $5.00")
    with pytest.raises(ValueError, match="configs \\['Lambda MI'\\] are not in the summary"):
        labtext.cheaper_with_intervals(_summary((1, 2, 3), (1, 2, 3)), {1.0: "x"}, "Lambda", "Lambda MI")


def _capstone_spread(usd, p99_ms):
    """A capstone.verdict_spread table from per-config lists (one value per replication)."""
    return pd.DataFrame([{"replication": k, "config": name, "monthly_usd": usd[name][k],
                          "latency_p99_ms": p99_ms[name][k], "throttle_rate": 0.0}
                         for name in usd for k in range(len(usd[name]))])


def test_lab4_sentences_name_a_winner_only_beyond_the_run_to_run_spread():
    from sim.experiments import capstone

    sample = capstone.workload_from_csv(ROOT / "labs" / "data" / "sample_requests.csv", duration_s=1800.0)
    verdict = capstone.verdict(sample)
    spread = capstone.verdict_spread(sample)
    text = labtext.capstone_sample(verdict, spread, sample.duration_s, 20.0, capstone.CONFIGS[0]).data
    cost = verdict.loc["monthly cost (USD)"].astype(float).sort_values()
    assert f"The sample holds {verdict.loc['requests', 'Lambda']:,} requests over 30 minutes." in text
    assert (f"For it, {cost.index[0]} is the cheapest (${cost.iloc[0]:,.2f} a month; next, {cost.index[1]} at "
            f"${cost.iloc[1]:,.2f} a month);") in text
    assert f"up to {verdict.loc['peak instances', 'Lambda']} environments" in text
    # The same verdict with a spread in which the p99s straddle each other: "about equal", both named.
    p99 = verdict.loc["p99 latency (ms)"].astype(float)
    usd = {name: [float(verdict.loc["monthly cost (USD)", name]) * f for f in (1, 1.01, 0.99)] for name in verdict.columns}
    swing = {name: (200.0 if k % 2 else -200.0) for k, name in enumerate(verdict.columns)}
    wide = _capstone_spread(usd, {name: [p99[name], p99[name] + swing[name], p99[name] - swing[name]]
                                  for name in verdict.columns})
    close = labtext.capstone_sample(verdict, wide, sample.duration_s, 20.0, capstone.CONFIGS[0]).data
    assert "At the p99, " in close and " are about equal (" in close.split("At the p99, ")[1]
    assert "the margin is inside the run-to-run spread of 3 runs" in close


def test_lab4_map_sentences_count_its_cells():
    cells = pd.DataFrame({"rate_per_s": [0.2, 2.0, 20.0, 20.0], "on_fraction": [1.0] * 4,
                          "io_share": [0.2, 0.2, 0.2, 0.9], "cheapest": ["Lambda", "Cloud Run", "Lambda MI", "Cloud Run"],
                          "sure": [True, False, True, True]})
    table = pd.DataFrame([{"rate_per_s": c.rate_per_s, "on_fraction": 1.0, "io_share": c.io_share,
                           "replication": k, "config": name}
                          for c in cells.itertuples() for k in range(3) for name in ("Lambda", "Cloud Run", "Lambda MI")])
    text = labtext.capstone_map(cells, table).data
    assert text.startswith("The map holds 4 cells (12 simulations of 3 platforms each).")
    assert "In 3 of them the replications separate" in text
    assert "Lambda Managed Instances are cheapest in 1 cell of this map." in text
    assert text.endswith("(90% I/O), the cheapest is Cloud Run.")


def test_an_answer_is_folded_markdown_that_unfolds_to_its_lines():
    shown = labtext.answer("It is *blue*: $5.00 a month.", "- and a list", title="About the solution").data
    assert shown.startswith('<details class="sd-sphinx-override sd-dropdown')
    assert "<span class=\"sd-summary-text\">About the solution</span>" in shown
    # The Markdown sits after a blank line, so the book and JupyterLab parse it as Markdown, not as HTML.
    assert "\n\nIt is *blue*: $5.00 a month.\n- and a list\n\n</div>" in shown
    assert labtext.unfold(shown) == ("About the solution", "It is *blue*: $5.00 a month.\n- and a list")
    assert labtext.unfold("It is blue.") is None
    with pytest.raises(ValueError, match=r"title='<b>'"):
        labtext.answer("x", title="<b>")


def test_lab4_minimum_fleet_answer_reads_the_first_cheapest_rate_and_the_top_rates_fleet():
    steady = pd.DataFrame({"Lambda": [60.0, 180.0, 590.0], "Cloud Run": [70.0, 140.0, 360.0],
                           "Lambda MI": [208.0, 218.0, 255.0], "Lambda MI peak instances": [3, 3, 6],
                           "Lambda MI throttled": [0.0, 0.0, 0.0101]}, index=pd.Index([10.0, 30.0, 100.0], name="rate_per_s"))
    title, body = labtext.unfold(labtext.capstone_minimum_fleet(steady).data)
    assert title == "About the solution"
    assert "first the cheapest at 100 requests per second." in body
    assert "At 100 requests per second three instances" in body and "reached 6 instances and refused 1.0%" in body
    never = labtext.capstone_minimum_fleet(steady.assign(**{"Lambda MI": [900.0, 900.0, 900.0]})).data
    assert "the managed fleet is never the cheapest." in never


def test_lab4_metric_answer_says_whether_the_metric_agrees_with_the_report_lines():
    names = ["Lambda", "Cloud Run", "Lambda MI"]
    verdict = pd.DataFrame({n: [1000, c, 0.0] for n, c in zip(names, (18.07, 37.80, 200.0))},
                           index=["requests", "monthly cost (USD)", "throttled share"])
    flipped = verdict.copy()
    flipped.loc["monthly cost (USD)"] = [40.0, 20.0, 200.0]

    def spread(table):
        return _capstone_spread({n: [float(table.loc["monthly cost (USD)", n]) * f for f in (1, 1.01, 0.99)]
                                 for n in names}, {n: [100.0, 101.0, 99.0] for n in names})

    same = labtext.capstone_metric_answer(1815, verdict, spread(verdict), verdict, spread(verdict)).data
    assert "From the metric, Lambda is the cheapest ($18.07 a month; next, Cloud Run at $37.80 a month), as with" in same
    assert "1,815 requests" in same
    assert "unlike the REPORT lines" in labtext.capstone_metric_answer(1815, verdict, spread(verdict), flipped,
                                                                      spread(flipped)).data
