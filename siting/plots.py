"""Figures (matplotlib, Agg-safe). Chinese labels render with Noto Sans CJK SC, shipped by the
``mplfonts`` package and registered here without touching the user's matplotlib settings."""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from siting.results import Plan  # noqa: E402

log = logging.getLogger(__name__)

CHANNEL_STYLE = {
    "renovate": ("#1b9e77", "s", "renovate 补改"),
    "convert": ("#d95f02", "^", "convert 转型"),
    "transfer": ("#7570b3", "D", "transfer 划转"),
    "new_build": ("#e7298a", "P", "new build 配建"),
}


@functools.cache
def cjk_font() -> str | None:
    """Register the bundled CJK font with matplotlib and return its family name."""
    try:
        import mplfonts
    except ImportError:  # pragma: no cover - mplfonts is a dependency
        log.warning("mplfonts not installed: Chinese labels may not render")
        return None
    path = Path(mplfonts.__file__).parent / "fonts" / "NotoSansCJKsc-Regular.otf"
    if not path.is_file():  # pragma: no cover
        return None
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def _rc() -> dict:
    fam = cjk_font()
    return {"font.family": [fam, "DejaVu Sans"] if fam else ["DejaVu Sans"],
            "axes.unicode_minus": False}


def _scale_bar(ax, length_m: float | None = None) -> None:
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    span = x1 - x0
    if length_m is None:
        raw = span / 5
        length_m = float(10 ** np.floor(np.log10(raw)))
        for m in (5, 2, 1):
            if m * length_m <= raw:
                length_m *= m
                break
    bx, by = x0 + 0.05 * span, y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + length_m], [by, by], color="black", lw=3, solid_capstyle="butt")
    label = f"{length_m / 1000:g} km" if length_m >= 1000 else f"{length_m:g} m"
    ax.text(bx + length_m / 2, by + 0.015 * (y1 - y0), label, ha="center", va="bottom",
            fontsize=8)


def plan_map(plan: Plan, ax=None, *, extent=None, title: str | None = None,
             legend: bool = True):
    """Zones shaded by weighted coverage, chosen spaces marked by channel, existing facilities,
    a legend and a scale bar in metres (projected CRS of the plan)."""
    from siting.exports import zone_summary

    data = plan.data
    zs = zone_summary(plan).set_index("zone_id")
    with plt.rc_context(_rc()):
        if ax is None:
            fig, ax = plt.subplots(figsize=(8, 8))
        else:
            fig = ax.figure
        z = data.zones
        size = 20 + 180 * z["population"] / z["population"].max()
        sc = ax.scatter(z["x"], z["y"], c=zs.loc[z.index, "weighted_coverage"], s=size,
                        cmap="RdYlGn", vmin=0, vmax=1, alpha=0.8, edgecolors="grey",
                        linewidths=0.4, zorder=2)
        unused = data.spaces.index.difference(plan.sites["space_id"])
        ax.scatter(data.spaces.loc[unused, "x"], data.spaces.loc[unused, "y"], marker="x",
                   s=18, c="#999999", lw=0.8, zorder=3)
        if len(data.existing):
            ax.scatter(data.existing["x"], data.existing["y"], marker="o", s=30,
                       facecolors="none", edgecolors="black", lw=1.0, zorder=3)
        handles = []
        for ch, (color, marker, label) in CHANNEL_STYLE.items():
            ids = plan.sites.loc[plan.sites["channel"] == ch, "space_id"]
            if len(ids):
                ax.scatter(data.spaces.loc[ids, "x"], data.spaces.loc[ids, "y"], marker=marker,
                           s=110, c=color, edgecolors="black", lw=0.8, zorder=4)
            handles.append(Line2D([], [], ls="", marker=marker, markersize=9,
                                  markerfacecolor=color, markeredgecolor="black",
                                  label=f"{label} ({len(ids)})"))
        handles.append(Line2D([], [], ls="", marker="x", color="#999999",
                              label="candidate not chosen 未选"))
        if len(data.existing):
            handles.append(Line2D([], [], ls="", marker="o", markerfacecolor="none",
                                  markeredgecolor="black", label="existing facility 现有设施"))
        if extent is not None:
            ax.set_xlim(extent[0], extent[2])
            ax.set_ylim(extent[1], extent[3])
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        _scale_bar(ax)
        s = plan.summary
        ax.set_title(title or (f"{s['scenario']}: {s['n_sites']} 处空间, 投资 "
                               f"{s['total_capex'] / 1e4:,.0f} 万元, 加权覆盖率 "
                               f"{100 * s['weighted_coverage']:.1f}%"), fontsize=11)
        if legend:
            ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3,
                      fontsize=8, framealpha=0.9)
            cb = fig.colorbar(sc, ax=ax, shrink=0.6, pad=0.01)
            cb.set_label("社区加权覆盖率 weighted coverage")
    return fig
