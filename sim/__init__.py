"""sim: SimPy models of AWS Lambda and Google Cloud Run for the book "The Workload Decides"."""
from .arrivals import Diurnal, OnOff, Poisson, Replay, Spike
from .config import CloudRunConfig, LambdaConfig
from .distributions import Exponential, Fixed, LogNormal
from .result import Result
from .run import Comparison, compare, simulate
from .workload import MAX_REQUESTS, Workload

__all__ = ["Workload", "Poisson", "Diurnal", "OnOff", "Spike", "Replay", "Fixed", "Exponential", "LogNormal",
           "LambdaConfig", "CloudRunConfig", "simulate", "compare", "Comparison", "Result", "MAX_REQUESTS"]
