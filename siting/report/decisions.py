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
