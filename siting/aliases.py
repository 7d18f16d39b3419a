"""The one table of aliases: Chinese (and common English) names for input columns and values.

A planner's workbook rarely uses ``zone_id`` or ``idle_factory``. Column headers and the values
of ``kind``, ``ownership``, ``function``, ``channel`` (and true/false columns) are matched
against these tables before validation, so ``社区编号`` reads as ``zone_id`` and ``闲置厂房`` as
``idle_factory``. Matching ignores case, spaces, full-width/half-width forms and a unit in
brackets after a header (``建筑面积（㎡）`` = ``建筑面积``).

The catalogues' own Chinese labels (``label_zh`` in ``functions.csv`` / ``channels.csv``, e.g.
``社区助餐点``) are accepted as values of ``function`` and ``channel`` too.

:func:`alias_markdown` renders these tables for the documentation (so the docs cannot go out
of date).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

COLUMN_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "zones": {
        "zone_id": ("社区编号", "社区代码", "社区id", "小区编号", "编号", "id", "zone"),
        "name": ("社区名称", "社区", "名称", "zone_name"),
        "street": ("街道", "所属街道", "街镇", "乡镇街道"),
        "households": ("户数", "住户数", "常住户数", "家庭户数", "总户数"),
        "population": ("人口", "常住人口", "总人口", "人口数"),
        "pop_0_3": ("0-3岁人口", "0～3岁人口", "0至3岁人口", "0-3岁", "3岁以下人口",
                    "婴幼儿人口", "婴幼儿数"),
        "pop_60_plus": ("60岁以上人口", "60岁及以上人口", "60岁以上", "老年人口", "老年人数"),
        "existing_service_m2": ("现有服务面积", "现有服务用房面积", "现有社区服务用房面积",
                                "现状服务面积"),
        "district": ("区", "所属区", "区县", "所属区县", "行政区"),
    },
    "spaces": {
        "space_id": ("空间编号", "点位编号", "房屋编号", "资源编号", "编号", "id"),
        "name": ("空间名称", "名称", "点位名称", "地址"),
        "street": ("街道", "所属街道", "街镇"),
        "kind": ("类型", "空间类型", "房屋类型", "资源类型"),
        "ownership": ("产权", "权属", "产权性质", "产权类型"),
        "floor_area_m2": ("建筑面积", "面积", "房屋面积", "floor_area"),
        "buildable_area_m2": ("可建面积", "可建建筑面积", "规划建筑面积", "buildable_area"),
        "cost_per_m2": ("单位造价", "每平方米造价", "单方造价"),
        "fixed_cost": ("固定费用", "固定成本"),
        "channels": ("渠道", "可用渠道", "建设方式", "方式"),
        "ground_floor": ("首层", "底层", "位于首层", "是否首层"),
        "own_entrance": ("独立出入口", "独立入口", "是否独立出入口"),
        "district": ("区", "所属区", "区县", "所属区县", "行政区"),
        "rent_per_m2_year": ("租金", "年租金", "年租金单价", "租金单价", "每平方米年租金"),
    },
    "existing": {
        "facility_id": ("设施编号", "编号", "id"),
        "name": ("设施名称", "名称"),
        "function": ("功能", "服务功能", "设施类型", "类型"),
        "capacity": ("容量", "规模", "服务规模", "床位数", "托位数"),
    },
    "location": {
        "lon": ("经度", "longitude", "lng", "long", "x经度"),
        "lat": ("纬度", "latitude", "y纬度"),
        "x": ("x坐标", "东坐标", "横坐标", "easting", "东"),
        "y": ("y坐标", "北坐标", "纵坐标", "northing", "北"),
    },
}
"""Per table: canonical column -> accepted names. ``location`` applies to every table with
locations."""

VALUE_ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "kind": {
        "community_room": ("社区用房", "社区服务用房", "社区房", "党群服务中心", "居委会用房",
                           "社区活动室"),
        "idle_factory": ("闲置厂房", "厂房", "工业厂房", "旧厂房"),
        "warehouse": ("仓库", "闲置仓库", "仓储用房"),
        "shop_front": ("沿街商铺", "商铺", "底商", "临街商铺", "商业用房", "门面房"),
        "office": ("办公用房", "写字楼", "闲置办公楼", "办公楼"),
        "school": ("学校", "闲置校舍", "校舍"),
        "state_building": ("国有建筑", "国有房产", "国有用房", "公房", "行政事业单位用房"),
        "collective_building": ("集体建筑", "集体用房", "集体房产", "村集体用房"),
        "vacant_parcel": ("空地", "闲置地块", "空置地块", "新建地块", "地块", "配建地块"),
    },
    "ownership": {
        "state": ("国有", "国有产权", "全民所有"),
        "collective": ("集体", "集体所有", "集体产权"),
        "private": ("私有", "民营", "个人", "私人", "社会产权"),
    },
    "function": {
        "childcare": ("托育", "婴幼儿托育", "托位", "托育服务"),
        "respite_beds": ("短期托养", "托养床位", "养老床位", "护理型床位"),
        "meal_point": ("助餐点", "老年助餐", "社区食堂", "助餐"),
        "day_care": ("日间照料", "日间照料中心", "老年日间照料"),
        "health_station": ("卫生服务站", "社区卫生站", "卫生站"),
        "fitness": ("健身", "体育健身", "健身室"),
        "culture": ("文化活动室", "文化", "文化活动"),
        "children_play": ("儿童游憩", "儿童之家", "儿童活动"),
        "housekeeping": ("家政", "家政服务", "家政服务点"),
        "employment": ("就业服务", "就业服务站", "就业驿站"),
    },
    "channel": {
        "renovate": ("补改", "改造", "补短改造"),
        "convert": ("转型", "改建", "盘活"),
        "transfer": ("划转", "调剂"),
        "new_build": ("配建", "新建"),
    },
    "bool": {
        "true": ("是", "有", "√", "✓", "yes", "y", "1", "true", "t"),
        "false": ("否", "无", "×", "✗", "no", "n", "0", "false", "f"),
    },
}
"""Per value kind: canonical value -> accepted spellings."""


@lru_cache(maxsize=65536)
def normalise(text: str) -> str:
    """Fold a header or value for matching: NFKC (full-width -> half-width, ㎡ -> m2),
    lower case, no spaces or underscores-vs-hyphens differences, no trailing unit in brackets."""
    s = unicodedata.normalize("NFKC", str(text)).strip().lower()
    s = re.sub(r"\s+", "", s)
    s = re.sub(r"[(\[（【][^)\]）】]*[)\]）】]$", "", s) or s
    return s.replace("-", "_") if re.fullmatch(r"[a-z0-9_\-]+", s) else s


def column_map(table: str, columns: list[str], extra_ok=lambda c: False) -> dict[str, str]:
    """Map each header of ``columns`` that names a known column by an alias to its canonical
    name. Canonical names themselves, and headers already valid, map to themselves."""
    groups = {**COLUMN_ALIASES.get(table, {}), **COLUMN_ALIASES["location"]}
    lookup: dict[str, str] = {}
    for canon in groups:
        lookup.setdefault(normalise(canon), canon)
    for canon, names in groups.items():
        for n in names:
            lookup.setdefault(normalise(n), canon)
    out = {}
    taken = set(columns)
    for c in columns:
        if c in groups or extra_ok(c):
            out[c] = c
            continue
        canon = lookup.get(normalise(c))
        if canon is not None and canon not in taken:
            out[c] = canon
            taken.add(canon)
        else:
            out[c] = c
    return out


def known_headers(table: str) -> set[str]:
    """Every normalised header that names a column of ``table`` (for finding the header row)."""
    return set(_known_headers(table))


@lru_cache(maxsize=16)
def _known_headers(table: str) -> frozenset[str]:
    groups = {**COLUMN_ALIASES.get(table, {}), **COLUMN_ALIASES["location"]}
    return frozenset(normalise(n) for canon, names in groups.items() for n in (canon, *names))


def value_lookup(kind: str, extra: dict[str, str] | None = None) -> dict[str, str]:
    """Normalised spelling -> canonical value for ``kind`` (kind, ownership, function,
    channel, bool); ``extra`` adds more (e.g. the catalogue's ``label_zh``)."""
    out: dict[str, str] = {}
    for canon, names in VALUE_ALIASES.get(kind, {}).items():
        out[normalise(canon)] = canon
        for n in names:
            out.setdefault(normalise(n), canon)
    for name, canon in (extra or {}).items():
        out.setdefault(normalise(name), canon)
    return out


def translate(values, kind: str, extra: dict[str, str] | None = None, *,
              multi: bool = False):
    """Canonical spelling of each value (unknown values are returned unchanged, for the
    validator to report). ``multi``: a ``|``-, ``,``- or ``、``-separated list of values."""
    lookup = value_lookup(kind, extra)
    memo: dict[str, str] = {}

    def one(v: str) -> str:
        if v not in memo:
            memo[v] = lookup.get(normalise(v), str(v).strip())
        return memo[v]

    def conv(v):
        if not isinstance(v, str):
            return v
        if multi:
            parts = [p for p in re.split(r"[|,，、;；]", v) if p.strip()]
            return "|".join(one(p) for p in parts)
        return one(v) if v.strip() else v

    return [conv(v) for v in values]


def alias_markdown() -> str:
    """The alias tables as Markdown (for the documentation)."""
    lines = ["### Column names", "", "| file | column | also accepted |", "|---|---|---|"]
    for table, cols in COLUMN_ALIASES.items():
        for canon, names in cols.items():
            lines.append(f"| {table} | `{canon}` | {', '.join(names)} |")
    lines += ["", "### Values", "", "| column | value | also accepted |", "|---|---|---|"]
    for kind, vals in VALUE_ALIASES.items():
        for canon, names in vals.items():
            lines.append(f"| {kind} | `{canon}` | {', '.join(names)} |")
    return "\n".join(lines) + "\n"
