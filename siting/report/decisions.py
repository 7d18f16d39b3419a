"""Workbook sheets of the decision analyses: ``site_values.csv`` (``siting explain``) as a
sheet of ``plan.xlsx``, and ``alternatives.xlsx`` of an alternatives folder (plans, spaces,
necessity). Headers in Chinese or English; money in 万元; shares as percentages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from siting.report import text
from siting.report.folder import PlanFolder, read_csv
from siting.report.workbooks import Sheet, displayed, write_workbook

HEADERS = {
    "role": ("类型", "role"), "decision": ("已定", "pinned"),
    "objective_value": ("目标值", "objective"),
    "own_weighted_coverage": ("自身贡献 (加权覆盖率)", "own contribution (weighted coverage)"),
    "capex_per_point": ("每个覆盖百分点投资 (元)", "capex per point of coverage (CNY)"),
    "objective_loss": ("目标值损失", "objective lost"),
    "objective_loss_low": ("目标值损失下限", "objective lost, low"),
    "objective_loss_high": ("目标值损失上限", "objective lost, high"),
    "weighted_coverage_loss": ("加权覆盖率损失 (重新优化)",
                               "weighted coverage lost (re-optimised)"),
    "new_shortfalls": ("新增未达标项", "new shortfalls"),
    "new_shortfall_detail": ("新增未达标明细", "new shortfalls, detail"),
    "capex_after": ("调整后投资 (万元)", "capex after (10k CNY)"),
    "sites_changed": ("变动空间数", "sites changed"), "exact": ("已证明", "proven"),
    "method": ("求解方式", "method"), "seconds": ("用时 (秒)", "seconds"),
    "kind": ("行类型", "row"), "id": ("方案/空间", "plan / space"),
    "sites_shared_with_optimum": ("与最优方案相同的空间", "sites shared with optimum"),
    "jaccard_distance": ("差异度 (Jaccard)", "Jaccard distance"),
    "street_difference": ("街道分布差异", "street difference"),
    "mean_distance_to_optimum_m": ("到最优方案最近空间平均距离 (米)",
                                   "mean distance to optimum (m)"),
    "share_far_from_optimum": ("远离最优方案的比例", "share far from optimum"),
    "in_plans": ("出现方案数", "in plans"), "of_plans": ("方案总数", "of plans"),
    "category": ("出现情况", "category"), "necessary": ("不可替代", "necessary"),
    "evidence": ("依据", "evidence"),
}
ROLES = {"chosen": ("已选空间（关闭后重算）", "chosen (closed, re-solved)"),
         "candidate": ("候选空间（强制选入）", "candidate (forced in)")}


def _sheet(df: pd.DataFrame, name: str, lang: str, plan: PlanFolder | None = None) -> Sheet:
    df = df.copy()
    if "role" in df:
        df["role"] = [text.pick(ROLES, v, lang) for v in df["role"]]
    kinds = {c: "num2" for c in df.columns if c.startswith(("objective_loss", "served_loss"))}
    kinds.update({c: "pct" for c in ("own_weighted_coverage", "weighted_coverage_loss",
                                     "jaccard_distance", "street_difference",
                                     "share_far_from_optimum") if c in df})
    if "capex_after" in df:
        df["capex_after"] = pd.to_numeric(df["capex_after"], errors="coerce") / 1e4
        kinds["capex_after"] = "wan"
    labels = plan.labels if plan is not None else None
    sheet = displayed(df, lang, labels, plan.units if plan is not None else None, kinds)
    ren = {}
    for c in sheet.df.columns:
        if c in HEADERS:
            ren[c] = HEADERS[c][0 if lang == "zh" else 1]
    sheet.df = sheet.df.rename(columns=ren)
    sheet.kinds = {ren.get(c, c): k for c, k in sheet.kinds.items()}
    sheet.name = name
    return sheet


def sheet_site_values(plan: PlanFolder, lang: str) -> Sheet | None:
    """``site_values.csv`` of a plan folder (after ``siting explain``), if there is one."""
    path = plan.path / "site_values.csv"
    if not path.is_file():
        return None
    return _sheet(read_csv(path, dtype={"space_id": str}),
                  "空间价值" if lang == "zh" else "site values", lang, plan)


def alternatives_workbook(folder: Path, path: Path, lang: str = "zh") -> None:
    """``alternatives.xlsx``: the plans, each space's channel in each plan, necessity."""
    table = read_csv(folder / "alternatives.csv", dtype={"id": str})
    plans = table[table["kind"] == "plan"].dropna(axis=1, how="all").drop(columns="kind")
    spaces = table[table["kind"] == "space"].dropna(axis=1, how="all").drop(columns="kind")
    nec = read_csv(folder / "site_necessity.csv", dtype={"space_id": str})
    zh = lang == "zh"
    first = PlanFolder.read(folder / str(plans["id"].iloc[0])) if len(plans) else None
    if "objective" in plans:
        plans = plans.rename(columns={"objective": "objective_value"})
    write_workbook(path, [_sheet(plans, "方案" if zh else "plans", lang, first),
                          _sheet(spaces.fillna(""), "空间" if zh else "spaces", lang),
                          _sheet(nec, "必要性" if zh else "necessity", lang)])


# --------------------------------------------------------------------------------------------
# HTML report sections (registered in siting.report.html.SECTIONS at import)


def _pct(v) -> str:
    return "" if v is None or pd.isna(v) else f"{100 * float(v):.2f}"


def section_site_values(r) -> object | None:
    """What each site is worth (after ``siting explain``): the sites whose loss hurts most,
    their own contribution beside the re-optimised loss, and the cheapest candidates."""
    from siting.report.html import Section, figure_html, para, table_html

    f = r.folder / "site_values.csv"
    if r.kind != "plan" or not f.is_file():
        return None
    import plotly.graph_objects as go

    t = read_csv(f, dtype={"space_id": str})
    loss = "weighted_coverage_loss" if "weighted_coverage_loss" in t else "primary_loss"
    chosen = t[t["role"] == "chosen"].sort_values("objective_loss", ascending=False)
    cands = t[t["role"] == "candidate"].sort_values("objective_loss")
    n_exact = int(t["exact"].astype(str).str.lower().eq("true").sum())
    body = para(r.w(
        f"对方案中每一处空间，关闭它并重新优化（其余空间可以接手它的需求，节省的资金可用于别处），"
        f"得到方案因此损失的目标值；对最接近入选的 {len(cands)} 处候选空间，强制选入并重新优化。"
        f"每个数值给出区间（由方案和重算的上下界得到）；{n_exact} / {len(t)} 个数值已在要求的"
        "间隙内被证明。",
        f"Each site of the plan was closed and the plan re-optimised (other sites may take up its "
        f"demand, its money goes elsewhere): the objective lost. The {len(cands)} candidates "
        f"that come closest were forced in. Each value is an interval from the plan's and the "
        f"re-solve's bounds; {n_exact} of {len(t)} are proven within the gap asked for."))
    if len(chosen) and loss == "weighted_coverage_loss":
        top = chosen.head(20)
        fig = go.Figure([
            go.Bar(name=r.w("自身贡献", "own contribution"), x=top["space_id"],
                   y=100 * top["own_weighted_coverage"].astype(float)),
            go.Bar(name=r.w("关闭后的损失（重新优化）", "loss when closed (re-optimised)"),
                   x=top["space_id"], y=100 * top[loss].astype(float))])
        fig.update_layout(barmode="group", yaxis_title=r.w("加权覆盖率（百分点）",
                                                          "weighted coverage (points)"),
                          height=360, margin={"t": 20, "b": 40})
        body += figure_html(r, fig, height=360)
    cols = {"space_id": r.w("空间", "space"), "space_name": r.w("名称", "name"),
            "street": r.w("街道", "street"), "channel": r.w("实施方式", "channel"),
            "own_weighted_coverage": r.w("自身贡献 (百分点)", "own (points)"),
            loss: r.w("损失 (百分点)", "loss (points)"),
            "objective_loss_low": r.w("目标损失下限", "objective loss low"),
            "objective_loss_high": r.w("目标损失上限", "objective loss high"),
            "new_shortfalls": r.w("新增未达标", "new shortfalls"),
            "exact": r.w("已证明", "proven")}
    four = lambda v: "" if v is None or pd.isna(v) else f"{float(v):.4f}"  # noqa: E731
    fmt = {cols["own_weighted_coverage"]: _pct, cols[loss]: _pct,
           cols["objective_loss_low"]: four, cols["objective_loss_high"]: four,
           cols["exact"]: lambda v: r.w("是", "yes") if str(v).lower() == "true"
           else r.w("否", "no")}
    titles = (r.w("已选空间", "Chosen sites"),
              r.w("候选空间（强制选入的代价）", "Candidates (cost of forcing in)"))
    for part, title in zip((chosen, cands), titles):
        if len(part):
            df = part[[c for c in cols if c in part]].rename(columns=cols)
            if "channel" in part:
                df[cols["channel"]] = [text.channel_label(c, r.lang) if isinstance(c, str)
                                       else "" for c in part["channel"]]
            body += f"<h3>{title}</h3>" + table_html(df, formats=fmt)
    return Section("site_values", r.w("空间价值", "What each site is worth"), body)


def section_alternatives_summary(r) -> object | None:
    """The alternatives in words (summary.md), the plans compared, the necessity map."""
    import base64

    from siting.report.html import Section, esc, para, table_html

    f = r.folder / "summary.md"
    if r.kind != "alternatives" or not f.is_file():
        return None
    lines = [ln.strip() for ln in f.read_text(encoding="utf-8").splitlines()]
    words = [ln.lstrip("- ").replace("**", "") for ln in lines
             if ln and not ln.startswith(("#", "|"))]
    body = "".join(para(w) for w in words)
    table = read_csv(r.folder / "alternatives.csv", dtype={"id": str})
    plans = table[table["kind"] == "plan"]
    cols = {"id": r.w("方案", "plan"), "weighted_coverage": r.w("加权覆盖率 (%)",
                                                               "weighted coverage (%)"),
            "capex": r.w("投资 (万元)", "capex (10k CNY)"), "n_sites": r.w("空间数", "sites"),
            "sites_shared_with_optimum": r.w("与最优相同", "shared with optimum"),
            "street_difference": r.w("街道差异", "street difference"),
            "mean_distance_to_optimum_m": r.w("到最优平均距离 (米)", "mean distance (m)")}
    df = plans[list(cols)].rename(columns=cols)
    body += table_html(df, formats={cols["weighted_coverage"]: _pct,
                                    cols["capex"]: lambda v: text.wan(v, 0)})
    png = r.folder / "alternatives_map.png"
    if png.is_file():
        data = base64.b64encode(png.read_bytes()).decode("ascii")
        body += (f'<img alt="{esc(r.w("备选方案地图", "alternatives map"))}" '
                 f'style="max-width:100%" src="data:image/png;base64,{data}">')
    return Section("alternatives_summary", r.w("近优备选方案", "Near-optimal alternatives"), body)


def register_sections(sections: dict) -> None:
    """Put this module's sections in their places of :data:`siting.report.html.SECTIONS`."""
    plan = sections["plan"]
    if section_site_values not in plan:
        plan.insert(max(len(plan) - 1, 0), section_site_values)  # before the method notes
    alt = sections["alternatives"]
    if section_alternatives_summary not in alt:
        alt.insert(0, section_alternatives_summary)
