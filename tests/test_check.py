"""sim._check: one argument-checking module, and the configs' tables of what each field accepts."""
import dataclasses
import math

import numpy as np
import pytest

from sim import CloudRunConfig, LambdaConfig, LambdaManagedInstancesConfig, _check, widgets
from sim._check import Range

CONFIGS = [LambdaConfig(), LambdaConfig(concurrency_limit=50), CloudRunConfig(), CloudRunConfig(vcpu=4, memory_gib=4),
           LambdaManagedInstancesConfig(max_instances=20)]


def build_at(config, name, value):
    """The config with `name` = value: built, or refused only by the rule of a field that depends on it
    (e.g. autoscale_window_s >= autoscale_period_s), never by this field's own."""
    try:
        dataclasses.replace(config, **{name: value})
    except ValueError as error:
        assert not str(error).startswith(f"{name}="), error


def numeric_fields(config):
    return [name for name, rule in type(config).FIELD_RANGES.items() if isinstance(rule, Range)]


@pytest.mark.parametrize("config", CONFIGS, ids=repr)
def test_every_range_is_what_the_validation_accepts(config):
    """At each bound the config is built; just past it (or at an open bound) it is refused, naming the field.
    (vcpu is left out: its values between the bounds are further restricted, with the fields that depend on it.)"""
    for name in numeric_fields(config):
        if name == "vcpu":
            continue
        allowed = widgets.config_range(config, name)
        nudge = 1 if allowed.integer else max(abs(allowed.high), 1.0) * 1e-9
        if math.isfinite(allowed.high):
            build_at(config, name, int(allowed.high) if allowed.integer else allowed.high)
            with pytest.raises(ValueError, match=f"^{name}=.* is out of range; expected"):
                dataclasses.replace(config, **{name: allowed.high + nudge})
        low_ok = allowed.low + (nudge if allowed.low_open else 0)
        build_at(config, name, int(math.ceil(low_ok)) if allowed.integer else low_ok)
        with pytest.raises(ValueError, match=f"^{name}=.* is out of range; expected"):
            dataclasses.replace(config, **{name: allowed.low if allowed.low_open else allowed.low - nudge})


def test_ranges_follow_the_other_fields():
    assert widgets.config_range(CloudRunConfig(max_instances=7), "min_instances") == Range(0, 7, True)
    assert widgets.config_range(LambdaConfig(concurrency_limit=50), "provisioned_concurrency").high == 50
    assert widgets.config_range(CloudRunConfig(), "memory_gib") == Range(0, 4, False, True)
    assert widgets.config_range(CloudRunConfig(vcpu=8, memory_gib=8), "memory_gib") == Range(4, 32)
    assert widgets.config_range(CloudRunConfig(autoscale_period_s=10), "autoscale_window_s").low == 10
    assert widgets.config_range(LambdaManagedInstancesConfig(), "scale_growth_factor") == Range(1, 100, False, True)


def test_a_field_without_a_range_is_refused():
    with pytest.raises(ValueError, match="LambdaConfig.dispatch has no numeric range"):
        widgets.config_range(LambdaConfig(), "dispatch")
    with pytest.raises(ValueError, match="field='nope' is not allowed"):
        widgets.config_range(LambdaConfig(), "nope")


def test_optional_fields_take_none():
    assert LambdaConfig(init_ms=None).init_ms is None
    with pytest.raises(ValueError, match=r"^init_ms=-1 is out of range; expected a number in \[0, 10000\]$"):
        LambdaConfig(init_ms=-1)


def test_flags_and_numpy_scalars():
    assert _check.flag("db_pool", np.bool_(True)) is True
    for bad in (1, "yes", None):
        with pytest.raises(ValueError, match=f"^db_pool={bad!r} is not allowed; expected True or False$"):
            CloudRunConfig(db_pool=bad)
    value = _check.number("n", np.int64(3), low=1, integer=True)
    assert value == 3 and type(value) is int
    assert type(_check.real("x", np.float32(0.5), low=0)) is float
    with pytest.raises(ValueError, match=r"^n=np.True_ is not allowed; expected an integer >= 1$"):
        _check.number("n", np.bool_(True), low=1, integer=True)


def test_arrivals_and_distributions_check_their_tables():
    from sim import Diurnal, Fixed, LogNormal, Poisson, Recorded, Replay
    assert Diurnal.FIELD_RANGES["period_s"] == Range(0, low_open=True)
    with pytest.raises(ValueError, match=r"^period_s=0 is out of range; expected a number > 0$"):
        Diurnal(mean_rate_per_s=1.0, period_s=0)
    with pytest.raises(ValueError, match=r"^p95_ms=5 is out of range; expected a number >= 10$"):
        LogNormal(median_ms=10, p95_ms=5)   # a bound that is another field
    with pytest.raises(ValueError, match=r"^rate_per_s=True is not allowed; expected a number >= 0$"):
        Poisson(rate_per_s=True)
    assert Fixed(ms=np.float32(2.5)).ms == 2.5
    with pytest.raises(ValueError, match=r"^timestamps_s\[1\]=-2.0 is not allowed; expected a finite number >= 0$"):
        Replay([1, -2])
    with pytest.raises(ValueError, match=r"^values_ms\[2\]=inf is not allowed; expected a finite number >= 0$"):
        Recorded([1, 2, np.inf])
