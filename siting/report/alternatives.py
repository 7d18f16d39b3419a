"""Figures of an alternatives folder (``siting alternatives``): small multiples, one map per
plan on the same frame, and a last panel of site necessity (in every plan and necessary, in
every plan, in some, in none)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.lines import Line2D

from siting.report import text
from siting.report.figures import (
    CHANNEL_STYLE,
    _finish_axes,
    _rc,
    _scale_bar,
    draw_context,
    save,
)
from siting.report.folder import PlanFolder, read_csv
from siting.report.geometry import map_frame

NECESSITY_STYLE = {"necessary": ("#b2182b", "*", 220), "every": ("#ef8a62", "o", 90),
                   "some": ("#67a9cf", "o", 50), "none": ("#d9d9d9", "x", 14)}
WORDS = {"necessary": ("不可替代（每个方案都有）", "necessary (re-solved)"),
         "every": ("每个方案都有", "in every plan"), "some": ("部分方案有", "in some plans"),
         "none": ("都没有", "in no plan"), "necessity": ("空间必要性", "site necessity")}


def alternatives_figure(folder: str | Path, lang: str = "zh"):
    """One small map per plan (sites by channel) and the necessity panel."""
    folder = Path(folder)
    table = read_csv(folder / "alternatives.csv")
    names = list(table.loc[table["kind"] == "plan", "id"])
    plans = [PlanFolder.read(folder / n) for n in names]
    frame = map_frame(plans[0])
    nec = read_csv(folder / "site_necessity.csv").set_index("space_id")
    n = len(plans) + 1
    cols = min(3, n)
    rows = -(-n // cols)
    with plt.rc_context(_rc()):
        fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 4.4 * rows), squeeze=False)
        ext = frame.extent()
        for ax, plan, name in zip(axes.flat, plans, names):
            draw_context(ax, frame, lang, street_names=False)
            s = frame.xy(plan.sites["lon"], plan.sites["lat"]) if len(plan.sites) else ([], [])
            sites = plan.sites.assign(x=s[0], y=s[1])
            for ch, (color, marker) in CHANNEL_STYLE.items():
                sel = sites[sites["channel"] == ch]
                if len(sel):
                    ax.scatter(sel["x"], sel["y"], marker=marker, s=36, c=color,
                               edgecolors="black", lw=0.5, zorder=5)
            summ = plan.summary
            unit = ("处", "万元", "覆盖") if lang == "zh" else ("sites", "10k CNY", "coverage")
            ax.set_title(f"{name}: {summ['n_sites']} {unit[0]} · "
                         f"{text.wan(summ['total_capex'], 0)} {unit[1]} · {unit[2]} "
                         f"{text.pct(summ['weighted_coverage'])}", fontsize=9)
            _finish_axes(ax, ext)
        ax = axes.flat[len(plans)]
        draw_context(ax, frame, lang, street_names=False)
        cands = frame.candidates
        allsp = pd.concat([plans[0].sites[["space_id", "lon", "lat"]],
                           cands[["space_id", "lon", "lat"]] if cands is not None
                           and "space_id" in cands.columns else None])
        allsp = allsp.drop_duplicates("space_id").set_index("space_id")
        x, y = frame.xy(allsp["lon"], allsp["lat"])
        allsp = allsp.assign(x=x, y=y)
        handles = []
        for key, (color, marker, size) in NECESSITY_STYLE.items():
            if key == "necessary":
                ids = nec.index[(nec["necessary"] == "yes")]
            else:
                ids = nec.index[(nec["category"] == key) & ~(nec["necessary"] == "yes")]
            ids = [i for i in ids if i in allsp.index]
            if ids:
                ax.scatter(allsp.loc[ids, "x"], allsp.loc[ids, "y"], marker=marker, s=size,
                           c=color, edgecolors="black" if marker != "x" else None, lw=0.5,
                           zorder=6)
            handles.append(Line2D([], [], ls="", marker=marker, markersize=8, color=color,
                                  markeredgecolor="black", label=f"{text.pick(WORDS, key, lang)}"
                                  f" ({len(ids)})"))
        ax.set_title(text.pick(WORDS, "necessity", lang), fontsize=9)
        _finish_axes(ax, ext)
        _scale_bar(ax)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2,
                  fontsize=7)
        for extra in list(axes.flat)[n:]:
            extra.axis("off")
        ch_handles = [Line2D([], [], ls="", marker=m, markersize=7, markerfacecolor=c,
                             markeredgecolor="black", label=text.channel_label(ch, lang))
                      for ch, (c, m) in CHANNEL_STYLE.items()]
        fig.legend(handles=ch_handles, loc="lower center", ncol=4, fontsize=8)
        fig.tight_layout(rect=(0, 0.04, 1, 1))
    return fig


def alternatives_outputs(folder: str | Path, lang: str = "zh") -> Path:
    """Workbook, map and report of every plan folder, then ``alternatives.xlsx``,
    ``alternatives_map.png`` and ``report.html``."""
    from siting.report import plan_outputs

    folder = Path(folder)
    table = read_csv(folder / "alternatives.csv")
    for name in table.loc[table["kind"] == "plan", "id"]:
        plan_outputs(folder / name, lang)
    from siting.report.decisions import alternatives_workbook

    tmpx = folder / "alternatives.tmp.xlsx"
    alternatives_workbook(folder, tmpx, lang)
    tmpx.replace(folder / "alternatives.xlsx")
    tmp = folder / "alternatives_map.tmp.png"
    save(alternatives_figure(folder, lang), tmp)
    tmp.replace(folder / "alternatives_map.png")
    from siting.report import write_report

    write_report(folder, lang)  # report.html: the alternatives in words, table, map
    return folder
