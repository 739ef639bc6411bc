"""sim: SimPy models of AWS Lambda, Google Cloud Run and Lambda Managed Instances, for "The Workload Decides"."""
from .aggregate import Aggregate
from .arrivals import Diurnal, Growth, OnOff, Poisson, Replay, Spike
from .config import CloudRunConfig, LambdaConfig, LambdaManagedInstancesConfig
from .distributions import Exponential, Fixed, LogNormal, Recorded
from .result import Result
from .run import Comparison, compare, simulate
from .windows import LongWorkload, compare_chunks, compare_windows, simulate_windows
from .workload import MAX_REQUESTS, Workload

__all__ = ["Workload", "Poisson", "Diurnal", "OnOff", "Spike", "Growth", "Replay", "Fixed", "Exponential", "LogNormal", "Recorded",
           "LambdaConfig", "CloudRunConfig", "LambdaManagedInstancesConfig", "simulate", "compare", "Comparison",
           "Result", "MAX_REQUESTS", "LongWorkload", "compare_windows", "compare_chunks", "simulate_windows", "Aggregate"]
