"""sim.intervals against a brute-force count: every interval checked at every time, one by one."""
import numpy as np
import pytest

from sim import intervals


def brute_open(start, end, t):
    return np.array([sum(1 for s, e in zip(start, end) if s <= x < e) for x in t])


def brute_peak(start, end):
    """Most open at once: the count just after each start (an interval ending there is closed)."""
    return max((sum(1 for s, e in zip(start, end) if s <= x < e) for x in start), default=0)


@pytest.fixture(params=[0, 1, 2])
def case(request):
    """Random intervals on a coarse grid, so that many starts and ends coincide."""
    rng = np.random.default_rng(request.param)
    n = 60
    start = rng.integers(0, 40, n).astype(float)
    end = start + rng.integers(0, 15, n)   # some empty intervals [s, s)
    return start, end


def test_open_at_matches_brute_force(case):
    start, end = case
    t = np.arange(-1.0, 60.0, 0.5)
    assert np.array_equal(intervals.open_at(start, end, t), brute_open(start, end, t))


def test_open_at_counts_an_infinite_end_as_open():
    assert intervals.open_at([0.0, 1.0], [np.inf, 2.0], [1.5, 10.0]).tolist() == [2, 1]


def test_peak_open_matches_brute_force(case):
    start, end = case
    assert intervals.peak_open(start, end) == brute_peak(start, end)
    assert intervals.peak_open([], []) == 0
    assert intervals.peak_open([0.0, 1.0], [1.0, 2.0]) == 1   # one ends as the other starts


def test_step_function_holds_the_brute_force_count_between_changes(case):
    start, end = case
    end = end.copy()
    end[::7] = np.nan   # still open
    times, values = intervals.step_function(start, end)
    assert np.all(np.diff(times) > 0) and times[0] == 0.0
    probe = np.append((times[:-1] + times[1:]) / 2, times[-1] + 1.0)
    closes = np.where(np.isnan(end), np.inf, end)
    assert np.array_equal(values, brute_open(start, closes, probe))


def test_weighted_step_function_and_its_mean():
    times, values = intervals.step_function([0.0, 2.0], [4.0, 6.0], weight=[3, 5])
    assert times.tolist() == [0.0, 2.0, 4.0, 6.0] and values.tolist() == [3, 8, 5, 0]
    # area 3*2 + 8*2 + 5*2 = 32 over [0, 8]
    assert intervals.step_mean(times, values, 8.0) == 4.0
    assert intervals.step_mean(times, values, 0.0) == 0.0


def test_open_time_is_the_integral_of_the_brute_force_count(case):
    start, end = case
    edges = np.array([0.0, 7.0, 20.0, 33.0, 55.0])
    grid = np.arange(0.0, 55.0, 0.5)   # the count is constant on each half-unit step of the grid
    counts = brute_open(start, end, grid)
    expected = [0.5 * counts[(grid >= lo) & (grid < hi)].sum() for lo, hi in zip(edges[:-1], edges[1:])]
    assert np.allclose(intervals.open_time(start, end, edges), expected, rtol=0, atol=1e-12)
