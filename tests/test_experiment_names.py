"""One name per thing in the experiments: Lambda Managed Instances are `lmi` in code and LMI_NAME on the page."""
import pandas as pd

from sim import LambdaManagedInstancesConfig
from sim.experiments import decision, managed_instances
from sim.experiments._common import LMI_NAME


def test_the_display_name_is_the_configs_default_name_everywhere():
    assert LMI_NAME == LambdaManagedInstancesConfig().name
    assert decision.PLATFORM_NAMES == {"lambda": "Lambda", "cloudrun": "Cloud Run", "lmi": LMI_NAME}
    assert managed_instances.LMI_DEFAULT.name == f"{LMI_NAME} (default)"
    assert managed_instances.LMI_SIZED_NAME == f"{LMI_NAME} (sized)"


def _map_rows(lmi_usd: float) -> pd.DataFrame:
    """One map cell (made up): Lambda $10, Cloud Run $20, LMI `lmi_usd`, nobody refused."""
    return pd.DataFrame({"profile": ["I/O-heavy: x"] * 3, "rate_per_hour": [60.0] * 3, "on_fraction": [1.0] * 3,
                         "platform": ["lambda", "cloudrun", "lmi"], "monthly_usd": [10.0, 20.0, lmi_usd],
                         "latency_p99_ms": [300.0, 250.0, 260.0], "throttle_rate": [0.0] * 3,
                         "requests": [1000] * 3})


def test_a_map_cell_names_the_cheapest_of_three_by_its_display_name():
    cells = decision.compare_cells(_map_rows(lmi_usd=5.0))
    assert cells["cheapest"].tolist() == [LMI_NAME] and cells["cheaper"].tolist() == ["Lambda"]
    assert cells["lmi_cost_ratio"].tolist() == [0.5]
    texts = [t.get_text() for t in decision.plot_decision_map(cells).axes[0].texts]
    assert texts[0] == f"L 2.0×\n{LMI_NAME} cheapest"
    cells = decision.compare_cells(_map_rows(lmi_usd=50.0))
    assert cells["cheapest"].tolist() == ["Lambda"]
    assert decision.plot_decision_map(cells).axes[0].texts[0].get_text() == "L 2.0×"
