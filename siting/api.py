"""The Python API: plan a city from DataFrames or files in one call.

>>> import pandas as pd, siting
>>> plan = siting.plan(zones=pd.read_excel("city.xlsx", sheet_name="zones"),
...                    spaces=pd.read_excel("city.xlsx", sheet_name="spaces"),
...                    scenario={"model": {"budget": 2e7}})            # doctest: +SKIP
>>> plan.sites[["space_id", "channel", "capex"]]                         # doctest: +SKIP
>>> plan.write("results/plan")                                           # doctest: +SKIP

DataFrames are validated exactly as files are (aliases for Chinese headers and values,
coordinate systems, every problem at once in one :class:`~siting.exceptions.DataError`).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd

from siting import results
from siting.config import Scenario, load_scenario
from siting.data import load_inputs
from siting.problem import prepare

INPUT_FRAMES = "input_frames"
"""Key in ``Plan.data.meta`` of the tables given as DataFrames (written by ``Plan.write``)."""


@dataclasses.dataclass(frozen=True)
class Plan(results.Plan):
    """A recommended plan (:class:`siting.results.Plan`) that can write itself.

    sites : one row per chosen space (channel, area, capex, units and served per function).
    assignments : zone_id, site_id, function, served, distance_m (existing facilities too).
    zones : zone_id, function, demand, served, coverage.
    summary : status, objective, gap, costs, demand and service per function, inputs, options.
    """

    def write(self, out_dir: str | Path, lang: str = "zh", *, make_map: bool = True,
              report: bool = False) -> Path:
        """Write everything ``siting run`` writes (CSV, GeoPackage, summary.json, plan.xlsx,
        map.png; the HTML report with ``report=True``) into ``out_dir``. Tables given as
        DataFrames go to ``out_dir/inputs/`` and the summary points at them, so
        ``siting verify out_dir`` can re-check the plan."""
        from siting.report import write_plan

        out = Path(out_dir)
        plan_ = dataclasses.replace(self, summary=write_input_frames(self, out))
        return write_plan(plan_, out, lang, make_map=make_map, report=report)


def plan(zones: pd.DataFrame | None = None, spaces: pd.DataFrame | None = None,
         existing: pd.DataFrame | None = None, scenario: Scenario | dict | str | Path | None
         = None, *, functions: pd.DataFrame | None = None,
         channels: pd.DataFrame | None = None, overrides: dict | None = None) -> Plan:
    """Solve one scenario and return its :class:`~siting.results.Plan`.

    Parameters
    ----------
    zones, spaces, existing, functions, channels
        Input tables as DataFrames (columns as in the files; Chinese headers and values are
        accepted). A table not given comes from the scenario's ``data`` section; functions and
        channels default to the built-in catalogues.
    scenario
        A scenario file, a mapping (as in a YAML file; relative paths against the working
        directory) or a :class:`~siting.config.Scenario`. Default: all defaults.
    overrides
        Keys to change, dotted or nested: ``{"model.budget": 2e7}``.

    Returns
    -------
    Plan
        ``.sites`` (chosen spaces), ``.assignments``, ``.zones``, ``.summary``;
        ``.write(folder)`` writes every export (and the DataFrames given, under ``inputs/``,
        so ``siting verify`` can re-check the plan).
    """
    from siting.run import plan_problem

    if isinstance(scenario, Scenario):
        scen = scenario
        if overrides:
            from siting.config import _deep_merge, expand_dotted

            scen = Scenario.model_validate(_deep_merge(scen.model_dump(),
                                                       expand_dotted(overrides)))
    else:
        scen = load_scenario(scenario if scenario is not None else {}, overrides)
    frames = {k: v for k, v in {"zones": zones, "spaces": spaces, "existing": existing,
                                "functions": functions, "channels": channels}.items()
              if v is not None}
    for k, v in frames.items():
        if not isinstance(v, pd.DataFrame):
            from siting.exceptions import DataError

            raise DataError(f"siting.plan({k}=...): expected a pandas DataFrame, got "
                            f"{type(v).__name__}")
    inputs = load_inputs(scen, frames)
    data = prepare(inputs, scen)
    result = plan_problem(data, scen)
    if inputs.frames:
        result.data.meta[INPUT_FRAMES] = inputs.frames
    return Plan(**{f.name: getattr(result, f.name) for f in dataclasses.fields(result)})


def write_input_frames(plan_: results.Plan, out: Path) -> dict:
    """Write the DataFrames a plan was made from to ``out/inputs/<table>.csv`` and return the
    summary with its scenario pointing at them (so the folder can be verified alone)."""
    import copy

    from siting.data import file_sha256, frame_table
    from siting.exports import AtomicDir, write_csv

    frames = plan_.data.meta.get(INPUT_FRAMES) or {}
    summary = copy.deepcopy(plan_.summary)
    if not frames:
        return summary
    folder = out / "inputs"
    with AtomicDir(folder) as tmp:
        for k, df in frames.items():
            write_csv(frame_table(df), tmp / f"{k}.csv")
    data = summary["resolved_scenario"]["data"]
    for k in frames:
        path = (folder / f"{k}.csv").resolve()
        src = data.get(k) if isinstance(data.get(k), dict) else {}
        data[k] = {**(src or {}), "path": str(path), "sheet": None, "header_row": None,
                   "encoding": None}
        summary["inputs"][k] = {"path": str(path), "sha256": file_sha256(path)}
    return summary
