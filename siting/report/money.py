"""Money in the plan workbook (and report): spending and coverage per area against budget and
quota, the funding table (project x source), per source and year (released, committed, left),
running costs and use. Every table is read from the plan folder's ``summary.json`` (keys
``budgets``, ``funding``, ``operating``: :mod:`siting.money`) and each sheet function returns
``None`` when its data is absent, following :mod:`siting.report.workbooks`.
"""

from __future__ import annotations

import pandas as pd

from siting.report import text
from siting.report.folder import PlanFolder

WORDS = {
    "district": ("区", "District"), "street": ("街道", "Street"),
    "budget": ("预算 (万元)", "Budget (10k CNY)"),
    "spent": ("已安排投资 (万元)", "Spent (10k CNY)"),
    "left": ("余额 (万元)", "Left (10k CNY)"), "n_projects": ("项目数", "Projects"),
    "communities": ("社区数", "Communities"),
    "communities_covered": ("达标社区数", "Communities covered"),
    "quota_communities": ("社区配额", "Quota (communities)"),
    "quota_coverage": ("覆盖率配额 (%)", "Quota (coverage %)"),
    "source": ("资金来源", "Source"), "label": ("名称", "Name"),
    "amount": ("额度 (万元)", "Amount (10k CNY)"),
    "committed": ("已安排 (万元)", "Committed (10k CNY)"),
    "released": ("当年下达 (万元)", "Released (10k CNY)"),
    "project_cost": ("项目总投资 (万元)", "Project cost (10k CNY)"),
    "space_id": ("空间编号", "Space ID"), "space_name": ("空间名称", "Space name"),
    "channel": ("实施方式", "Channel"), "year": ("年份", "Year"),
    "paid": ("资金 (万元)", "Paid (10k CNY)"), "rules": ("使用规则", "Rules"),
    "item": ("项目", "Item"), "value": ("数值", "Value"),
    "sheet_areas": ("分区预算与配额", "areas"), "sheet_funding": ("资金来源", "funding"),
    "sheet_funding_matrix": ("项目资金构成", "project funding"),
    "sheet_operating": ("运营成本", "running costs"),
    "all_years": ("全周期", "whole plan"),
}
"""Words of this module (Chinese, English)."""
MONEY_COLUMNS = {"budget", "spent", "left", "amount", "committed", "released", "project_cost",
                 "paid"}


def w(key: str, lang: str) -> str:
    pair = WORDS.get(key)
    return text.t(key, lang) if pair is None else pair[0 if lang == "zh" else 1]


def _sheet(df: pd.DataFrame, name: str, lang: str, labels=None):
    """Money columns to 万元, headers in ``lang``; a Sheet of :mod:`siting.report.workbooks`."""
    from siting.report.workbooks import Sheet

    df = df.copy()
    kinds = {}
    for c in df.columns:
        if c in MONEY_COLUMNS or c.startswith("source:"):
            df[c] = pd.to_numeric(df[c], errors="coerce") / 1e4
            kinds[c] = "wan"
        elif c.startswith("coverage_") or c == "quota_coverage":
            kinds[c] = "pct"
        elif c in ("n_projects", "communities", "communities_covered", "quota_communities"):
            kinds[c] = "int"
        elif c == "value":
            kinds[c] = "num2"
        else:
            kinds[c] = "text"
    if "channel" in df:
        df["channel"] = [text.channel_label(v, lang) for v in df["channel"]]
    if "year" in df:
        df["year"] = [w("all_years", lang) if str(v) == "all" else v for v in df["year"]]
    heads = {}
    for c in df.columns:
        if c.startswith("source:"):
            heads[c] = f"{c[7:]} (万元)" if lang == "zh" else f"{c[7:]} (10k CNY)"
        elif c.startswith("coverage_"):
            heads[c] = text.header(c, lang, labels)
        else:
            heads[c] = w(c, lang)
    return Sheet(w(name, lang), df.rename(columns=heads),
                 {heads[c]: k for c, k in kinds.items()})


def area_rows(summary: dict) -> pd.DataFrame | None:
    b = summary.get("budgets")
    if not b:
        return None
    rows = []
    for a in b["areas"]:
        row = {b["by"]: a["area"], "budget": a["budget"], "spent": a["spent"],
               "left": a["left"], "n_projects": a["n_projects"],
               "communities": a["communities"], "communities_covered": a["communities_covered"],
               "quota_communities": a["quota_communities"],
               "quota_coverage": a["quota_coverage"]}
        row.update({f"coverage_{f}": c for f, c in a["coverage"].items()})
        rows.append(row)
    return pd.DataFrame(rows)


def source_rules(s: dict, lang: str, labels=None) -> str:
    """A source's rules in words."""
    zh, parts = lang == "zh", []
    if s["functions"]:
        fs = "、".join(text.function_label(f, labels, lang) for f in s["functions"])
        parts.append(f"限{fs}" if zh else f"only {fs}")
    if s["channels"]:
        cs = "、".join(text.channel_label(c, lang) for c in s["channels"])
        parts.append(f"限{cs}项目" if zh else f"only {cs} projects")
    for f, cap in s["per_unit_cap"].items():
        name = text.function_label(f, labels, lang)
        parts.append(f"{name}每新增单位不超过 {cap:,.0f} 元" if zh
                     else f"at most {cap:,.0f} CNY per new {name} unit")
    if s["max_share"] < 1:
        parts.append(f"不超过项目总投资的 {100 * s['max_share']:g}%" if zh
                     else f"at most {100 * s['max_share']:g} % of a project")
    if s["min_project"] > 0:
        parts.append(f"项目总投资不低于 {s['min_project'] / 1e4:,.0f} 万元" if zh
                     else f"projects of at least {s['min_project'] / 1e4:,.0f} (10k CNY)")
    return ("；" if zh else "; ").join(parts) or ("不限" if zh else "any project")


def source_rows(summary: dict, lang: str, labels=None) -> pd.DataFrame | None:
    f = summary.get("funding")
    if not f:
        return None
    rows = []
    for s in f["sources"]:
        for y in s["by_year"]:
            rows.append({"source": s["source"], "label": s["label"], "year": y["year"],
                         "released": y["released"], "committed": y["committed"],
                         "left": y["left"], "rules": source_rules(s, lang, labels)})
    return pd.DataFrame(rows)


def matrix_rows(summary: dict, sites: pd.DataFrame) -> pd.DataFrame | None:
    from siting.money import funding_matrix

    if not summary.get("funding") or not len(sites):
        return None
    m = funding_matrix(summary, sites)
    return m.rename(columns={s["source"]: f"source:{s['label']}"
                             for s in summary["funding"]["sources"] if s["source"] in m})


def operating_rows(summary: dict, lang: str) -> pd.DataFrame | None:
    from siting.money import operating_table

    t = operating_table(summary)
    if t.empty:
        return None
    names = {"opex_per_year": ("年运营费 (元)", "running cost a year (CNY)"),
             "rent_per_year": ("年租金 (元)", "rent a year (CNY)"),
             "running_cost_per_year": ("年运行成本合计 (元)", "running costs a year (CNY)"),
             "budget_per_year": ("年运营补贴预算 (元)", "operating budget a year (CNY)"),
             "left_per_year": ("年运营预算余额 (元)", "operating budget left a year (CNY)"),
             "years": ("全生命周期年数", "years counted"),
             "discount_rate": ("折现率", "discount rate"),
             "lifecycle_factor": ("年金系数", "annuity factor"),
             "lifecycle_cost": ("全生命周期成本 (元)", "lifecycle cost (CNY)")}
    return pd.DataFrame({"item": [names[k][0 if lang == "zh" else 1] for k in t["key"]],
                         "value": t["value"].tolist()})


def sheet_areas(plan: PlanFolder, lang: str):
    df = area_rows(plan.summary)
    return None if df is None else _sheet(df, "sheet_areas", lang, plan.labels)


def sheet_funding(plan: PlanFolder, lang: str):
    df = source_rows(plan.summary, lang, plan.labels)
    return None if df is None else _sheet(df, "sheet_funding", lang, plan.labels)


def sheet_funding_matrix(plan: PlanFolder, lang: str):
    df = matrix_rows(plan.summary, plan.sites)
    return None if df is None else _sheet(df, "sheet_funding_matrix", lang, plan.labels)


def sheet_operating(plan: PlanFolder, lang: str):
    df = operating_rows(plan.summary, lang)
    return None if df is None else _sheet(df, "sheet_operating", lang)


PLAN_SHEETS = [sheet_areas, sheet_funding, sheet_funding_matrix, sheet_operating]
"""Money sheets of ``plan.xlsx`` (after the yearly sheet, before the inputs)."""


# --------------------------------------------------------------------------------------------
# HTML report section (siting.report.html): funding and area budgets


def _wan(v) -> str:
    return "—" if v is None or (isinstance(v, float) and v != v) else f"{float(v) / 1e4:,.1f}"


def section_money(r):
    """Funding sources (amount, committed, left, per year, rules in words), what each source
    pays for each project, and spending and coverage per area against budget and quota;
    ``None`` when the plan has neither funding sources nor area budgets or quotas."""
    from siting.report.html import Section, para, table_html

    p = r.plan
    if p is None or not (p.summary.get("funding") or p.summary.get("budgets")):
        return None
    s, lang, body = p.summary, r.lang, []
    src = source_rows(s, lang, p.labels)
    if src is not None:
        f = s["funding"]
        body.append(para(r.w(
            f"资金来源合计 {_wan(f['total_amount'])} 万元，方案安排 {_wan(f['total_committed'])}"
            " 万元。每个项目的投资由其符合条件的资金来源全额承担，各来源按所列顺序优先使用"
            "（专项资金在前，区级资金在后）。",
            f"The sources hold {_wan(f['total_amount'])} (10k CNY); the plan commits "
            f"{_wan(f['total_committed'])}. Every project is paid in full by the sources it "
            "is eligible for, drawn on in the order listed (earmarked money first).")))
        show = src.assign(year=[w("all_years", lang) if str(v) == "all" else v
                                for v in src["year"]])
        show = show.rename(columns={c: w(c, lang) for c in show.columns})
        body.append(table_html(show, formats={w(c, lang): _wan for c in
                                              ("released", "committed", "left")}))
        mat = matrix_rows(s, p.sites)
        if mat is not None and len(mat):
            mat = mat.assign(channel=[text.channel_label(v, lang) for v in mat["channel"]])
            heads = {c: (f"{c[7:]} ({r.t('wan')})" if c.startswith("source:") else w(c, lang))
                     for c in mat.columns}
            money_cols = [heads[c] for c in mat.columns if c.startswith("source:")
                          or c == "project_cost"]
            body.append(f"<h3>{r.w('项目资金构成', 'What each source pays for each project')}"
                        "</h3>")
            body.append(table_html(mat.rename(columns=heads),
                                   formats={c: _wan for c in money_cols}))
    areas = area_rows(s)
    if areas is not None:
        b = s["budgets"]
        quota = any(a["quota_communities"] is not None or a["quota_coverage"] is not None
                    for a in b["areas"])
        if not quota:  # budgets only: spending per area (coverage is in its own section)
            areas = areas[[c for c in areas.columns
                           if not c.startswith(("coverage_", "quota_"))
                           and c != "communities_covered"]]
        heads = {c: (text.header(c, lang, p.labels) if c.startswith("coverage_")
                     else w(c, lang)) for c in areas.columns}
        fmt = {heads[c]: _wan for c in ("budget", "spent", "left") if c in heads}
        fmt.update({heads[c]: text.pct for c in areas.columns
                    if c.startswith("coverage_") or c == "quota_coverage"})
        body.append(f"<h3>{r.w('分区预算与配额', 'Budgets and quotas by area')}</h3>")
        body.append(table_html(areas.rename(columns=heads), formats=fmt))
    return Section("money", r.w("资金来源与分区预算", "Funding and area budgets"),
                   "\n".join(body))


def register() -> None:
    """Put the money section into the plan report, after the year-by-year section."""
    from siting.report.html import SECTIONS, section_by_year

    plan = SECTIONS["plan"]
    if section_money not in plan:
        plan.insert(plan.index(section_by_year) + 1 if section_by_year in plan
                    else len(plan), section_money)
