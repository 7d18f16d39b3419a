"""spopt's real San Francisco data through the ordinary file path (CSV inputs, a scenario
file, ``distance.method: table``): p-median and MCLP reproduce spopt's published results."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from siting.config import load_scenario
from siting.run import plan_scenario

SF = Path(__file__).parent / "data" / "spopt-sf-stores"
pytestmark = pytest.mark.requires_highs


def expected(case: str) -> str:
    e = pd.read_csv(SF / "expected.csv").set_index("case_id")
    return e.at[case, "expected_value"]


@pytest.fixture(scope="module")
def sf_files(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("sf")
    dem = pd.read_csv(SF / "SF_demand_205_centroid_uniform_weight.csv", dtype={"NAME": str})
    pd.DataFrame({"zone_id": dem["NAME"], "name": dem["NAME"], "households": dem["HOUSEHOLDS"],
                  "population": dem["POP2000"], "pop_0_3": 0, "pop_60_plus": 0,
                  "lon": dem["long"], "lat": dem["lat"]}).to_csv(d / "zones.csv", index=False)
    st = pd.read_csv(SF / "SF_store_site_16_longlat.csv")
    pd.DataFrame({"space_id": st["NAME"], "name": st["NAME"], "kind": "state_building",
                  "ownership": "state", "floor_area_m2": 1e7, "lon": st["long"],
                  "lat": st["lat"]}).to_csv(d / "spaces.csv", index=False)
    dist = pd.read_csv(SF / "SF_network_distance_candidateStore_16_censusTract_205_new.csv",
                       dtype={"DestinationName": str})
    pd.DataFrame({"from_id": dist["DestinationName"], "to_id": dist["name"],
                  "metres": dist["distance"]}).to_csv(d / "distances.csv", index=False)
    (d / "functions.csv").write_text(
        "function,unit,area_per_unit_m2,min_units,max_units,fitout_cost_per_unit,"
        "opex_per_unit_year,walking_limit_m,demand_rate,demand_per,demand_base,weight\n"
        "store,person,1,0,10000000,0,0,100000,1,1,population,1\n", encoding="utf-8")
    (d / "channels.csv").write_text(
        "channel,cost_per_m2,fixed_cost,usable_factor,lead_time_months,eligible_kinds,"
        "eligible_ownerships,max_area_growth,area_basis\n"
        "open,0,0,1,0,state_building,state,0,floor_area\n", encoding="utf-8")
    (d / "base.yaml").write_text(
        "data: {zones: zones.csv, spaces: spaces.csv, functions: functions.csv, "
        "channels: channels.csv}\n"
        "distance: {method: table, table: distances.csv}\n"
        "model: {n_spaces: 4, integer_units: false, tie_break: 0}\n"
        "solver: {mip_rel_gap: 0, mip_abs_gap: 0}\n", encoding="utf-8")
    return d


def test_pmedian_matches_spopt(sf_files):
    s = load_scenario(sf_files / "base.yaml", {"model": {"objective": "min_distance"}})
    plan = plan_scenario(s)
    assert plan.summary["status"] == "optimal"
    assert plan.summary["objective"] == pytest.approx(
        float(expected("sf_pmedian_objective")), rel=1e-9)
    pop = plan.data.zones["population"].sum()
    assert plan.summary["objective"] / pop == pytest.approx(
        float(expected("sf_pmedian_mean_dist")), rel=1e-9)
    assert set(plan.sites["space_id"]) == set(expected("sf_pmedian_sites").split(";"))


def test_mclp_matches_spopt(sf_files):
    s = load_scenario(sf_files / "base.yaml", {
        "model": {"objective": "max_coverage"},
        "functions": {"store": {"walking_limit_m": 5000}}})
    plan = plan_scenario(s)
    covered = plan.summary["functions"]["store"]["served"]
    assert covered == pytest.approx(float(expected("sf_mclp_covered_weight")), abs=1e-3)
    assert set(plan.sites["space_id"]) == set(expected("sf_mclp_sites").split(";"))
    uncovered = (plan.zones["coverage"] < 1 - 1e-9).sum()
    assert uncovered == int(expected("sf_mclp_uncovered_clients"))
