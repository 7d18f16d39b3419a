from __future__ import annotations

import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def demo_scenario():
    """The shipped base scenario on the bundled demo district."""
    from siting.config import load_scenario

    return load_scenario(ROOT / "scenarios" / "base.yaml")


@pytest.fixture(scope="session")
def demo_data(demo_scenario):
    from siting.data import load_inputs
    from siting.problem import prepare

    return prepare(load_inputs(demo_scenario), demo_scenario)
