"""Equity in what a person reads: the street sheet of ``plan.xlsx`` and the efficiency-equity
chart of a trade-off sweep (``equity_tradeoff.png``), in Chinese or English.

Figures come from the folder only: ``streets.csv`` and ``summary.json``'s ``equity`` section
of a plan (:mod:`siting.equity`), ``equity_tradeoff.csv`` of a sweep (:mod:`siting.tradeoff`).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

from siting.report import text
from siting.report.folder import PlanFolder, read_csv

WORDS = {
    "sheet_streets": ("街道覆盖", "streets"),
    "street": ("街道", "Street"), "communities": ("社区数", "Communities"),
    "reachable_demand": ("步行可达需求", "Reachable demand"),
    "unreachable_demand": ("步行不可达需求", "Unreachable demand"),
    "coverage": ("覆盖率 (可达需求, %)", "Coverage of reachable demand (%)"),
    "coverage_of_all_demand": ("覆盖率 (全部需求, %)", "Coverage of all demand (%)"),
    "access_2sfca": ("可达性指数 2SFCA (%)", "Accessibility 2SFCA (%)"),
    "weighted": ("加权 (全部功能)", "weighted (all functions)"),
    "tradeoff_title": ("效率与公平的权衡", "Efficiency against equity"),
    "tradeoff_x_street": ("最差街道加权覆盖率 (%)", "worst street's weighted coverage (%)"),
    "tradeoff_x_community": ("最差社区加权覆盖率 (%)",
                             "worst community's weighted coverage (%)"),
    "tradeoff_y": ("全区加权覆盖率 (%)", "weighted coverage of the district (%)"),
    "tradeoff_runs": ("各街道覆盖率硬性下限 (每点一次求解)",
                      "hard floor on every unit (one solve per point)"),
    "tradeoff_base": ("基准方案 (最大覆盖, 无下限)", "base plan (max coverage, no floor)"),
    "tradeoff_maxmin": ("最大最小方案 (先保最差)", "max-min plan (worst first)"),
    "floor": ("下限", "floor"),
}


def t(key: str, lang: str = "zh") -> str:
    pair = WORDS.get(key)
    return text.t(key, lang) if pair is None else pair[0 if lang == "zh" else 1]


def worst_street_text(summary: dict, lang: str = "zh") -> str:
    """最差街道 … (its weighted coverage of reachable demand, and the best street's)."""
    w = (summary.get("equity") or {}).get("weighted") or {}
    if w.get("street_min") is None or not w.get("worst_street"):
        return ""
    lo, hi = text.pct(w["street_min"]), text.pct(w["street_max"])
    if lang == "zh":
        return f"最差街道 {w['worst_street']}：加权覆盖率 {lo}（最高 {hi}，可达需求口径）"
    return (f"worst street {w['worst_street']}: weighted coverage {lo} (best {hi}; of "
            "reachable demand)")


def sheet_streets(plan: PlanFolder, lang: str):
    """街道覆盖: street x function (demand, reachable and unreachable demand, served,
    coverage over reachable and all demand, 2SFCA); None for a folder without streets.csv."""
    from siting.report.workbooks import displayed

    f = plan.path / "streets.csv"
    if not f.is_file():
        return None
    df = read_csv(f)
    kinds = {"communities": "int", "households": "int", "reachable_demand": "num",
             "unreachable_demand": "num", "access_2sfca": "pct"}
    sh = displayed(df, lang, plan.labels, plan.units, kinds)
    weighted = text.function_label("weighted", plan.labels, lang)
    col = text.header("function", lang)
    if col in sh.df:
        sh.df[col] = sh.df[col].replace({weighted: t("weighted", lang)})
    renames = {text.header(c, lang): t(c, lang) for c in WORDS if c in df.columns
               and c != "weighted"}
    sh.df = sh.df.rename(columns=renames)
    sh.kinds = {renames.get(k, k): v for k, v in sh.kinds.items()}
    sh.name = t("sheet_streets", lang)
    return sh


def tradeoff_chart(tab: pd.DataFrame, lang: str = "zh"):
    """Total weighted coverage against the worst unit's, one point per floor, the base plan
    (floor 0) and the max-min plan marked."""
    from siting.report.figures import A4_WIDTH_IN, _rc

    level = str(tab["level"].iloc[0]) if "level" in tab and len(tab) else "street"
    runs = tab[~tab.get("max_min", pd.Series(False, index=tab.index)).astype(bool)] \
        .sort_values("floor")
    top = tab[tab.get("max_min", pd.Series(False, index=tab.index)).astype(bool)]
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, A4_WIDTH_IN * 0.65))
        x, y = 100 * runs["worst_coverage"], 100 * runs["total_coverage"]
        ax.plot(x, y, "-o", color="#1f78b4", lw=1.8, ms=5, label=t("tradeoff_runs", lang))
        # one label per distinct plan: floors that leave the plan unchanged share it
        groups: list[list] = []
        for xi, yi, fl in zip(x, y, runs["floor"]):
            if groups and abs(groups[-1][0] - xi) < 1e-6 and abs(groups[-1][1] - yi) < 1e-6:
                groups[-1][3] = fl
            else:
                groups.append([xi, yi, fl, fl])
        for xi, yi, lo, hi in groups:
            span = f"{100 * lo:.1f}%" if hi == lo else f"{100 * lo:.1f}–{100 * hi:.1f}%"
            ax.annotate(f"{t('floor', lang)} {span}", (xi, yi), xytext=(6, 6),
                        textcoords="offset points", fontsize=7, color="#1f78b4")
        base = runs[runs["floor"] <= 1e-12]
        if len(base):
            ax.scatter(100 * base["worst_coverage"], 100 * base["total_coverage"], s=260,
                       marker="*", color="#d95f02", zorder=5, label=t("tradeoff_base", lang))
        if len(top):
            label = t("tradeoff_maxmin", lang)
            gap = top["mip_gap"].iloc[0] if "mip_gap" in top else None
            if gap is not None and gap == gap:  # the total's gap (stage 2's tolerance)
                label += (f"，总覆盖率与上界差距 {100 * gap:.1f}%" if lang == "zh"
                          else f", total within {100 * gap:.1f} % of its bound")
            ax.scatter(100 * top["worst_coverage"], 100 * top["total_coverage"], s=150,
                       marker="D", color="#1b9e77", zorder=6, label=label)
        ax.set_xlabel(t(f"tradeoff_x_{level}", lang))
        ax.set_ylabel(t("tradeoff_y", lang))
        ax.set_title(t("tradeoff_title", lang))
        ax.grid(alpha=0.3)
        ax.margins(0.08)
        ax.legend(fontsize=8, loc="lower left")
        fig.tight_layout()
    return fig


def sweep_figures(folder: Path, out: Path, lang: str = "zh") -> list[str]:
    """``equity_tradeoff.png`` from the sweep folder's ``equity_tradeoff.csv`` (if any)."""
    from siting.report.figures import save

    f = Path(folder) / "equity_tradeoff.csv"
    if not f.is_file():
        return []
    tab = read_csv(f)
    if tab.empty:
        return []
    save(tradeoff_chart(tab, lang), Path(out) / "equity_tradeoff.png")
    return ["equity_tradeoff.png"]
