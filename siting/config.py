"""Scenario configuration: the validated schema, YAML loading and ``extends`` inheritance.

A scenario file is YAML. Relative paths in it are relative to the file's folder. A scenario may
``extends: other`` (a file stem in the same folder, or a path); the merge priority is

    command-line overrides  >  the scenario  >  the scenario it extends  >  the defaults below

Mappings merge key by key (recursively); any other value (list, number, string) replaces.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
)

from siting.exceptions import DataError

DEMAND_BASES = ("population", "households", "pop_0_3", "pop_60_plus")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True,
                              allow_inf_nan=False)

    def update(self, **changes: Any) -> _Strict:
        """Return a validated copy with ``changes`` applied (the original is frozen)."""
        return type(self).model_validate({**self.model_dump(), **changes})


class TableSource(_Strict):
    """One input table: a file and how to read it. A plain path is short for ``{path: ...}``."""

    path: Path
    """CSV, Excel (.xlsx) or a GeoPackage / GeoJSON / Shapefile. Relative to the scenario file."""
    sheet: str | int | None = None
    """Excel sheet name (or 0-based position); default the first sheet."""
    header_row: int | None = Field(None, ge=1)
    """Spreadsheet row of the header (1 = first row); default: found automatically (the first
    of the first 30 rows that names known columns), so title rows above it are skipped."""
    encoding: str | None = None
    """CSV text encoding (``utf-8``, ``gbk``, ``gb18030``, ...); default: UTF-8 (with or
    without BOM), else GB18030 (which includes GBK)."""
    coordinates: str | None = None
    """Coordinate system of this file's ``lon``/``lat`` (or ``x``/``y``) columns; default
    ``data.coordinates``."""

    @field_validator("coordinates")
    @classmethod
    def _known_system(cls, v: str | None) -> str | None:
        from siting.coords import parse_system

        return None if v is None else parse_system(v)

    def __fspath__(self) -> str:
        return str(self.path)


def _as_source(v: Any) -> Any:
    return {"path": v} if isinstance(v, str | Path) else v


class DataPaths(_Strict):
    """Input files. Relative paths are resolved against the scenario file's folder. Each
    table is a path or ``{path, sheet, header_row, encoding, coordinates}``."""

    zones: TableSource | None = None
    """Demand zones (communities): CSV/Excel with lon,lat or a GeoPackage/GeoJSON/Shapefile
    (required unless passed as a DataFrame to :func:`siting.plan`)."""
    spaces: TableSource | None = None
    """Candidate spaces: CSV/Excel with lon,lat or a vector file (required unless passed as a
    DataFrame)."""
    existing: TableSource | None = None
    """Existing facilities (function capacities already in place); optional."""
    functions: TableSource | None = None
    """Function catalogue (CSV); default the built-in ``siting/catalogues/functions.csv``."""
    channels: TableSource | None = None
    """Channel catalogue (CSV); default the built-in ``siting/catalogues/channels.csv``."""
    coordinates: str = "wgs84"
    """Coordinate system of the lon/lat of zones, spaces and existing facilities: ``wgs84``
    (GPS, OpenStreetMap), ``gcj02`` (Amap, Tencent), ``bd09`` (Baidu), ``cgcs2000``, or
    ``EPSG:<code>`` for projected ``x``/``y`` columns (e.g. EPSG:4549, CGCS2000 3-degree
    Gauss-Krüger CM 120° E). Converted to WGS-84 on load; outputs also carry the input's own
    coordinates. A table's own ``coordinates`` wins."""

    _as_source = field_validator("zones", "spaces", "existing", "functions", "channels",
                                 mode="before")(_as_source)

    @field_validator("coordinates")
    @classmethod
    def _known_system(cls, v: str) -> str:
        from siting.coords import parse_system

        return parse_system(v)

    def source(self, key: str) -> TableSource | None:
        """The table's source, with the built-in catalogue for an unset functions/channels."""
        src = getattr(self, key)
        if src is None and key in ("functions", "channels"):
            from siting import catalogues

            return TableSource(path=catalogues.path(f"{key}.csv"))
        return src

    def system(self, key: str) -> str:
        """Coordinate system of a table's locations."""
        src = getattr(self, key)
        return (src.coordinates if src is not None and src.coordinates else self.coordinates)

    def files(self) -> dict[str, Path]:
        """Every input file, by table (built-in catalogues included)."""
        out = {}
        for key in ("zones", "spaces", "existing", "functions", "channels"):
            src = self.source(key)
            if src is not None:
                out[key] = src.path
        return out


class DistanceOptions(_Strict):
    """How walking distances are obtained."""

    method: Literal["straight", "table", "network"] = "straight"
    """``straight``: straight line in a projected CRS times ``detour_factor``; ``table``: read
    ``table`` (columns ``from_id,to_id,metres``; from = zone, to = space or existing facility)."""
    detour_factor: float = Field(1.3, ge=1.0, le=3.0)
    """Ratio of walking route length to straight-line distance. 1.3 is a common planning
    default for grid-like urban street networks (route-directness studies report 1.2-1.4)."""
    table: Path | None = None
    """Distance table for ``method: table``."""
    network: Path | None = None
    """Street centre lines (GeoPackage / GeoJSON / Shapefile, or GraphML) for
    ``method: network``."""
    snap_warn_m: float = Field(300.0, gt=0)
    """Warn about points farther than this from the street network."""
    cache_dir: Path | None = None
    """Where network distance tables are cached (default: ``.siting-cache`` beside the
    network file)."""


class FunctionOverride(_Strict):
    """Scenario changes to one row of the function catalogue (unset = catalogue value)."""

    enabled: bool | None = None
    walking_limit_m: float | None = Field(None, gt=0)
    demand_rate: float | None = Field(None, ge=0)
    demand_per: float | None = Field(None, gt=0)
    demand_base: Literal["population", "households", "pop_0_3", "pop_60_plus"] | None = None
    """Population group the demand is counted on (e.g. ``pop_0_3`` for childcare: slots per
    child aged 0-3, so a fall in births lowers it: ``scenarios/childcare_0_3.yaml``)."""
    weight: float | None = Field(None, ge=0)
    area_per_unit_m2: float | None = Field(None, gt=0)
    min_units: int | None = Field(None, ge=0)
    max_units: int | None = Field(None, ge=1)
    fitout_cost_per_unit: float | None = Field(None, ge=0)
    opex_per_unit_year: float | None = Field(None, ge=0)


class ChannelOverride(_Strict):
    """Scenario changes to one row of the channel catalogue (unset = catalogue value)."""

    enabled: bool | None = None
    cost_multiplier: float = Field(1.0, gt=0)
    """Multiplies cost_per_m2 and fixed_cost (e.g. 1.3 for a 30 % cost overrun)."""
    cost_per_m2: float | None = Field(None, ge=0)
    fixed_cost: float | None = Field(None, ge=0)
    usable_factor: float | None = Field(None, gt=0, le=1)
    max_area_growth: float | None = Field(None, ge=0)
    """Share of floor area the channel may add (0 = no extension, e.g. Shanghai's rule)."""


class SolverOptions(_Strict):
    """HiGHS options. The defaults are product decisions, stated in every summary."""

    time_limit_s: float = Field(120.0, gt=0)
    """Wall-clock limit; a plan stopped by it reports its gap."""
    mip_rel_gap: float = Field(1e-4, ge=0)
    """Relative optimality gap at which HiGHS stops (1e-4 = 0.01 %)."""
    mip_abs_gap: float = Field(1e-6, ge=0)
    """Absolute optimality gap (HiGHS default 1e-6); 0 for exact comparisons in tests."""
    threads: int | None = Field(None, ge=1)
    """Threads HiGHS may use (default: its own choice; sweeps give each run one)."""
    seed: int = 0
    """HiGHS random seed: fixed so the same inputs give the same plan."""
    start: Literal["greedy", "none"] = "greedy"
    """``greedy``: hand HiGHS a constructive plan (marginal coverage per yuan) before it
    starts, so a max-coverage solve has a plan from the first second; ``none``: no start."""
    verbose: bool = False
    """Print HiGHS's log while solving."""


class ModelOptions(_Strict):
    """Switches of the optimisation model."""

    objective: Literal["max_coverage", "min_cost", "min_distance",
                       "min_lifecycle_cost", "max_min_coverage"] = "max_coverage"
    """``max_coverage``: maximise priority-weighted share of demand served within walking limits;
    ``min_cost``: serve all demand at least capital cost (+ any pair costs);
    ``min_lifecycle_cost``: serve all demand at least capital cost plus running costs (opex
    and rent) over ``operating.years``;
    ``min_distance``: serve all demand at least demand-weighted walking distance;
    ``max_min_coverage``: maximise the smallest weighted coverage of any street (or
    community, ``equity_level``) over its reachable demand, then the total coverage
    (lexicographic: :mod:`siting.maxmin`)."""
    equity_level: Literal["street", "community"] = "street"
    """Units whose smallest coverage ``max_min_coverage`` maximises."""
    equity_total_gap: float = Field(0.02, ge=0)
    """``max_min_coverage``: relative gap at which the second stage (the total coverage,
    the secondary objective) stops, or ``solver.mip_rel_gap`` if larger; the minimum itself
    is solved to ``solver.mip_rel_gap``. On the demo stage 2 starts about 1 % below its LP
    bound, which closes slowly (0.68 % after 120 s): at 1 % stage 2 ran to the time limit in
    two of three runs, at 2 % it ends after its root. 0 for the exact lexicographic plan."""
    budget: float | None = Field(None, ge=0)
    """Capital budget in CNY (channel cost + fit-out); ``null`` = no budget row."""
    n_spaces: int | None = Field(None, ge=0)
    """If set, exactly this many candidate spaces are opened (p-median style)."""
    max_spaces: int | None = Field(None, ge=0)
    """If set, at most this many candidate spaces are opened."""
    integer_units: bool = True
    """Units (slots, beds, seats) are whole numbers."""
    aggregate_zones: bool = True
    """Merge communities that reach exactly the same spaces for a function into one demand
    row, where this cannot change the optimum (max coverage without single sourcing, phasing
    or minimums counted per community); the plan is split back per community."""
    single_source: bool = False
    """Each community's demand for a function goes to one site only (binary assignment)."""
    fill_existing: bool = False
    """Existing facilities must be used to exactly their capacity (spopt's predefined
    facilities that must be filled)."""
    strong_assignment: bool | None = None
    """Add serve[i,j,f] <= demand[i,f] * host[j,f] (tightens the LP relaxation). ``None``
    (the default): where they pay, :func:`siting.model.service.strong_rows` — always for
    the objectives that pay fixed costs (``min_cost``, ``min_lifecycle_cost``), else for
    models of at most 20,000 community-site-function pairs (above that the rows double
    the root LP that HiGHS spends its time and memory on)."""
    tie_break: float = Field(1e-4, ge=0)
    """Weight of the secondary objective (cost or distance), scaled so the secondary term over its
    whole range is worth ``tie_break`` of the primary's unit. See ``siting.model.objective``."""


class CommunitySpaceStandard(_Strict):
    """Community service space per households (seed 000 §(一): ≥ 30 m² per 100 households,
    80 where possible), counted over the spaces within the walking circle."""

    enabled: bool = False
    """Require the community service space standard."""
    m2_per_100_households: float = Field(30.0, gt=0)
    """Square metres of service space required per 100 households."""
    level: Literal["community", "street"] = "community"
    """``community``: each community on its own; ``street``: summed over each street."""
    walking_limit_m: float = Field(500.0, gt=0)
    """Spaces within this walk of a community count for it (10-minute circle by default)."""


class FunctionStandard(_Strict):
    """A minimum of one function: ``amount`` units (or m²) per ``per`` of ``base``, served
    (or built) per community, street or the whole city. Examples: childcare space ≥ 10 m² per
    100 households (Hangzhou); childcare slots ≥ 4.5 per 1,000 residents (national)."""

    function: str
    """The function the standard is about (a catalogue name)."""
    amount: float = Field(gt=0)
    """Required amount: units (or m² with ``measure: m2``) per ``per`` of ``base``."""
    per: float = Field(100.0, gt=0)
    """The amount is per this many of ``base`` (e.g. 1000 residents)."""
    base: Literal["population", "households", "pop_0_3", "pop_60_plus"] = "households"
    """The group the amount is counted against."""
    measure: Literal["units", "m2"] = "units"
    """``units`` of the function (slots, beds, ...) or ``m2`` of its floor area."""
    level: Literal["community", "street", "city"] = "community"
    """Met by each community, each street, or the city as a whole."""
    count: Literal["served", "built"] = "served"
    """``served``: units serving the group's residents within walking limits; ``built``:
    capacity located in the group (``street``/``city`` only; existing facilities count at city
    level)."""
    label: str = ""
    """Name shown in shortfalls and reports (default: generated)."""

    @field_validator("count")
    @classmethod
    def _built_needs_area(cls, v: str, info) -> str:
        if v == "built" and info.data.get("level") == "community":
            raise ValueError("count 'built' needs level 'street' or 'city' (a community has "
                             "no spaces of its own)")
        return v


class ComplexStandard(_Strict):
    """Embedded service complexes (national guideline 2024; Hangzhou seed 004): a space named a
    complex has ≥ ``min_m2`` gross, ≥ ``min_functions`` functions and functions from
    ≥ ``min_core_groups`` of the core groups."""

    enabled: bool = False
    """Make service complexes part of the model."""
    min_m2: float = Field(600.0, ge=0)
    """Smallest gross floor area of a complex (m²)."""
    min_functions: int = Field(3, ge=1)
    """Fewest functions in a complex."""
    core_groups: dict[str, list[str]] = Field(default_factory=lambda: {
        "elderly_care": ["respite_beds", "day_care"], "childcare": ["childcare"],
        "meals": ["meal_point"]})
    """Core groups of functions (name -> functions); a complex covers ``min_core_groups`` of
    them."""
    min_core_groups: int = Field(2, ge=0)
    """How many core groups a complex must cover."""
    one_per_street: bool = False
    """Require at least one complex in every street (soft: a shortfall if impossible)."""
    bonus: float = Field(0.0, ge=0)
    """Objective reward per complex, as a share of the primary objective's scale (a
    preference for one-stop complexes; 0 = none)."""


class SharedUse(_Strict):
    """Two functions used at different hours (错时使用) may share floor area: up to ``factor``
    of the smaller one's area is counted once."""

    functions: tuple[str, str]
    """The two functions (catalogue names) that may share floor area."""
    factor: float = Field(0.5, gt=0, le=1)
    """Up to this share of the smaller function's area is counted once."""


class Standards(_Strict):
    """Planning standards. Soft by default: a standard that cannot be met leaves a shortfall,
    penalised far above any benefit, and reported; ``mode: hard`` refuses such a scenario."""

    mode: Literal["soft", "hard"] = "soft"
    """``soft``: a standard that cannot be met leaves a reported shortfall; ``hard``: such a
    scenario is refused as infeasible, with the same list."""
    penalty: float = Field(1000.0, gt=0)
    """Penalty for missing a whole standard (100 % shortfall), in multiples of the primary
    objective's scale."""
    min_facility_m2: dict[str, float] = Field(default_factory=dict)
    """Smallest gross area of a facility by channel (seed 003: renovated or rented ≥ 300 m²,
    new ≥ 500 m²), e.g. ``{renovate: 300, convert: 300, transfer: 300, new_build: 500}``."""
    community_space: CommunitySpaceStandard = CommunitySpaceStandard()
    function_minimums: list[FunctionStandard] = Field(default_factory=list)
    complexes: ComplexStandard = ComplexStandard()
    function_requirements: dict[str, list[str]] = Field(default_factory=dict)
    """Space attributes a function needs, e.g. ``{childcare: [ground_floor], health_station:
    [own_entrance]}``; attributes are true/false columns of the spaces file."""
    shared_use: list[SharedUse] = Field(default_factory=list)
    office_share: float = Field(0.0, ge=0, lt=1)
    """Share of each site's usable area kept for office and administration (the plans ask to
    keep it small); services get the rest."""

    @property
    def any_soft(self) -> bool:
        return (self.community_space.enabled or bool(self.function_minimums)
                or (self.complexes.enabled and self.complexes.one_per_street))


class YearTarget(_Strict):
    """By ``year``, at least ``communities`` communities are covered: each of ``functions``
    (all enabled ones if empty) served to at least ``min_share`` of its demand."""

    year: int
    """The plan year the target applies to."""
    communities: int = Field(ge=0)
    """At least this many communities covered by then."""
    functions: list[str] = Field(default_factory=list)
    """Functions that must be served (all enabled ones if empty)."""
    min_share: float = Field(1.0, gt=0, le=1)
    """Share of each function's demand a community needs served to count as covered."""


class Phasing(_Strict):
    """A plan over several years: yearly budgets, channel lead times, yearly targets.

    A project started in year t with a lead time of L months opens in year
    t + ceil(L / 12) - 1 (projects start at the beginning of a year and open by the end of
    it). Channel costs are paid in the start year, fit-out in the opening year.
    """

    enabled: bool = False
    """Plan over several years."""
    years: list[int] = Field(default_factory=list)
    """The plan years, increasing, e.g. ``[2025, 2026, 2027]``."""
    budget_per_year: dict[int, float] = Field(default_factory=dict)
    """Capital budget of each plan year (CNY)."""
    carry_over: bool = True
    """Money not spent in a year may be spent later (cumulative budget rows)."""
    targets: list[YearTarget] = Field(default_factory=list)
    """Yearly targets (communities covered by a year)."""
    early_weight: float = Field(1e-3, ge=0)
    """Weight of earlier years' coverage (relative to the final year's) in the objective:
    among plans equally good at the end, prefer the one that serves people sooner."""

    @field_validator("years")
    @classmethod
    def _sorted_years(cls, v: list[int]) -> list[int]:
        if v != sorted(set(v)):
            raise ValueError("years must be increasing and distinct, e.g. [2025, 2026, 2027]")
        return v


class Decisions(_Strict):
    """Decisions already taken (pins), held in every plan of the scenario.

    The spaces file may pin spaces too (optional column ``decision``: ``open``, ``close`` or
    a channel name); for a space this block mentions, the block wins over the file.
    Contradictions (unknown ids, ineligible channels, units outside a function's size or the
    space's area, pinned costs above the budget, a space both opened and closed) are refused
    before solving (:mod:`siting.model.decisions`).
    """

    open: list[str] = Field(default_factory=list)
    """Spaces in the plan, through any eligible channel."""
    close: list[str] = Field(default_factory=list)
    """Spaces never in the plan."""
    channel: dict[str, str] = Field(default_factory=dict)
    """Spaces in the plan through this channel, e.g. ``{S003: transfer}``."""
    units: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Spaces in the plan with these functions at exactly these units (other functions are
    free), e.g. ``{S010: {childcare: 40, meal_point: 60}}``."""
    forbid_functions: dict[str, list[str]] = Field(default_factory=dict)
    """Functions never placed in a space, e.g. ``{S021: [childcare]}``."""
    start_year: dict[str, int] = Field(default_factory=dict)
    """With phasing: pinned projects started in this year (committed projects under way);
    implies ``open``."""
    already_paid: bool | list[int] = False
    """``false``: pinned projects' capital cost counts against the budget like any other.
    ``true``: it is already paid for (committed money): the whole capital cost of every
    space pinned into the plan is left out of the budget rows (pin its ``units`` to hold it
    to what was committed). With phasing, a list of years leaves out only what pinned
    projects pay in those years (channel cost in the start year, fit-out in the opening
    year), e.g. ``[2025]`` for projects whose 2025 money is spent."""
    one_per_community: bool = False
    """Proposal lists (一社区一项目): at most one funded proposal per value of the spaces
    file's ``community`` column."""

class CoverageFloor(_Strict):
    """A floor on coverage (over reachable demand) in every street or community."""

    level: Literal["street", "community"] = "street"
    """The units that must each reach the floor: every street, or every community (zone)."""
    function: str = "weighted"
    """A function name, or ``weighted`` (priority-weighted coverage of all functions)."""
    share: float = Field(0.5, ge=0, le=1)
    """The floor: each unit's coverage of the reachable demand (0-1) must be at least this."""
    mode: Literal["soft", "hard"] = "soft"
    """``soft``: a unit that cannot reach the floor leaves a shortfall, penalised like the
    standards' (``standards.penalty``) and explained; ``hard``: such a scenario is refused."""


class Equity(_Strict):
    """Fairness between streets and communities: coverage floors and the groups reported
    (:mod:`siting.equity`, :mod:`siting.model.equity`)."""

    min_coverage: CoverageFloor | list[CoverageFloor] | None = None
    """One floor or a list of floors."""
    groups: dict[str, list[str]] = Field(default_factory=lambda: {
        "pop_60_plus": ["respite_beds", "meal_point", "day_care"],
        "pop_0_3": ["childcare"]})
    """Population groups reported in the summary's ``equity.groups``: a zones column (the
    group's head count, which weights its communities) and the functions serving it.
    Children 0-3 are the ``pop_0_3`` column; note that the catalogue's childcare *demand* is
    set per resident (``demand_base: population``, the national 4.5 slots per 1,000
    residents), so childcare coverage per community is measured against that demand and
    weighted by the community's children 0-3."""

    @property
    def floors(self) -> list[CoverageFloor]:
        if self.min_coverage is None:
            return []
        return list(self.min_coverage) if isinstance(self.min_coverage, list) \
            else [self.min_coverage]

    @property
    def hard_floors(self) -> bool:
        return any(fl.mode == "hard" and fl.share > 0 for fl in self.floors)

    def soft(self) -> Equity:
        """The same floors, all soft (to explain why hard ones cannot be met)."""
        if self.min_coverage is None:
            return self
        floors = [fl.update(mode="soft") for fl in self.floors]
        return self.update(min_coverage=floors if isinstance(self.min_coverage, list)
                           else floors[0])


# --------------------------------------------------------------------------------------------
# Money as a commission holds it (issue 19): area budgets and quotas, funding sources, running
# costs and use. The model side is siting.model.areas / .funding / .operating.

AreaName = str


class AreaBudgets(_Strict):
    """Capital budgets per district or street, alongside or instead of ``model.budget``.

    A number caps the area's capex over the whole plan; with phasing, a mapping
    ``{year: amount}`` caps its spending per year (cumulatively when ``phasing.carry_over``).
    Areas not listed are capped only by the total budget (if any)."""

    by: Literal["district", "street"] = "district"
    """Which column of the spaces file names a project's area."""
    limits: dict[AreaName, float | dict[int, float]] = Field(default_factory=dict)
    """Capex cap per area in CNY, e.g. ``{北城区: 26_000_000}``, or per year when phased,
    e.g. ``{南城区: {2025: 8e6, 2026: 9e6}}``."""

    @field_validator("limits")
    @classmethod
    def _non_negative(cls, v: dict) -> dict:
        for area, lim in v.items():
            vals = lim.values() if isinstance(lim, dict) else [lim]
            if any(x < 0 for x in vals):
                raise ValueError(f"budgets.limits[{area}] must be >= 0")
        return v


class AreaQuotas(_Strict):
    """Coverage owed to each district or street (a community counts as covered when each of
    ``functions`` — all enabled ones if empty — is served to ``min_share`` of its demand).

    Soft by default: what cannot be met is a shortfall, penalised like a standard's and
    explained; ``mode: hard`` refuses a plan that misses a quota."""

    by: Literal["district", "street"] = "district"
    """Which column of the zones file names a community's area."""
    mode: Literal["soft", "hard"] = "soft"
    """``soft``: a quota that cannot be met is a shortfall, penalised and explained like a
    standard's; ``hard``: a plan missing it is refused."""
    functions: list[str] = Field(default_factory=list)
    """Functions a covered community must be served with (all enabled ones if empty)."""
    min_share: float = Field(1.0, gt=0, le=1)
    """Share of each such function's demand a covered community must be served."""
    communities: dict[AreaName, int] = Field(default_factory=dict)
    """At least this many communities of the area covered."""
    coverage: dict[AreaName, float] = Field(default_factory=dict)
    """At least this share of the area's demand for each of ``functions`` served."""

    @field_validator("coverage")
    @classmethod
    def _share(cls, v: dict) -> dict:
        for area, x in v.items():
            if not 0 <= x <= 1:
                raise ValueError(f"quotas.coverage[{area}] must be a share in [0, 1], got {x}")
        return v

    @property
    def active(self) -> bool:
        return bool(self.communities or self.coverage)


class FundingSource(_Strict):
    """One source of capital (central budget investment, special bonds, a fund, district
    money) and its rules; see :mod:`siting.model.funding` for how a project's cost is split."""

    amount: float | dict[int, float]
    """Total money of the source; with phasing, a mapping ``{year: amount}`` released per year
    (unspent money carries over when ``phasing.carry_over``)."""
    label: str = ""
    """Its name in the outputs, e.g. 中央预算内投资 (default: the key)."""
    functions: list[str] = Field(default_factory=list)
    """Functions it pays for (empty: any). A source limited to functions pays only their part
    of a project: their fit-out and the building cost of the floor area they use."""
    channels: list[str] = Field(default_factory=list)
    """Channels it pays for (empty: any)."""
    per_unit_cap: dict[str, float] = Field(default_factory=dict)
    """Most it pays per new unit of a function (e.g. ``{childcare: 10000}`` per new slot);
    without ``functions``, the functions named here are the ones it pays for."""
    max_share: float = Field(1.0, gt=0, le=1)
    """Largest share of any one project's total cost it may pay."""
    min_project: float = Field(0.0, ge=0)
    """It funds only projects whose total cost is at least this."""

    @field_validator("amount")
    @classmethod
    def _amounts(cls, v):
        if any(x < 0 for x in (v.values() if isinstance(v, dict) else [v])):
            raise ValueError("amounts must be >= 0")
        return v

    @property
    def eligible_functions(self) -> list[str]:
        return list(self.functions) or list(self.per_unit_cap)


class Operating(_Strict):
    """Running costs: operating cost (``opex_per_unit_year`` of each unit) plus rent of leased
    spaces, per year, against an operating-subsidy budget; ``years`` is the life counted by
    ``model.objective: min_lifecycle_cost``."""

    budget_per_year: float | None = Field(None, ge=0)
    """Operating subsidy available per year for opex + rent of the new facilities."""
    years: int = Field(10, ge=1)
    """Years of running costs counted by ``min_lifecycle_cost``."""
    discount_rate: float = Field(0.0, ge=0, lt=1)
    """Yearly discount rate of the running costs in the lifecycle cost (0 = plain sum)."""
    rent_per_m2_year: dict[str, float] = Field(default_factory=dict)
    """Rent per gross m² a year by channel (e.g. ``{convert: 400}`` for leased factories);
    a ``rent_per_m2_year`` column of the spaces file overrides it per space."""

    @property
    def annuity(self) -> float:
        """Present value of 1 CNY a year for ``years`` years."""
        r = self.discount_rate
        return float(self.years) if r == 0 else (1 - (1 + r) ** -self.years) / r


class Scenario(_Strict):
    """One resolved scenario: data, options and overrides."""

    name: str
    """Scenario name (default: the file's stem); names the plan in comparisons."""
    description: str = ""
    """One line on what this scenario changes (shown in comparisons and reports)."""
    data: DataPaths = DataPaths()
    _source: dict | None = PrivateAttr(default=None)
    """The file and overrides :func:`load_scenario` read it from (not a scenario key)."""
    model: ModelOptions = ModelOptions()
    distance: DistanceOptions = DistanceOptions()
    solver: SolverOptions = SolverOptions()
    demand_growth: dict[str, float] = Field(default_factory=dict)
    """Multiplier per demand base group, e.g. ``{pop_60_plus: 1.25}`` for an ageing scenario."""
    functions: dict[str, FunctionOverride] = Field(default_factory=dict)
    channels: dict[str, ChannelOverride] = Field(default_factory=dict)
    standards: Standards = Standards()
    phasing: Phasing = Phasing()
    decisions: Decisions = Decisions()
    budgets: AreaBudgets = AreaBudgets()
    quotas: AreaQuotas = AreaQuotas()
    funding: dict[str, FundingSource] = Field(default_factory=dict)
    operating: Operating = Operating()
    min_utilisation: dict[str, float] = Field(default_factory=dict)
    """Smallest share of its capacity each new facility of a function must serve, e.g.
    ``{childcare: 0.7}`` (no rooms built to stand empty)."""
    equity: Equity = Equity()

    @field_validator("name")
    @classmethod
    def _name_is_a_folder_name(cls, v: str) -> str:
        from siting.paths import check_name

        # "" is allowed for scenarios made in code (a sweep hashes its runs without a name);
        # a comparison refuses it as a folder name (siting.paths.child)
        return check_name(v, "scenario name") if v else v

    @field_validator("phasing")
    @classmethod
    def _phasing_complete(cls, v: Phasing) -> Phasing:
        if not v.enabled:
            return v
        if not v.years:
            raise ValueError("phasing.years is empty")
        missing = [y for y in v.years if y not in v.budget_per_year]
        extra = [y for y in v.budget_per_year if y not in v.years]
        if missing or extra:
            raise ValueError(f"budget_per_year must give every year of {v.years} "
                             f"(missing {missing}, not a plan year {extra})")
        bad = [t.year for t in v.targets if t.year not in v.years]
        if bad:
            raise ValueError(f"target years {bad} are not plan years {v.years}")
        return v

    @field_validator("demand_growth")
    @classmethod
    def _known_groups(cls, v: dict[str, float]) -> dict[str, float]:
        for group, mult in v.items():
            if group not in DEMAND_BASES:
                raise ValueError(
                    f"unknown demand group {group!r}; expected one of {', '.join(DEMAND_BASES)}"
                )
            if mult < 0:
                raise ValueError(f"demand_growth[{group}] must be >= 0, got {mult}")
        return v


# --------------------------------------------------------------------------------------------
# Loading


def _deep_merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _deep_merge(out[k], v)
        else:
            out[k] = v
    return out


TABLE_KEYS = ("zones", "spaces", "existing", "functions", "channels")


def _resolve_paths(raw: dict, folder: Path) -> dict:
    """Make the relative paths of one file absolute against that file's folder."""
    raw = dict(raw)
    if isinstance(raw.get("data"), dict):
        data = dict(raw["data"])
        for k in TABLE_KEYS:
            v = data.get(k)
            if isinstance(v, str | Path):
                data[k] = str((folder / v).resolve())
            elif isinstance(v, dict) and isinstance(v.get("path"), str | Path):
                data[k] = {**v, "path": str((folder / v["path"]).resolve())}
        raw["data"] = data
    dist = raw.get("distance")
    if isinstance(dist, dict):
        for key in ("table", "network", "cache_dir"):
            if isinstance(dist.get(key), str):
                dist = {**dist, key: str((folder / dist[key]).resolve())}
        raw["distance"] = dist
    return raw


def _find_parent(name: str, folder: Path) -> Path:
    for cand in (folder / name, folder / f"{name}.yaml", folder / f"{name}.yml"):
        if cand.is_file():
            return cand.resolve()
    stems = sorted(p.stem for p in folder.glob("*.y*ml"))
    close = difflib.get_close_matches(name, stems, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise DataError(f"extends: {name!r}: no such scenario file in {folder}{hint}")


def read_scenario_dict(path: Path, _chain: tuple[Path, ...] = ()) -> dict:
    """Read a scenario file and everything it extends into one merged mapping."""
    path = Path(path).resolve()
    if path in _chain:
        cycle = " -> ".join(p.stem for p in (*_chain, path))
        raise DataError(f"{path}: cycle in 'extends': {cycle}")
    if not path.is_file():
        raise DataError(f"{path}: scenario file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise DataError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise DataError(f"{path}: a scenario file must be a mapping of keys to values")
    raw = _resolve_paths(raw, path.parent)
    name = raw.pop("name", path.stem)
    parent = raw.pop("extends", None)
    if parent is not None:
        base = read_scenario_dict(_find_parent(str(parent), path.parent), (*_chain, path))
        base.pop("description", None)
        raw = _deep_merge(base, raw)
    raw["name"] = name
    return raw


def _valid_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    """The field names valid at ``loc`` (for 'did you mean' suggestions)."""
    cur: Any = model
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if isinstance(cur, type) and issubclass(cur, BaseModel) and part in cur.model_fields:
            ann = cur.model_fields[part].annotation
            args = getattr(ann, "__args__", ())
            # dict[str, X] -> X ; X | None -> X
            nxt = next((a for a in args if isinstance(a, type) and issubclass(a, BaseModel)), ann)
            cur = nxt
        else:
            # a dict key (function or channel name): stay on the value model
            continue
    if isinstance(cur, type) and issubclass(cur, BaseModel):
        return list(cur.model_fields)
    return []


def format_validation_error(exc: ValidationError, source: str) -> DataError:
    """Turn a pydantic error into a DataError naming the file and key, with suggestions."""
    problems = []
    for err in exc.errors():
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc)
        if err["type"] == "extra_forbidden":
            valid = _valid_keys(Scenario, loc)
            close = difflib.get_close_matches(str(loc[-1]), valid, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            problems.append(f"{source}: unknown key {key!r}{hint} (valid: {', '.join(valid)})")
        elif err["type"] == "missing":
            problems.append(f"{source}: missing required key {key!r}")
        else:
            got = err.get("input")
            problems.append(f"{source}: key {key!r}: {err['msg']} (got {got!r})")
    return DataError(problems)


def expand_dotted(overrides: dict) -> dict:
    """``{"model.budget": 2e7}`` -> ``{"model": {"budget": 2e7}}`` (nested keys may mix)."""
    out: dict = {}
    for key, value in overrides.items():
        if isinstance(value, dict):
            value = expand_dotted(value)
        parts = str(key).split(".")
        nested: Any = value
        for p in reversed(parts[1:]):
            nested = {p: nested}
        out = _deep_merge(out, {parts[0]: nested})
    return out


def load_scenario(source: str | Path | dict, overrides: dict | None = None, *,
                  folder: str | Path | None = None) -> Scenario:
    """Load, merge (``extends``) and validate a scenario; ``overrides`` win over the file.

    ``source`` is a YAML file or a mapping (its relative paths and ``extends`` are resolved
    against ``folder``, default the working directory). ``overrides`` may use dotted keys,
    ``{"model.budget": 2e7}``, or nested mappings.
    """
    if isinstance(source, dict):
        base = Path(folder or Path.cwd())
        raw = _resolve_paths(dict(source), base)
        name = raw.pop("name", "scenario")
        parent = raw.pop("extends", None)
        if parent is not None:
            parent_raw = read_scenario_dict(_find_parent(str(parent), base))
            parent_raw.pop("description", None)
            raw = _deep_merge(parent_raw, raw)
        raw["name"] = name
        where = "scenario (mapping)"
    else:
        raw = read_scenario_dict(Path(source))
        where = str(source)
    if overrides:
        overrides = _resolve_paths(expand_dotted(overrides), Path.cwd())
        raw = _deep_merge(raw, overrides)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        src = f"{where} (with overrides)" if overrides else where
        raise format_validation_error(exc, src) from None
    if not isinstance(source, dict):  # where it came from: siting verify loads it again
        scenario._source = {"path": str(Path(source).resolve()), "overrides": overrides or {}}
    return scenario


def parse_override(text: str) -> dict:
    """Parse a command-line override ``a.b.c=value`` (value read as YAML) into a nested dict."""
    if "=" not in text:
        raise DataError(f"override {text!r}: expected KEY=VALUE, e.g. model.budget=3e7")
    key, value = text.split("=", 1)
    out: dict = {}
    cur = out
    parts = key.strip().split(".")
    for p in parts[:-1]:
        cur = cur.setdefault(p, {})
    cur[parts[-1]] = yaml.safe_load(value)
    return out
