"""Equity sections of the HTML report (:mod:`siting.report.html`): a plan's fairness
between streets, and a trade-off sweep's efficiency-equity curve. Each reads the folder only
(``summary.json`` → ``equity``, ``streets.csv``; ``equity_tradeoff.csv``) and leaves itself
out when its data is absent."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from siting.report import text
from siting.report.folder import read_csv
from siting.report.html import SECTIONS, Report, Section, figure_html, para, table_html


def section_equity(r: Report) -> Section | None:
    """公平: worst street and community, Gini, no facility within reach, per street."""
    p = r.plan
    e = (p.summary.get("equity") if p is not None else None) or {}
    w = e.get("weighted")
    if not w or w.get("street_min") is None:
        return None
    pct = text.pct
    gini = "—" if w.get("gini") is None else f"{float(w['gini']):.2f}"
    a = (e.get("access_2sfca") or {}).get("weighted") or {}
    lead = para(r.w(
        f"最差街道 {w['worst_street']}：加权覆盖率 {pct(w['street_min'])}（最高 "
        f"{pct(w['street_max'])}，差 {pct(w['street_spread'])}）；最差社区 "
        f"{w['worst_community_name']}（{w['worst_community_street']}）"
        f"{pct(w['community_min'])}；按人口加权的社区覆盖率基尼系数 {gini}。"
        f"{pct(w['share_households_missing_a_function'])} 的住户步行范围内至少缺一项服务。"
        "覆盖率以步行可达需求为分母，不可达需求单列"
        f"（{pct(w['unreachable_demand_share'])}）。两步移动搜索法 (2SFCA) 可达性最差街道 "
        f"{a.get('worst_street')}：{pct(a.get('street_min'))}（不依赖分配方案）。",
        f"Worst street {w['worst_street']}: weighted coverage {pct(w['street_min'])} (best "
        f"{pct(w['street_max'])}, spread {pct(w['street_spread'])}); worst community "
        f"{w['worst_community_name']} ({w['worst_community_street']}) at "
        f"{pct(w['community_min'])}; population-weighted Gini of community coverage "
        f"{gini}. {pct(w['share_households_missing_a_function'])} of households miss "
        "at least one service within walking distance. Coverage is of reachable demand; "
        f"unreachable demand apart ({pct(w['unreachable_demand_share'])}). 2SFCA "
        f"accessibility (independent of how flows are split): worst street "
        f"{a.get('worst_street')} at {pct(a.get('street_min'))}."))
    mm = e.get("max_min")
    if mm and mm.get("min_coverage") is not None:
        lead += para(r.w(
            f"本方案按「最大化最差{'街道' if mm.get('level') == 'street' else '社区'}覆盖率」"
            f"求解：最差单元 {pct(mm['min_coverage'])}"
            + (f"（上界 {pct(mm['min_coverage_bound'])}）" if mm.get("min_coverage_bound")
               else "") + "，再在此前提下最大化总覆盖率。",
            f"Solved for the worst {mm.get('level')} first: {pct(mm['min_coverage'])}"
            + (f" (bound {pct(mm['min_coverage_bound'])})" if mm.get("min_coverage_bound")
               else "") + ", then the most total coverage holding it."))
    rows = []
    groups = [("weighted", r.w("加权 (全部功能)", "weighted (all)"), w)]
    groups += [(g, r.w({"pop_60_plus": "60岁以上老人", "pop_0_3": "0-3岁婴幼儿"}.get(g, g),
                       {"pop_60_plus": "residents 60+", "pop_0_3": "children 0-3"}.get(g, g)),
                b) for g, b in (e.get("groups") or {}).items()]
    groups += [(f, r.fn(f), b) for f, b in (e.get("functions") or {}).items()]
    for _, name, b in groups:
        rows.append({r.w("对象", "For"): name,
                     r.w("最差街道", "Worst street"): b.get("worst_street"),
                     r.w("最差街道覆盖率", "Worst street"): b.get("street_min"),
                     r.w("最好街道覆盖率", "Best street"): b.get("street_max"),
                     r.w("最差社区", "Worst community"): b.get("worst_community_name"),
                     r.w("基尼系数", "Gini"): b.get("gini"),
                     r.w("无设施住户比例", "Households with no facility"):
                         b.get("share_households_no_facility")})
    df = pd.DataFrame(rows)
    words = (r.w("对象", "For"), r.w("最差街道", "Worst street"),
             r.w("最差社区", "Worst community"), r.w("基尼系数", "Gini"))
    shares = [c for c in df.columns if c not in words]
    body = lead + table_html(df, formats={c: text.pct for c in shares})
    f = p.path / "streets.csv"
    if f.is_file():
        st = read_csv(f)
        st = st[st["function"] == "weighted"].sort_values("coverage")
        fig = go.Figure(go.Bar(x=(100 * st["coverage"]).round(1), y=st["street"],
                               orientation="h", marker_color="#41ab5d",
                               name=r.w("覆盖率 (可达需求)", "coverage (reachable demand)")))
        fig.add_trace(go.Scatter(x=(100 * st["access_2sfca"]).round(1), y=st["street"],
                                 mode="markers", marker={"color": "#0c2c84", "size": 9},
                                 name="2SFCA"))
        fig.update_xaxes(ticksuffix="%", rangemode="tozero")
        fig.update_layout(title=r.w("各街道加权覆盖率", "Weighted coverage by street"),
                          legend={"orientation": "h"})
        body += figure_html(r, fig, height=max(280, 40 * len(st) + 120))
    return Section("equity", r.w("公平：街道与社区之间", "Fairness between streets"), body)


def section_equity_tradeoff(r: Report) -> Section | None:
    """The efficiency-equity curve of a trade-off sweep (equity_tradeoff.csv)."""
    f = r.folder / "equity_tradeoff.csv"
    if not f.is_file():
        return None
    t = read_csv(f)
    if t.empty:
        return None
    mm = t["max_min"].astype(str).str.lower() == "true"
    runs, top = t[~mm].sort_values("floor"), t[mm]
    fig = go.Figure(go.Scatter(
        x=(100 * runs["worst_coverage"]).round(2), y=(100 * runs["total_coverage"]).round(2),
        mode="lines+markers", name=r.w("硬性下限 (每点一次求解)", "hard floor (one solve each)"),
        text=[f"{100 * v:.1f}%" for v in runs["floor"]],
        hovertemplate=r.w("下限 %{text}", "floor %{text}") + ": %{x}%, %{y}%<extra></extra>"))
    base = runs[runs["floor"] <= 1e-12]
    if len(base):
        fig.add_trace(go.Scatter(x=100 * base["worst_coverage"], y=100 * base["total_coverage"],
                                 mode="markers", marker={"symbol": "star", "size": 16},
                                 name=r.w("基准方案", "base plan")))
    if len(top):
        fig.add_trace(go.Scatter(x=100 * top["worst_coverage"], y=100 * top["total_coverage"],
                                 mode="markers", marker={"symbol": "diamond", "size": 13},
                                 name=r.w("最大最小方案", "max-min plan")))
    fig.update_xaxes(title=r.w("最差街道加权覆盖率 (%)", "worst street's weighted coverage (%)"))
    fig.update_yaxes(title=r.w("全区加权覆盖率 (%)", "district weighted coverage (%)"))
    body = para(r.w("每提高一档最差街道的覆盖率下限，全区总覆盖率的代价。",
                    "What each step of the floor on the worst street costs in total coverage.")
                ) + figure_html(r, fig, height=420)
    return Section("equity_tradeoff", r.w("效率与公平的权衡", "Efficiency against equity"), body)


def register() -> None:
    """Insert the sections (once): equity after the functions of a plan; the curve after
    a sweep's headline."""
    plan, sweep = SECTIONS["plan"], SECTIONS["sweep"]
    if section_equity not in plan:
        names = [s.__name__ for s in plan]
        at = names.index("section_functions") + 1 if "section_functions" in names else len(plan)
        plan.insert(at, section_equity)
    if section_equity_tradeoff not in sweep:
        sweep.insert(1 if sweep else 0, section_equity_tradeoff)
