"""Site values: each equals a fresh solve with the site closed (chosen) or forced in
(candidates), on a tiny instance solved exactly."""

from __future__ import annotations

from dataclasses import replace

import pytest
from helpers import solve_tiny
from test_decisions import BUDGET, instance

from siting.config import Decisions, Scenario
from siting.explain import site_values

pytestmark = pytest.mark.requires_highs


def scenario(**model) -> Scenario:
    return Scenario.model_validate({
        "name": "t", "data": {"zones": "z", "spaces": "s", "functions": "f", "channels": "c"},
        "model": {"budget": BUDGET, **model},
        "solver": {"mip_rel_gap": 0, "mip_abs_gap": 0, "time_limit_s": 30}})


def test_site_values_equal_fresh_solves():
    data = instance()
    table, meta = site_values(data, scenario(), candidates=5)
    _, base = solve_tiny(data, budget=BUDGET)
    assert meta["objective"] == pytest.approx(base.objective, abs=1e-9)
    chosen = table[table["role"] == "chosen"]
    cands = table[table["role"] == "candidate"]
    assert len(chosen) and len(cands)
    for _, r in table.iterrows():
        pin = (Decisions(close=[r["space_id"]]) if r["role"] == "chosen"
               else Decisions(open=[r["space_id"]]))
        _, fresh = solve_tiny(replace(data, decisions=pin), budget=BUDGET)
        assert r["objective_loss"] == pytest.approx(base.objective - fresh.objective,
                                                    abs=1e-6), r["space_id"]
        assert r["exact"] and r["status"] == "optimal"
        assert r["objective_loss_low"] <= r["objective_loss"] + 1e-9
        assert r["objective_loss"] <= r["objective_loss_high"] + 1e-9
    # own contribution: what the site serves in the plan (summary scale), >= 0
    assert (chosen["own_weighted_coverage"] > 0).all()
    # closing a site never gains coverage
    assert (chosen["weighted_coverage_loss"] >= -1e-9).all()


def test_two_workers_give_the_same_values():
    data = instance()
    one, _ = site_values(data, scenario(), candidates=2)
    two, meta = site_values(data, scenario(), candidates=2, workers=2)
    assert meta["workers"] == 2
    cols = ["space_id", "role", "objective_loss", "status"]
    assert one[cols].round(7).equals(two[cols].round(7))
