"""The teaching markers the chapters include code by: each pair once, around the lines it names."""
from pathlib import Path

import pytest

SIM = Path(__file__).resolve().parents[1] / "sim"

MARKERS = [
    ("lambda_model.py", "warm-or-cold", ["cold=False", "cold=True", "return False"]),
    ("lambda_model.py", "keep-alive", ["keep_alive_s", "retired_s[env_id] = freed_s + keep_alive"]),
    ("shared_cpu.py", "processor-sharing", ["self.virtual_s += dt * (self.vcpu / n)"]),
]


@pytest.mark.parametrize("module, name, needles", MARKERS)
def test_marker_pair_encloses_its_code(module, name, needles):
    lines = (SIM / module).read_text().splitlines()
    opens = [k for k, line in enumerate(lines) if line.strip() == f"# [teach:{name}]"]
    closes = [k for k, line in enumerate(lines) if line.strip() == f"# [/teach:{name}]"]
    assert len(opens) == 1 and len(closes) == 1 and opens[0] < closes[0]
    body = "\n".join(lines[opens[0] + 1:closes[0]])
    for needle in needles:
        assert needle in body
    assert body.lstrip().startswith("def ")   # a whole method: it reads on its own
