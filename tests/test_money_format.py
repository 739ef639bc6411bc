"""One money format for tables, prose and axis ticks (sim.display.money)."""
import math

from sim.display import MISSING, money
from sim.experiments import concurrency_cost as cc
from sim.experiments._common import money_tick


def test_money_gives_cents_from_a_dollar_and_three_significant_digits_below():
    assert [money(x) for x in (1643.554, 2.5, 1.0, 0.5, 0.0114, 0.034, 0.0000083333)] == [
        "$1,643.55", "$2.50", "$1.00", "$0.50", "$0.0114", "$0.034", "$0.00000833"]
    assert money(0.0) == "$0.00" and money(math.nan) == MISSING


def test_a_short_amount_drops_the_cents_of_whole_dollars_only():
    assert [money(x, short=True) for x in (20.0, 1500.0, 1.0, 0.0, 2.5, 0.05, 0.002)] == [
        "$20", "$1,500", "$1", "$0", "$2.50", "$0.05", "$0.002"]


def test_the_chapters_money_ticks_are_that_format():
    assert [money_tick(x) for x in (0.002, 0.5, 5.0, 200.0)] == ["$0.002", "$0.50", "$5", "$200"]
    costs = cc.cost_vs_io_share(rates_per_s=(2.0,), io_shares=(0.0, 0.98), duration_s=60.0)
    axis = cc.plot_cost_vs_io_share(costs).axes[0].yaxis
    ticks = [tick for tick in axis.get_majorticklocs() if tick > 0]
    assert ticks and [axis.get_major_formatter()(tick) for tick in ticks] == [money(t, short=True) for t in ticks]
