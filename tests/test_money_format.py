"""One money format for tables, prose and axis ticks (sim.display.money)."""
import math

from sim.display import MISSING, money
from sim.experiments import concurrency_cost as cc


def test_money_gives_cents_from_a_dollar_and_three_significant_digits_below():
    assert [money(x) for x in (1643.554, 2.5, 1.0, 0.5, 0.0114, 0.034, 0.0000083333)] == [
        "$1,643.55", "$2.50", "$1.00", "$0.50", "$0.0114", "$0.034", "$0.00000833"]
    assert money(0.0) == "$0.00" and money(math.nan) == MISSING


def test_a_short_amount_drops_the_cents_of_whole_dollars_only():
    assert [money(x, short=True) for x in (20.0, 1500.0, 1.0, 0.0, 2.5, 0.05, 0.002)] == [
        "$20", "$1,500", "$1", "$0", "$2.50", "$0.05", "$0.002"]


def test_the_chapters_money_ticks_are_that_format():
    assert [cc._usd(x) for x in (0.002, 0.5, 5.0, 200.0)] == [money(x, short=True) for x in (0.002, 0.5, 5.0, 200.0)]
