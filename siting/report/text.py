"""Words of the reporting layer in Chinese (``zh``, the default) and English (``en``).

One place for every label a person reads in the report, the workbooks and the figures: channel
and kind names, column headers with units, and number formats (money in 万元, shares in %).
Function names come from the catalogue's ``label_zh`` (see :func:`function_label`).
"""

from __future__ import annotations

import math

LANGS = ("zh", "en")

CHANNELS = {"renovate": ("补改", "renovate"), "convert": ("转型", "convert"),
            "transfer": ("划转", "transfer"), "new_build": ("配建", "new build")}
KINDS = {
    "community_room": ("社区用房", "community room"), "idle_factory": ("闲置厂房", "idle factory"),
    "warehouse": ("仓库", "warehouse"), "shop_front": ("沿街商铺", "shop front"),
    "office": ("办公用房", "office"), "school": ("闲置校舍", "school"),
    "state_building": ("国有房产", "state building"),
    "collective_building": ("集体房产", "collective building"),
    "vacant_parcel": ("空地", "vacant parcel"),
}
OWNERSHIPS = {"state": ("国有", "state"), "collective": ("集体", "collective"),
              "private": ("私有", "private")}
UNITS = {"slot": ("托位", "slots"), "bed": ("床位", "beds"), "seat": ("座", "seats"),
         "place": ("位", "places"), "station": ("处", "stations"), "point": ("处", "points"),
         "m2": ("m²", "m²")}
OBJECTIVES = {"max_coverage": ("最大化加权覆盖率", "maximise weighted coverage"),
              "min_cost": ("满足全部需求的最低投资", "least cost serving all demand"),
              "min_distance": ("最小化步行距离", "least walking distance"),
              "max_min_coverage": ("最大化最低覆盖率", "maximise the lowest coverage"),
              "min_lifecycle_cost": ("最小化全生命周期成本", "least life-cycle cost")}
SITE_TYPES = {"new": ("新建", "new"), "existing": ("现有", "existing")}
STATUS = {"optimal": ("最优", "optimal"), "time_limit": ("达到时限", "time limit"),
          "infeasible": ("不可行", "infeasible"), "failed": ("失败", "failed"),
          "missing": ("未完成", "missing")}

WORDS: dict[str, tuple[str, str]] = {
    # headers (CSV column -> label); money columns are shown in 万元, shares in %
    "space_id": ("空间编号", "Space ID"), "space_name": ("空间名称", "Space name"),
    "street": ("街道", "Street"), "kind": ("空间类型", "Kind"), "ownership": ("产权", "Ownership"),
    "channel": ("实施方式", "Channel"), "floor_area_m2": ("建筑面积 (m²)", "Floor area (m²)"),
    "buildable_area_m2": ("可建面积 (m²)", "Buildable area (m²)"),
    "usable_area_m2": ("可用面积 (m²)", "Usable area (m²)"),
    "used_area_m2": ("使用面积 (m²)", "Used area (m²)"),
    "channel_cost": ("改造建设费 (万元)", "Building cost (10k CNY)"),
    "fitout_cost": ("设备配置费 (万元)", "Fit-out (10k CNY)"),
    "capex": ("总投资 (万元)", "Capital cost (10k CNY)"),
    "opex_per_year": ("年运营费 (万元/年)", "Running cost (10k CNY/yr)"),
    "lead_time_months": ("工期 (月)", "Lead time (months)"),
    "n_functions": ("功能数", "Functions"), "shared_area_m2": ("共享面积 (m²)", "Shared area (m²)"),
    "complex": ("综合体", "Complex"), "lon": ("经度", "Longitude"), "lat": ("纬度", "Latitude"),
    "zone_id": ("社区编号", "Community ID"), "zone_name": ("社区名称", "Community"),
    "function": ("服务功能", "Function"), "site_id": ("设施编号", "Facility ID"),
    "site_name": ("设施名称", "Facility"),
    "served": ("服务量", "Served"), "distance_m": ("步行距离 (m)", "Walking distance (m)"),
    "site_type": ("设施类型", "Type"), "demand": ("需求", "Demand"),
    "coverage": ("覆盖率 (%)", "Coverage (%)"), "households": ("户数", "Households"),
    "population": ("人口", "Population"),
    "weighted_coverage": ("加权覆盖率 (%)", "Weighted coverage (%)"),
    "start_year": ("开工年份", "Start year"), "open_year": ("建成年份", "Opening year"),
    "year": ("年份", "Year"), "budget": ("预算 (万元)", "Budget (10k CNY)"),
    "spend": ("当年支出 (万元)", "Spending (10k CNY)"), "started": ("当年开工", "Started"),
    "opened": ("当年建成", "Opened"), "standard": ("标准", "Standard"), "label": ("说明", "What"),
    "level": ("层级", "Level"), "group": ("对象编号", "Group"), "group_name": ("对象", "Where"),
    "required": ("要求", "Required"), "achieved": ("达到", "Achieved"),
    "missing": ("缺口", "Missing"), "unit": ("单位", "Unit"), "cause": ("原因", "Cause"),
    "scenario": ("情景", "Scenario"), "description": ("说明", "Description"),
    "status": ("求解状态", "Status"), "reason": ("原因", "Reason"),
    "mip_gap": ("最优性差距 (%)", "MIP gap (%)"),
    "solve_seconds": ("求解时间 (秒)", "Solve time (s)"),
    "n_sites": ("选址数", "Sites"), "weighted_coverage_new": ("新增设施加权覆盖率 (%)",
                                                           "Weighted coverage by new sites (%)"),
    "n_shortfalls": ("未达标项数", "Standards missed"),
    "chosen_spaces": ("选中空间", "Chosen spaces"), "added": ("较基准新增", "Added vs base"),
    "dropped": ("较基准减少", "Dropped vs base"),
    "stability": ("稳定性", "Stability"), "scenarios": ("入选情景", "Chosen in"),
    "n_scenarios": ("入选情景数", "Scenarios"), "share": ("入选比例 (%)", "Share of runs (%)"),
    "runs": ("入选次数", "Runs"),
    "key": ("项目", "Item"), "value": ("数值", "Value"),
    # register (项目清单)
    "reg_no": ("序号", "No."), "reg_name": ("项目名称", "Project name"),
    "reg_location": ("建设地点", "Location"),
    "reg_content": ("建设内容及规模", "Content and scale"),
    "reg_investment": ("总投资 (万元)", "Total investment (10k CNY)"),
    "reg_funding": ("资金来源", "Funding source"), "reg_years": ("建设年限", "Years"),
    "reg_unit": ("责任单位", "Responsible unit"), "reg_note": ("备注", "Note"),
    "tbd": ("待定", "to be decided"), "yes": ("是", "yes"), "no": ("否", "no"),
    # sheets
    "sheet_overview": ("概要", "overview"), "sheet_register": ("项目清单", "register"),
    "sheet_sites": ("选址方案", "sites"), "sheet_assignments": ("服务分配", "assignments"),
    "sheet_zones": ("社区覆盖", "communities"), "sheet_shortfalls": ("未达标", "shortfalls"),
    "sheet_by_year": ("分年度", "by year"), "sheet_functions": ("分功能", "functions"),
    "sheet_inputs": ("输入文件", "inputs"), "sheet_comparison": ("情景对比", "comparison"),
    "sheet_changes": ("选址变化", "changes"), "sheet_stability": ("选址稳定性", "stability"),
    "sheet_coverage": ("分功能覆盖率", "coverage"), "sheet_capex": ("分渠道投资", "capex"),
    # figures and report
    "map_title": ("{scenario}：{n} 处空间，投资 {capex} 万元，加权覆盖率 {cov}",
                  "{scenario}: {n} spaces, {capex} (10k CNY), weighted coverage {cov}"),
    "weighted_cov_axis": ("社区加权覆盖率 (%)", "weighted coverage of a community (%)"),
    "not_met": ("标准未达标社区", "community missing a standard"),
    "wide_not_met": ("另有全市层面未达标 {n} 项 (见未达标表)",
                     "{n} city-wide standard(s) missed (see table)"),
    "candidate": ("未选候选空间", "candidate not chosen"),
    "pinned": ("已定项目（锁定/申报）", "decided beforehand (pin, proposal)"),
    "existing": ("现有设施", "existing facility"),
    "population_legend": ("社区人口", "population"),
    "street_boundary": ("街道范围 (社区泰森多边形合并)",
                        "street (Voronoi cells of its communities)"),
    "network": ("步行路网", "walking network"),
    "barrier": ("铁路等不可步行线路", "railway / no walking"),
    "coverage_axis": ("步行范围内满足的需求 (%)", "demand served within walking limit (%)"),
    "coverage_chart": ("各情景分功能覆盖率 (%)", "Coverage per function and scenario (%)"),
    "capex_chart": ("各情景分渠道投资", "Capital cost by channel"),
    "capex_axis": ("投资 (万元)", "capital cost (10k CNY)"),
    "budget_mark": ("预算", "budget"), "pareto_title": ("覆盖率与预算", "Coverage against budget"),
    "budget_axis": ("预算 (万元)", "budget (10k CNY)"), "weighted": ("加权", "weighted"),
    "knee": ("拐点", "knee"), "tornado_title": ("单因素敏感性", "One-at-a-time sensitivity"),
    "tornado_axis": ("加权覆盖率 (%)：参数取低值/高值",
                     "weighted coverage (%) at low / high value"),
    "low": ("低值", "low"), "high": ("高值", "high"),
    "sobol_title": ("Sobol 敏感性指数 (加权覆盖率)", "Sobol indices of weighted coverage"),
    "sobol_s1": ("一阶指数 S1", "first order S1"), "sobol_st": ("总效应指数 ST", "total ST"),
    "selection_title": ("各空间入选比例", "Share of runs choosing each space"),
    "selection_axis": ("入选比例 (%)", "share of runs (%)"),
    "maps_title": ("各情景方案 (同一范围与色阶)", "Plans by scenario (same extent and scale)"),
    "wan": ("万元", "10k CNY"),
}


def t(key: str, lang: str = "zh", **fmt) -> str:
    """The word for ``key`` in ``lang`` (the key itself when unknown), formatted with ``fmt``."""
    pair = WORDS.get(key)
    text = key if pair is None else pair[0 if lang == "zh" else 1]
    return text.format(**fmt) if fmt else text


def pick(table: dict[str, tuple[str, str]], value, lang: str = "zh") -> str:
    """A coded value (channel, kind, ownership, unit ...) in ``lang``; unknown codes unchanged."""
    pair = table.get(str(value))
    return str(value) if pair is None else pair[0 if lang == "zh" else 1]


def channel_label(channel: str, lang: str = "zh") -> str:
    return pick(CHANNELS, channel, lang)


def function_label(function: str, labels: dict[str, str] | None, lang: str = "zh") -> str:
    """A function's name: the catalogue's ``label_zh`` in Chinese, the code with spaces in
    English."""
    if lang == "zh" and labels and labels.get(function):
        return str(labels[function])
    return function.replace("_", " ")


def unit_label(unit: str, lang: str = "zh") -> str:
    return pick(UNITS, unit, lang)


def wan(yuan, digits: int = 1) -> str:
    """Money in 万元 (10,000 CNY) with thousands separators: 4978.7."""
    if yuan is None or (isinstance(yuan, float) and math.isnan(yuan)):
        return "—"
    return f"{float(yuan) / 1e4:,.{digits}f}"


def pct(share, digits: int = 1) -> str:
    """A share (0-1) as a percentage: 0.1935 -> '19.3%'."""
    if share is None or (isinstance(share, float) and math.isnan(share)):
        return "—"
    return f"{100 * float(share):.{digits}f}%"


def header(column: str, lang: str = "zh", labels: dict[str, str] | None = None,
           units: dict[str, str] | None = None) -> str:
    """A column header with its unit, for a CSV column name (``units_childcare`` ->
    "婴幼儿托位(托育) 新增规模 (托位)")."""
    for prefix, zh, en in (("units_", "新增规模", "new units"), ("served_", "服务量", "served"),
                           ("coverage_", "覆盖率 (%)", "coverage (%)")):
        if column.startswith(prefix) and column[len(prefix):] in (labels or {}):
            f = column[len(prefix):]
            name = function_label(f, labels, lang)
            unit = unit_label((units or {}).get(f, ""), lang) if prefix != "coverage_" else ""
            word = zh if lang == "zh" else en
            return f"{name} {word}" + (f" ({unit})" if unit else "")
    for prefix, zh, en in (("sites_", "选址数", "sites"), ("capex_", "投资 (万元)",
                                                           "capex (10k CNY)")):
        if column.startswith(prefix) and column[len(prefix):] in CHANNELS:
            return f"{channel_label(column[len(prefix):], lang)} {zh if lang == 'zh' else en}"
    if column.startswith("households_within_") and column.endswith("m"):
        r = column[len("households_within_"):-1]
        return f"{r} 米内户数" if lang == "zh" else f"households within {r} m"
    return t(column, lang)


GROUPS = {"population": ("常住人口", "population"), "pop_0_3": ("0–3 岁人口", "children 0–3"),
          "pop_60_plus": ("60 岁以上人口", "people 60+"), "households": ("户数", "households")}
FIELDS = {"walking_limit_m": ("步行距离上限 (m)", "walking limit (m)"),
          "demand_rate": ("需求标准", "demand rate"), "weight": ("优先权重", "priority weight"),
          "cost_multiplier": ("成本系数", "cost multiplier"),
          "cost_per_m2": ("单位造价 (元/m²)", "cost per m² (CNY)"),
          "fitout_cost_per_unit": ("单位设备配置费", "fit-out per unit"),
          "enabled": ("启用", "enabled")}
PARAMS = {"model.budget": ("投资预算 (元)", "capital budget (CNY)"),
          "distance.detour_factor": ("绕行系数", "detour factor")}


def param_label(key: str, labels: dict[str, str] | None = None, lang: str = "zh") -> str:
    """A swept scenario key in words: ``functions.childcare.walking_limit_m`` ->
    "婴幼儿托位(托育) 步行距离上限 (m)"; unknown keys are shown as they are."""
    if key in PARAMS:
        return pick(PARAMS, key, lang)
    parts = key.split(".")
    if len(parts) == 3 and parts[0] == "functions" and parts[2] in FIELDS:
        return f"{function_label(parts[1], labels, lang)} {pick(FIELDS, parts[2], lang)}"
    if len(parts) == 3 and parts[0] == "channels" and parts[2] in FIELDS:
        return f"{channel_label(parts[1], lang)} {pick(FIELDS, parts[2], lang)}"
    if len(parts) == 2 and parts[0] == "demand_growth":
        return f"{pick(GROUPS, parts[1], lang)} {'增长系数' if lang == 'zh' else 'growth'}"
    return key
