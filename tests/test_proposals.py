"""Proposal lists: a funded proposal is exactly as proposed (channel, units, area, its own cost
estimate); proposals competing for one room, and one per community when asked, are at most
one funded; the selection equals enumeration of every affordable set of proposals."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pyomo.environ as pyo
import pytest
from helpers import _max_flow, solve_tiny, tiny_problem

from siting.config import Decisions
from siting.decisions import apply_proposals
from siting.problem import problem_from_frames

pytestmark = pytest.mark.requires_highs

PROPOSALS = [  # id, kind, ownership, area, channel, units f0, f1, estimate, community, room
    ("P1", "community_room", "collective", 40.0, "renovate", 2, 0, 150_000, "Z0", ""),
    ("P2", "office", "state", 45.0, "transfer", 1, 2, 120_000, "Z0", ""),
    ("P3", "office", "state", 45.0, "convert", 3, 0, 180_000, "Z1", "R1"),
    ("P4", "office", "state", 45.0, "transfer", 0, 3, 90_000, "Z1", "R1"),
    ("P5", "shop_front", "private", 40.0, "convert", 2, 1, 140_000, "Z2", ""),
]
REACH = {"P1": ["Z0", "Z1"], "P2": ["Z0"], "P3": ["Z1", "Z2"], "P4": ["Z1"], "P5": ["Z2"]}
DEMAND = {"Z0": {"f0": 3.0, "f1": 2.0}, "Z1": {"f0": 2.0, "f1": 3.0}, "Z2": {"f0": 2.0,
                                                                          "f1": 1.0}}
FUNCS = {"f0": {"area_per_unit_m2": 10.0, "max_units": 3, "fitout_cost_per_unit": 4000.0,
                "weight": 2.0},
         "f1": {"area_per_unit_m2": 8.0, "max_units": 3, "fitout_cost_per_unit": 1000.0}}


def proposal_problem(one_per_community: bool):
    spaces = [{"space_id": p, "kind": k, "ownership": o, "floor_area_m2": a, "channel": c,
               "units_f0": u0 or float("nan"), "units_f1": u1 or float("nan"),
               "cost_estimate": est, "community": com, "location_id": room}
              for p, k, o, a, c, u0, u1, est, com, room in PROPOSALS]
    dist = {(z, p): 200.0 for p, zs in REACH.items() for z in zs}
    base = tiny_problem(spaces, DEMAND, dist, FUNCS)
    sp = apply_proposals(base.spaces, base.functions)
    data = problem_from_frames(zones=base.zones, spaces=sp, functions=base.functions,
                               channels=base.channels, demand=base.demand, pairs=base.pairs)
    from dataclasses import replace

    return replace(data, decisions=Decisions(one_per_community=one_per_community))


def enumerate_selection(budget: float, one_per_community: bool) -> float:
    total = {f: sum(d.get(f, 0.0) for d in DEMAND.values()) for f in FUNCS}
    best = 0.0
    for r in range(len(PROPOSALS) + 1):
        for chosen in itertools.combinations(PROPOSALS, r):
            if sum(p[7] for p in chosen) > budget:
                continue
            rooms = [p[9] for p in chosen if p[9]]
            coms = [p[8] for p in chosen]
            if len(rooms) != len(set(rooms)) or (one_per_community
                                                 and len(coms) != len(set(coms))):
                continue
            cov = 0.0
            for k, f in enumerate(FUNCS):
                cap = {p[0]: float(p[5 + k]) for p in chosen}
                arcs = {}
                for p in chosen:
                    for z in REACH[p[0]]:
                        arcs.setdefault(z, set()).add(p[0])
                dem = {z: d.get(f, 0.0) for z, d in DEMAND.items() if d.get(f, 0.0) > 0}
                cov += FUNCS[f].get("weight", 1.0) / total[f] * _max_flow(dem, cap, arcs)
            best = max(best, cov)
    return best


@pytest.mark.parametrize(("budget", "one"), [(300_000, False), (300_000, True),
                                             (420_000, True), (700_000, False)])
def test_selection_equals_enumeration(budget, one):
    data = proposal_problem(one)
    built, res = solve_tiny(data, budget=budget, tie_break=0)
    assert res.status == "optimal"
    assert res.objective == pytest.approx(enumerate_selection(budget, one), abs=1e-9)
    m, idx = built.model, built.index
    funded = {o[0]: o[1] for o in idx.options if pyo.value(m.build[o]) > 0.5}
    by_id = {p[0]: p for p in PROPOSALS}
    for j, k in funded.items():
        p = by_id[j]
        assert k == p[4]
        assert pyo.value(m.gross[j, k]) == pytest.approx(p[3])
        for n, f in enumerate(FUNCS):
            got = pyo.value(m.units[j, f]) if (j, f) in m.units else 0.0
            assert got == pytest.approx(p[5 + n])
        cost = (idx.fixed_cost[(j, k)] + idx.cost_per_m2[(j, k)] * pyo.value(m.gross[j, k])
                + sum(idx.fitout[f] * pyo.value(m.units[h]) for h in idx.hosts_of.get(j, [])
                      for f in [h[1]]))
        assert cost == pytest.approx(p[7])  # its own estimate
    assert not ("P3" in funded and "P4" in funded)  # one room
    if one:
        coms = [by_id[j][8] for j in funded]
        assert len(coms) == len(set(coms))


def test_proposal_file_errors(tmp_path):
    from siting.data import load_channels, load_spaces

    problems: list[str] = []
    ch = load_channels(Path(__file__).parents[1] / "siting" / "catalogues" / "channels.csv",
                       problems)
    f = tmp_path / "spaces.csv"
    pd.DataFrame([
        {"space_id": "A", "name": "a", "kind": "community_room", "ownership": "state",
         "floor_area_m2": 100, "lon": 120.1, "lat": 30.2, "channel": "transfer",
         "units_childcare": 20, "decision": ""},
        {"space_id": "B", "name": "b", "kind": "office", "ownership": "state",
         "floor_area_m2": 100, "lon": 120.1, "lat": 30.2, "channel": "",
         "units_childcare": 20, "decision": "maybe"},
    ]).to_csv(f, index=False)
    load_spaces(f, ch, problems)
    text = "\n".join(problems)
    assert "row 2: proposal 'A': a community_room / state space is not eligible" in text
    assert "row 3: space 'B' gives units_childcare but no 'channel'" in text
    assert "decision 'maybe' is not 'open', 'close' or a channel" in text


def test_shipped_pilot_list_builds():
    from siting.config import load_scenario
    from siting.data import load_inputs
    from siting.model import build_model
    from siting.problem import prepare

    root = Path(__file__).resolve().parents[1]
    scen = load_scenario(root / "scenarios" / "pilot_list.yaml")
    inputs = load_inputs(scen)
    sp = inputs.spaces
    assert len(sp) == 115 and sp["community"].nunique() == 87
    assert (sp["location_id"].fillna("") != "").sum() >= 2
    built = build_model(prepare(inputs, scen), scen.model)  # no contradiction in the list
    # 28 communities with two proposals (一社区一项目) and 12 shared rooms
    assert len(built.model.decisions_group) == 28 + 12
