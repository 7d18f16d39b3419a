"""Formatted Excel workbooks: ``plan.xlsx`` for a plan folder, ``comparison.xlsx`` for a
comparison folder.

Headers are in the report's language with units (万元, m², %), money is shown in 万元 and
shares as percentages (true numbers with an Excel number format, so sums and filters still
work), ids sit next to names, every sheet holds one table with a frozen, filtered header row
and fitted column widths. The CSV files keep their stable English column names for scripts.

Adding a sheet (pattern shared with :mod:`siting.report.html`): write a function
``sheet_xxx(plan: PlanFolder, lang: str) -> Sheet | None`` that reads the folder's data and
returns ``None`` when its data is absent, and append it to :data:`PLAN_SHEETS` (or
:data:`COMPARISON_SHEETS`, whose functions take ``(folder: Path, table, lang)``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from siting.report import money, text
from siting.report.equity import sheet_streets
from siting.report.folder import PlanFolder, read_csv

FORMATS = {
    "text": "@", "int": "#,##0", "num": "#,##0.0", "num2": "#,##0.00", "wan": "#,##0.0",
    "pct": "0.0%", "m2": "#,##0", "coord": "0.000000", "year": "0", "general": "General",
}
"""Number format per column kind. ``wan`` columns hold 万元 (yuan / 10,000), ``pct`` shares
0-1 shown as %."""
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
MAX_WIDTH = 48


@dataclass
class Sheet:
    """One table: ``df`` with display headers, the kind of each column (see FORMATS)."""

    name: str
    df: pd.DataFrame
    kinds: dict[str, str] = field(default_factory=dict)


def _width(value) -> int:
    s = str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in s)


def write_workbook(path: Path, sheets: list[Sheet]) -> None:
    """Write ``sheets`` to ``path`` (openpyxl), each formatted as described above."""
    wb = Workbook()
    wb.remove(wb.active)
    for sh in sheets:
        ws = wb.create_sheet(sh.name[:31])
        df = sh.df
        ws.append(list(df.columns))
        for row in df.itertuples(index=False):
            ws.append([None if (isinstance(v, float) and v != v) else
                       (v.item() if hasattr(v, "item") else v) for v in row])
        lines = [1] * len(df)
        for j, col in enumerate(df.columns, start=1):
            letter = get_column_letter(j)
            kind = sh.kinds.get(col, "general" if df[col].dtype != object else "text")
            fmt = FORMATS[kind]
            for cell in ws[letter][1:]:
                cell.number_format = fmt
                if kind == "text":
                    cell.alignment = Alignment(vertical="top", wrap_text=True)
            sample = [_width(col) * 0.8] + [_width(format_like(v, kind))
                                             for v in df[col].head(200)]
            width = min(MAX_WIDTH, max(8, max(sample) + 2))
            ws.column_dimensions[letter].width = width
            if kind == "text":  # wrapped text: rows tall enough to show it (no auto-fit)
                for r, v in enumerate(df[col]):
                    n = -(-_width(format_like(v, kind)) // max(1, int(width) - 1))
                    lines[r] = max(lines[r], min(n, 8))
        for r, n in enumerate(lines, start=2):
            if n > 1:
                ws.row_dimensions[r].height = 15 * n
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = HEADER_FILL
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        ws.row_dimensions[1].height = 32
        ws.freeze_panes = "A2"
        # printed: landscape A4, all columns on one page width, header on every page
        ws.page_setup.orientation = "landscape"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.print_title_rows = "1:1"
        if len(df.columns):
            ws.auto_filter.ref = f"A1:{get_column_letter(len(df.columns))}{max(1, len(df) + 1)}"
    wb.save(path)


def format_like(v, kind: str) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return ""
    try:
        if kind == "pct":
            return f"{100 * float(v):.1f}%"
        if kind in ("wan", "num"):
            return f"{float(v):,.1f}"
        if kind in ("int", "m2"):
            return f"{float(v):,.0f}"
    except (TypeError, ValueError):
        pass
    return str(v)


# --------------------------------------------------------------------------------------------
# Plan sheets

MONEY = ("channel_cost", "fitout_cost", "capex", "opex_per_year", "budget", "spend")
AREA = ("floor_area_m2", "buildable_area_m2", "usable_area_m2", "used_area_m2",
        "shared_area_m2")


def displayed(df: pd.DataFrame, lang: str, labels=None, units=None,
              kinds: dict[str, str] | None = None) -> Sheet:
    """Convert a table with CSV column names for display: money to 万元, codes to words,
    headers to ``lang``; returns a Sheet (name set by the caller)."""
    df = df.copy()
    kinds = dict(kinds or {})
    for c in df.columns:
        if c in MONEY or (c.startswith("capex_") and c[6:] in text.CHANNELS):
            df[c] = pd.to_numeric(df[c], errors="coerce") / 1e4
            kinds.setdefault(c, "wan")
        elif c in AREA:
            kinds.setdefault(c, "m2")
        elif c.startswith("coverage") or c.startswith("weighted_coverage") or c == "share":
            kinds.setdefault(c, "pct")
        elif c in ("lon", "lat"):
            kinds.setdefault(c, "coord")
        elif c == "mip_gap":
            kinds.setdefault(c, "pct")
        elif c.startswith(("units_", "served_", "demand", "served")) or c in (
                "distance_m", "required", "achieved", "missing"):
            kinds.setdefault(c, "num")
        elif c in ("year", "start_year", "open_year"):
            kinds.setdefault(c, "year")
        elif c in ("n_sites", "households", "population", "n_functions", "lead_time_months",
                   "n_shortfalls", "n_scenarios", "runs") \
                or c.startswith(("sites_", "households_within_")):
            kinds.setdefault(c, "int")
    codes = {"channel": text.CHANNELS, "kind": text.KINDS, "ownership": text.OWNERSHIPS,
             "site_type": text.SITE_TYPES, "status": text.STATUS, "unit": text.UNITS}
    for c, table in codes.items():
        if c in df:
            df[c] = [text.pick(table, v, lang) if isinstance(v, str) else v for v in df[c]]
    if "function" in df:
        df["function"] = [text.function_label(f, labels, lang) if isinstance(f, str) else f
                          for f in df["function"]]
    if "complex" in df:
        df["complex"] = [text.t("yes" if str(v).lower() == "true" else "no", lang)
                         for v in df["complex"]]
    for c in df.columns:
        if df[c].dtype == object:
            kinds.setdefault(c, "text")
    headers = {c: text.header(c, lang, labels, units) for c in df.columns}
    return Sheet("", df.rename(columns=headers), {headers[c]: k for c, k in kinds.items()
                                                  if c in headers})


def _named(sheet: Sheet, key: str, lang: str) -> Sheet:
    sheet.name = text.t(key, lang)
    return sheet


def overview_rows(plan: PlanFolder, lang: str) -> pd.DataFrame:
    """The plan's key figures, one per row, in words."""
    s, zh = plan.summary, lang == "zh"
    rows = [
        (text.t("scenario", lang), s["scenario"]),
        (text.t("description", lang), s.get("description", "")),
        (text.t("status", lang), text.pick(text.STATUS, s["status"], lang)),
        (text.t("mip_gap", lang), "—" if s.get("mip_gap") is None else text.pct(s["mip_gap"],
                                                                                 2)),
        (text.t("budget", lang), text.wan(s["budget"])),
        (text.t("capex", lang), text.wan(s["total_capex"])),
        (text.t("opex_per_year", lang), text.wan(s["total_opex_per_year"])),
        (text.t("n_sites", lang), s["n_sites"]),
    ]
    for ch, n in s.get("sites_by_channel", {}).items():
        rows.append((f"{text.channel_label(ch, lang)} {'选址数' if zh else 'sites'}",
                     f"{n} ({text.wan(s['capex_by_channel'].get(ch, 0))} {text.t('wan', lang)})"))
    rows.append((text.t("weighted_coverage", lang), text.pct(s["weighted_coverage"])))
    for f, d in s["functions"].items():
        rows.append((f"{text.function_label(f, plan.labels, lang)} {text.t('coverage', lang)}",
                     text.pct(d["coverage"])))
    w = (s.get("equity") or {}).get("weighted") or {}
    if w.get("worst_street") and w.get("street_min") is not None:
        rows.append(("最差街道 (加权覆盖率，可达需求口径)" if zh
                     else "Worst street (weighted coverage of reachable demand)",
                     f"{w['worst_street']} {text.pct(w['street_min'])}"
                     f" ({'最高' if zh else 'best'} {text.pct(w['street_max'])})"))
    if w.get("gini") is not None:
        rows.append(("社区覆盖率基尼系数" if zh else "Gini of community coverage",
                     f"{w['gini']:.3f}"))
    rows.append((text.t("n_shortfalls", lang), len(s.get("shortfalls", []))))
    for sf in s.get("shortfalls", [])[:50]:
        rows.append((text.t("missing", lang), sf.get("what") or sf.get("label", "")))
    return pd.DataFrame(rows, columns=[text.t("key", lang), text.t("value", lang)])


def sheet_overview(plan: PlanFolder, lang: str) -> Sheet:
    df = overview_rows(plan, lang)
    return Sheet(text.t("sheet_overview", lang), df, {c: "text" for c in df.columns})


def register_table(plan: PlanFolder, lang: str) -> pd.DataFrame:
    """The project register (项目清单): the fields a commission files for each project."""
    zh = lang == "zh"
    funcs = plan.functions
    rows = []
    ctx = plan.context.spaces
    unit_of = {}
    if ctx is not None and "responsible_unit" in ctx:
        unit_of = dict(zip(ctx["space_id"].astype(str), ctx["responsible_unit"]))
    for n, (_, r) in enumerate(plan.sites.iterrows(), start=1):
        ch = text.channel_label(r["channel"], lang)
        parts = []
        for f in funcs:
            u = float(r.get(f"units_{f}", 0) or 0)
            if u > 0:
                parts.append(f"{text.function_label(f, plan.labels, lang)} {u:g} "
                             f"{text.unit_label(plan.units.get(f, ''), lang)}")
        content = (f"{ch} {float(r['used_area_m2']):,.0f} m²" + ("；" if zh else "; ")
                   + ("、" if zh else ", ").join(parts))
        if "start_year" in r and r.get("start_year") == r.get("start_year"):
            a, b = int(r["start_year"]), int(r["open_year"])
            years = f"{a}" if a == b else f"{a}–{b}"
        else:
            m = int(round(float(r["lead_time_months"])))
            years = f"工期约 {m} 个月" if zh else f"about {m} months"
        funding = r.get("funding_source") if isinstance(r.get("funding_source"), str) \
            else text.t("tbd", lang)
        unit = unit_of.get(str(r["space_id"]))
        if not isinstance(unit, str) or not unit:
            unit = f"{r['street']}办事处" if zh else f"{r['street']} sub-district office"
        name = (f"{r['space_name']}社区嵌入式服务设施{ch}项目" if zh else
                f"{r['space_name']}: community service facility ({ch})")
        rows.append({
            text.t("reg_no", lang): n, text.t("space_id", lang): r["space_id"],
            text.t("reg_name", lang): name,
            text.t("reg_location", lang): f"{r['street']} {r['space_name']} "
                                          f"({float(r['lon']):.5f}, {float(r['lat']):.5f})",
            text.t("reg_content", lang): content,
            text.t("reg_investment", lang): float(r["capex"]) / 1e4,
            text.t("reg_funding", lang): funding, text.t("reg_years", lang): years,
            text.t("reg_unit", lang): unit,
            text.t("reg_note", lang): "",
        })
    return pd.DataFrame(rows)


def sheet_register(plan: PlanFolder, lang: str) -> Sheet | None:
    df = register_table(plan, lang)
    if df.empty:
        return None
    kinds = {c: "text" for c in df.columns}
    kinds[text.t("reg_no", lang)] = "int"
    kinds[text.t("reg_investment", lang)] = "wan"
    return Sheet(text.t("sheet_register", lang), df, kinds)


def sheet_sites(plan: PlanFolder, lang: str) -> Sheet:
    s = plan.sites
    cols = [c for c in s.columns if not c.startswith("served_")]
    return _named(displayed(s[cols], lang, plan.labels, plan.units), "sheet_sites", lang)


def sheet_functions(plan: PlanFolder, lang: str) -> Sheet:
    rows = []
    for f, d in plan.summary["functions"].items():
        rows.append({"function": f, "unit": d.get("unit", ""), "demand": d["demand"],
                     "served": d["served"], "coverage": d["coverage"],
                     "units_new": d.get("units_new"), "walking_limit_m": d.get("walking_limit_m"),
                     "weight": d.get("weight")})
    df = pd.DataFrame(rows)
    sh = displayed(df, lang, plan.labels, plan.units,
                   kinds={"units_new": "num", "walking_limit_m": "int", "weight": "num"})
    zh = lang == "zh"
    ren = {"units_new": "新增规模" if zh else "new units",
           "walking_limit_m": "步行距离上限 (m)" if zh else "walking limit (m)",
           "weight": "优先权重" if zh else "priority weight"}
    sh.df = sh.df.rename(columns=ren)
    sh.kinds = {ren.get(k, k): v for k, v in sh.kinds.items()}
    return _named(sh, "sheet_functions", lang)


def sheet_assignments(plan: PlanFolder, lang: str) -> Sheet:
    a = plan.assignments.copy()
    zname = dict(zip(plan.zones["zone_id"].astype(str), plan.zones["zone_name"]))
    names = plan.space_names()
    a.insert(a.columns.get_loc("zone_id") + 1, "zone_name", a["zone_id"].map(zname))
    a.insert(a.columns.get_loc("site_id") + 1, "site_name", a["site_id"].map(names))
    return _named(displayed(a, lang, plan.labels, plan.units), "sheet_assignments", lang)


def sheet_zones(plan: PlanFolder, lang: str) -> Sheet:
    z = plan.zones.drop(columns=[c for c in ("lon", "lat") if c in plan.zones])
    cov = [f"coverage_{f}" for f in plan.functions if f"coverage_{f}" in z]
    z = z[[c for c in z.columns if c not in cov] + cov]  # functions in catalogue order
    return _named(displayed(z, lang, plan.labels, plan.units), "sheet_zones", lang)


def sheet_shortfalls(plan: PlanFolder, lang: str) -> Sheet:
    df = plan.shortfalls if len(plan.shortfalls.columns) else pd.DataFrame(
        columns=["standard", "label", "level", "group", "group_name", "function", "required",
                 "achieved", "missing", "unit", "cause"])
    return _named(displayed(df, lang, plan.labels, plan.units), "sheet_shortfalls", lang)


def by_year_display(plan: PlanFolder, lang: str) -> pd.DataFrame | None:
    years = plan.summary.get("by_year")
    if not years:
        return None
    names = plan.space_names()
    sep = "、" if lang == "zh" else ", "
    rows = []
    for y in years:
        row = {"year": y["year"], "budget": y["budget"], "spend": y["spend"],
               "started": sep.join(f"{i} {names.get(i, '')}".strip() for i in y["started"]),
               "opened": sep.join(f"{i} {names.get(i, '')}".strip() for i in y["opened"]),
               "weighted_coverage": y["weighted_coverage"]}
        row.update({f"coverage_{f}": c for f, c in y["coverage"].items()})
        rows.append(row)
    return pd.DataFrame(rows)


def sheet_by_year(plan: PlanFolder, lang: str) -> Sheet | None:
    df = by_year_display(plan, lang)
    if df is None:
        return None
    return _named(displayed(df, lang, plan.labels, plan.units), "sheet_by_year", lang)


def sheet_inputs(plan: PlanFolder, lang: str) -> Sheet:
    rows = [{"key": k, "value": d["path"], "sha256": d.get("sha256", "")}
            for k, d in plan.summary.get("inputs", {}).items()]
    df = pd.DataFrame(rows, columns=["key", "value", "sha256"])
    df.columns = [text.t("key", lang), text.t("value", lang), "SHA-256"]
    return Sheet(text.t("sheet_inputs", lang), df, {c: "text" for c in df.columns})


PLAN_SHEETS: list[Callable[[PlanFolder, str], Sheet | None]] = [
    sheet_overview, sheet_register, sheet_sites, sheet_functions, sheet_zones,
    sheet_streets, sheet_assignments, sheet_shortfalls, sheet_by_year, *money.PLAN_SHEETS,
    sheet_inputs,
]
"""The sheets of ``plan.xlsx`` in order; each returns None to leave itself out."""


def _site_values(plan: PlanFolder, lang: str) -> Sheet | None:
    from siting.report.decisions import sheet_site_values  # after siting explain

    return sheet_site_values(plan, lang)


PLAN_SHEETS.insert(PLAN_SHEETS.index(sheet_by_year) + 1, _site_values)


def plan_workbook(plan: PlanFolder, path: Path, lang: str = "zh") -> None:
    sheets = [s for f in PLAN_SHEETS if (s := f(plan, lang)) is not None]
    write_workbook(path, sheets)


# --------------------------------------------------------------------------------------------
# Comparison sheets

KEY_COLUMNS = ["scenario", "description", "status", "reason", "mip_gap", "budget", "capex",
               "opex_per_year", "n_sites", "weighted_coverage", "weighted_coverage_new",
               "n_shortfalls"]


def comparison_labels(folder: Path, table: pd.DataFrame) -> tuple[dict, dict]:
    """Function labels and units from the first plan of the comparison."""
    from siting.report.folder import plan_dirs_of

    for d in plan_dirs_of(folder, table).values():
        p = PlanFolder.read(d)
        return p.labels, p.units
    return {}, {}


def sheet_comparison(folder: Path, table: pd.DataFrame, lang: str) -> Sheet:
    cols = [c for c in KEY_COLUMNS if c in table] + \
        [c for c in table.columns if c.startswith("sites_") and c[6:] in text.CHANNELS]
    labels, units = comparison_labels(folder, table)
    return _named(displayed(table[cols], lang, labels, units), "sheet_comparison", lang)


def sheet_coverage(folder: Path, table: pd.DataFrame, lang: str) -> Sheet:
    cols = [c for c in ("scenario", "weighted_coverage") if c in table] + \
        [c for c in table.columns if c.startswith("coverage_")]
    labels, units = comparison_labels(folder, table)
    return _named(displayed(table[cols], lang, labels, units), "sheet_coverage", lang)


def sheet_capex(folder: Path, table: pd.DataFrame, lang: str) -> Sheet:
    cols = ["scenario", "budget", "capex"] + [c for c in table.columns if c.startswith(
        "capex_") and c[6:] in text.CHANNELS]
    return _named(displayed(table[[c for c in cols if c in table]], lang), "sheet_capex", lang)


def changes_table(folder: Path, table: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Per scenario: the spaces it adds and drops relative to the base, with names."""
    from siting.compare import base_name

    base = base_name(table)
    if base is None:
        return pd.DataFrame(columns=["scenario", "added", "dropped"])
    names: dict[str, str] = {}
    from siting.report.folder import plan_dirs_of

    for d in plan_dirs_of(folder, table).values():
        s = read_csv(d / "sites.csv", dtype={"space_id": str})
        names.update(zip(s["space_id"], s["space_name"]))
    ok = table[table["status"].isin(["optimal", "time_limit"])].set_index("scenario")
    b = set(filter(None, str(ok.at[base, "chosen_spaces"]).split("|")))
    sep = "、" if lang == "zh" else ", "
    rows = []
    for name, r in ok.iterrows():
        if name == base:
            continue
        this = set(filter(None, str(r["chosen_spaces"]).split("|")))
        rows.append({"scenario": name,
                     "added": sep.join(f"{i} {names.get(i, '')}" for i in sorted(this - b)),
                     "dropped": sep.join(f"{i} {names.get(i, '')}" for i in sorted(b - this))})
    return pd.DataFrame(rows, columns=["scenario", "added", "dropped"])


def sheet_changes(folder: Path, table: pd.DataFrame, lang: str) -> Sheet | None:
    df = changes_table(folder, table, lang)
    if df.empty:
        return None
    return _named(displayed(df, lang), "sheet_changes", lang)


def sheet_stability(folder: Path, table: pd.DataFrame, lang: str) -> Sheet | None:
    f = folder / "site_stability.csv"
    if not f.is_file():
        return None
    st = read_csv(f, dtype={"space_id": str})
    names: dict[str, str] = {}
    from siting.report.folder import plan_dirs_of

    for d in plan_dirs_of(folder, table).values():
        s = read_csv(d / "sites.csv", dtype={"space_id": str})
        names.update(zip(s["space_id"], s["space_name"]))
    st.insert(1, "space_name", st["space_id"].map(names))
    stab = {"all": ("全部情景", "all"), "some": ("部分情景", "some"), "one": ("仅一个情景", "one"),
            "none": ("无", "none")}
    st["stability"] = [text.pick(stab, v, lang) for v in st["stability"]]
    st["scenarios"] = st["scenarios"].fillna("").str.replace("|", "、" if lang == "zh"
                                                             else ", ", regex=False)
    return _named(displayed(st, lang), "sheet_stability", lang)


COMPARISON_SHEETS: list[Callable[[Path, pd.DataFrame, str], Sheet | None]] = [
    sheet_comparison, sheet_coverage, sheet_capex, sheet_changes, sheet_stability,
]


def comparison_workbook(folder: Path, table: pd.DataFrame, path: Path,
                        lang: str = "zh") -> None:
    sheets = [s for f in COMPARISON_SHEETS if (s := f(folder, table, lang)) is not None]
    write_workbook(path, sheets)
