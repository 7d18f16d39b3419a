"""Static figures (matplotlib, Agg) for plan, comparison and sweep folders, in Chinese or
English. Chinese renders with Noto Sans CJK SC, shipped by ``mplfonts`` and registered here
without touching the user's matplotlib settings.

Maps have no tiles: communities are drawn as their Voronoi cells shaded by coverage on a colour
scale fitted to the data, streets as the union of their communities' cells, plus the walking
network when the plan used one (:mod:`siting.report.geometry`).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path

import matplotlib

matplotlib.use("Agg", force=False)
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib import patheffects as pe  # noqa: E402
from matplotlib.collections import LineCollection, PolyCollection  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from siting.report import text  # noqa: E402
from siting.report.folder import PlanFolder  # noqa: E402
from siting.report.geometry import MapFrame, map_frame, nice_length, rings  # noqa: E402

log = logging.getLogger(__name__)

A4_WIDTH_IN = 8.0
"""Figures that go into a document are this wide (an A4 page less margins)."""
CHANNEL_STYLE = {"renovate": ("#1b9e77", "s"), "convert": ("#d95f02", "^"),
                 "transfer": ("#7570b3", "D"), "new_build": ("#e7298a", "P")}
CMAP = "YlGnBu"
"""Coverage colours: light yellow (low) to dark blue (high), so red shortfall marks stand out."""
SHORTFALL = "#d7191c"
LABEL_NAMES_UP_TO = 12
"""Chosen sites are labelled with their names when there are at most this many, else ids."""
OK = ("optimal", "time_limit")


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


def fitted_range(values, step: float = 0.05) -> tuple[float, float]:
    """A colour range that hugs the data, rounded out to ``step`` (shares 0-1)."""
    v = np.asarray(values, float)
    v = v[np.isfinite(v)]
    if not len(v):
        return 0.0, 1.0
    lo, hi = np.floor(v.min() / step) * step, np.ceil(v.max() / step) * step
    if hi - lo < step:
        lo, hi = max(0.0, lo - step), min(1.0, hi + step)
    return float(max(0.0, lo)), float(min(1.0, hi))


def _scale_bar(ax) -> None:
    from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar

    x0, x1 = ax.get_xlim()
    length = nice_length(x1 - x0)
    label = f"{length / 1000:g} km" if length >= 1000 else f"{length:g} m"
    bar = AnchoredSizeBar(ax.transData, length, label, "lower left", pad=0.4, borderpad=0.6,
                          sep=3, frameon=True, size_vertical=0, fontproperties={"size": 8})
    bar.patch.set_facecolor("white")
    bar.patch.set_alpha(0.9)
    bar.patch.set_edgecolor("#888888")
    bar.set_zorder(10)
    bar.size_bar.get_children()[0].set_linewidth(3)
    ax.add_artist(bar)


def _polys(frame: MapFrame, ids) -> list[np.ndarray]:
    out = []
    for i in ids:
        out += rings(frame.cells.get(str(i)))
    return out


def draw_context(ax, frame: MapFrame, lang: str, *, street_names: bool = True) -> list:
    """Network, street outlines and names; returns legend handles."""
    handles = []
    if frame.segments is not None:
        ax.add_collection(LineCollection(frame.segments, colors="#8a8a8a", linewidths=0.35,
                                         alpha=0.7, zorder=2.5))
        handles.append(Line2D([], [], color="#8a8a8a", lw=0.8, label=text.t("network", lang)))
    if frame.barriers is not None:
        ax.add_collection(LineCollection(frame.barriers, colors="#222222", linewidths=1.6,
                                         linestyles=(0, (4, 2)), zorder=2.6))
        handles.append(Line2D([], [], color="#222222", lw=1.6, ls=(0, (4, 2)),
                              label=text.t("barrier", lang)))
    for street, geom in frame.streets.items():
        for ring in rings(geom):
            ax.plot(ring[:, 0], ring[:, 1], color="#555555", lw=1.3, zorder=3)
        if street_names and not geom.is_empty:
            p = geom.representative_point()
            ax.text(p.x, p.y, street, fontsize=8, color="#333333", ha="center", va="center",
                    zorder=6, alpha=0.8,
                    path_effects=[pe.withStroke(linewidth=2.5, foreground="white")])
    handles.append(Line2D([], [], color="#555555", lw=1.3, label=text.t("street_boundary",
                                                                        lang)))
    return handles


def shade_cells(ax, frame: MapFrame, values: pd.Series, vmin: float, vmax: float):
    """Fill each community's cell by ``values`` (indexed by zone_id); returns the mappable."""
    ids = [str(i) for i in frame.zones["zone_id"]]
    verts, vals = [], []
    for i in ids:
        for ring in rings(frame.cells.get(i)):
            verts.append(ring)
            vals.append(float(values.get(i, np.nan)))
    pc = PolyCollection(verts, array=np.asarray(vals), cmap=CMAP, edgecolors="white",
                        linewidths=0.5, zorder=2)
    pc.set_clim(vmin, vmax)
    ax.add_collection(pc)
    return pc


def _finish_axes(ax, extent) -> None:
    ax.set_xlim(extent[0], extent[2])
    ax.set_ylim(extent[1], extent[3])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for s in ax.spines.values():
        s.set_color("#cccccc")


def site_sizes(area) -> np.ndarray:
    """Marker area (points²) for a site's used floor area (m²)."""
    return 20 + 0.25 * np.asarray(area, float).clip(0)


PINNED = "#6a3d9a"
"""Outline of sites decided beforehand (pins, proposals)."""


def equity_line(summary: dict, lang: str) -> str:
    """A second title line: the worst street's weighted coverage (:mod:`siting.equity`)."""
    from siting.report.equity import worst_street_text

    line = worst_street_text(summary, lang)
    return "\n" + line if line else ""


def plan_map(plan: PlanFolder, lang: str = "zh", ax=None):
    """A plan on one page: communities shaded by weighted coverage (fitted scale), streets,
    network, chosen sites by channel, sized by floor area and labelled, existing facilities,
    candidates not chosen, shortfall communities hatched in red, a size legend and a scale
    bar."""
    frame = map_frame(plan)
    s = plan.summary
    z = frame.zones.set_index(frame.zones["zone_id"].astype(str))
    with plt.rc_context(_rc()):
        if ax is None:
            fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, A4_WIDTH_IN * 1.05))
        else:
            fig = ax.figure
        vmin, vmax = fitted_range(z["weighted_coverage"])
        pc = shade_cells(ax, frame, z["weighted_coverage"], vmin, vmax)
        handles = draw_context(ax, frame, lang)
        short = plan.shortfall_zone_ids()
        if short:
            ax.add_collection(PolyCollection(_polys(frame, short), facecolors="none",
                                             edgecolors=SHORTFALL, hatch="////", linewidths=1.6,
                                             zorder=4))
            handles.append(Patch(facecolor="white", edgecolor=SHORTFALL, hatch="////",
                                 label=f"{text.t('not_met', lang)} ({len(short)})"))
        wide = plan.wide_shortfalls()
        if wide:
            handles.append(Patch(facecolor="none", edgecolor="none",
                                 label=text.t("wide_not_met", lang, n=len(wide))))
        c = frame.candidates
        if c is not None and len(c):
            ax.scatter(c["x"], c["y"], marker="x", s=14, c="#8c8c8c", lw=0.8, zorder=5)
            handles.append(Line2D([], [], ls="", marker="x", color="#8c8c8c",
                                  label=f"{text.t('candidate', lang)} ({len(c)})"))
        e = frame.existing
        if e is not None and len(e):
            ax.scatter(e["x"], e["y"], marker="o", s=34, facecolors="white",
                       edgecolors="black", lw=1.0, zorder=5)
            handles.append(Line2D([], [], ls="", marker="o", markerfacecolor="white",
                                  markeredgecolor="black",
                                  label=f"{text.t('existing', lang)} ({len(e)})"))
        sites = frame.sites
        for ch, (color, marker) in CHANNEL_STYLE.items():
            sel = sites[sites["channel"] == ch]
            if not len(sel):
                continue  # no empty legend entries
            ax.scatter(sel["x"], sel["y"], marker=marker, s=site_sizes(sel["used_area_m2"]),
                       c=color, edgecolors="black", lw=0.7, zorder=7)
            handles.append(Line2D([], [], ls="", marker=marker, markersize=9,
                                  markerfacecolor=color, markeredgecolor="black",
                                  label=f"{text.channel_label(ch, lang)} ({len(sel)})"))
        if "decision" in sites.columns:  # decided beforehand (siting.decisions)
            dec = sites["decision"]
            pinned = sites[dec.notna() & (dec.astype(str).str.strip() != "")]
            if len(pinned):
                ax.scatter(pinned["x"], pinned["y"], marker="s", s=site_sizes(
                    pinned["used_area_m2"]) * 2.2, facecolors="none", edgecolors=PINNED,
                    lw=1.8, zorder=8)
                handles.append(Line2D([], [], ls="", marker="s", markerfacecolor="none",
                                      markeredgecolor=PINNED, markersize=11,
                                      label=f"{text.t('pinned', lang)} ({len(pinned)})"))
        by_names = len(sites) <= LABEL_NAMES_UP_TO
        for _, r in sites.iterrows():
            ax.annotate(r["space_name"] if by_names else r["space_id"], (r["x"], r["y"]),
                        xytext=(4, 4), textcoords="offset points", fontsize=6.5 if not by_names
                        else 7.5, zorder=8,
                        path_effects=[pe.withStroke(linewidth=2, foreground="white")])
        _finish_axes(ax, frame.extent())
        _scale_bar(ax)
        ax.set_title(text.t("map_title", lang, scenario=s["scenario"], n=s["n_sites"],
                            capex=text.wan(s["total_capex"], 0),
                            cov=text.pct(s["weighted_coverage"]))
                     + equity_line(s, lang), fontsize=11)
        if len(sites):
            areas = [a for a in (100, 300, 600) if a <= max(600, sites["used_area_m2"].max())]
            size_h = [Line2D([], [], ls="", marker="o", markerfacecolor="#dddddd",
                             markeredgecolor="black", markersize=np.sqrt(site_sizes([a])[0]),
                             label=f"{a} m²") for a in areas]
            leg2 = ax.legend(handles=size_h, loc="upper right", fontsize=7, framealpha=0.9,
                             title="使用面积" if lang == "zh" else "floor area used",
                             title_fontsize=7, labelspacing=1.2, borderpad=0.8)
            ax.add_artist(leg2)
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3,
                  fontsize=8, framealpha=0.9)
        cb = fig.colorbar(pc, ax=ax, shrink=0.55, pad=0.01)
        cb.set_label(text.t("weighted_cov_axis", lang))
        cb.ax.yaxis.set_major_formatter(matplotlib.ticker.PercentFormatter(1.0, decimals=None))
    return fig


# --------------------------------------------------------------------------------------------
# Comparison


def coverage_heatmap(table: pd.DataFrame, labels: dict[str, str], lang: str = "zh"):
    """Scenarios x functions, coverage in % written in each cell (reads at A4 width)."""
    ok = table[table["status"].isin(OK)]
    funcs = [c[len("coverage_"):] for c in table.columns if c.startswith("coverage_")]
    vals = np.array([[100 * float(v) if v == v else np.nan for v in ok[f"coverage_{f}"]]
                     for f in funcs]).T.reshape(len(ok), len(funcs))
    with plt.rc_context(_rc()):
        h = 1.6 + 0.38 * max(1, len(ok))
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, h))
        im = ax.imshow(vals, cmap=CMAP, vmin=0, vmax=100, aspect="auto")
        ax.set_xticks(range(len(funcs)),
                      [text.function_label(f, labels, lang) for f in funcs], rotation=35,
                      ha="right", fontsize=8)
        ax.set_yticks(range(len(ok)), list(ok["scenario"].astype(str)), fontsize=8)
        for i in range(vals.shape[0]):
            for j in range(vals.shape[1]):
                v = vals[i, j]
                if np.isfinite(v):
                    ax.text(j, i, f"{v:.0f}", ha="center", va="center", fontsize=7,
                            color="white" if v > 60 else "black")
        ax.set_title(text.t("coverage_chart", lang), fontsize=10)
        cb = fig.colorbar(im, ax=ax, shrink=0.9, pad=0.01)
        cb.set_label(text.t("coverage_axis", lang), fontsize=8)
        fig.tight_layout()
    return fig


def capex_chart(table: pd.DataFrame, lang: str = "zh"):
    """Horizontal stacked bars: capital cost by channel per scenario (万元), budget marks."""
    ok = table[table["status"].isin(OK)].iloc[::-1]
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 1.4 + 0.35 * max(1, len(ok))))
        left = np.zeros(len(ok))
        names = list(ok["scenario"].astype(str))
        for ch, (color, _) in CHANNEL_STYLE.items():
            col = f"capex_{ch}"
            vals = ok[col].astype(float).fillna(0).to_numpy() / 1e4 if col in ok \
                else np.zeros(len(ok))
            if not vals.any():
                continue
            ax.barh(names, vals, left=left, color=color, label=text.channel_label(ch, lang))
            left += vals
        if "budget" in ok:
            ax.scatter(ok["budget"].astype(float) / 1e4, names, marker="|", s=300, c="black",
                       label=text.t("budget_mark", lang), zorder=3)
        ax.set_xlabel(text.t("capex_axis", lang))
        ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.set_title(text.t("capex_chart", lang), fontsize=10)
        ax.tick_params(axis="y", labelsize=8)
        ax.legend(fontsize=8, loc="lower right", framealpha=0.9)
        fig.tight_layout()
    return fig


def scenario_maps(plan_dirs: dict[str, Path], lang: str = "zh"):
    """One small map per scenario: same extent and colour scale, same markers."""
    plans = {k: PlanFolder.read(d) for k, d in plan_dirs.items()}
    frames = {k: map_frame(p) for k, p in plans.items()}
    ext = np.array([f.extent() for f in frames.values()])
    extent = (ext[:, 0].min(), ext[:, 1].min(), ext[:, 2].max(), ext[:, 3].max())
    allv = np.concatenate([f.zones["weighted_coverage"].to_numpy() for f in frames.values()])
    vmin, vmax = fitted_range(allv)
    n = len(frames)
    cols = min(3, n)
    rows = int(np.ceil(n / cols))
    aspect = (extent[3] - extent[1]) / (extent[2] - extent[0])
    left, right, title_in, legend_in = 0.01, 0.87, 0.42, 0.45
    panel_w = A4_WIDTH_IN * (right - left) / cols
    height = rows * (panel_w * aspect + title_in) + legend_in
    with plt.rc_context(_rc()):
        fig, axes = plt.subplots(rows, cols, figsize=(A4_WIDTH_IN, height), squeeze=False)
        fig.subplots_adjust(left=left, right=right, bottom=legend_in / height,
                            top=1 - title_in / height, wspace=0.03,
                            hspace=title_in / (panel_w * aspect))
        pc = None
        for ax, (name, fr) in zip(axes.ravel(), frames.items()):
            z = fr.zones.set_index(fr.zones["zone_id"].astype(str))
            pc = shade_cells(ax, fr, z["weighted_coverage"], vmin, vmax)
            draw_context(ax, fr, lang, street_names=False)
            for ch, (color, marker) in CHANNEL_STYLE.items():
                sel = fr.sites[fr.sites["channel"] == ch]
                if len(sel):
                    ax.scatter(sel["x"], sel["y"], marker=marker, s=22, c=color,
                               edgecolors="black", lw=0.4, zorder=7)
            _finish_axes(ax, extent)
            s = plans[name].summary
            ax.set_title(f"{name}\n{s['n_sites']} · {text.wan(s['total_capex'], 0)} "
                         f"{text.t('wan', lang)} · {text.pct(s['weighted_coverage'])}",
                         fontsize=8)
        _scale_bar(axes.ravel()[0])
        for ax in axes.ravel()[n:]:
            ax.axis("off")
        used = {ch for fr in frames.values() for ch in fr.sites["channel"]}
        handles = [Line2D([], [], ls="", marker=m, markerfacecolor=c, markeredgecolor="black",
                          label=text.channel_label(ch, lang))
                   for ch, (c, m) in CHANNEL_STYLE.items() if ch in used]
        fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8, frameon=False,
                   bbox_to_anchor=((left + right) / 2, 0.0))
        if pc is not None:
            cax = fig.add_axes((right + 0.02, 0.25, 0.02, 0.5))
            cb = fig.colorbar(pc, cax=cax)
            cb.set_label(text.t("weighted_cov_axis", lang), fontsize=8)
            cb.ax.yaxis.set_major_formatter(
                matplotlib.ticker.PercentFormatter(1.0, decimals=None))
    return fig


def save(fig, path: Path, dpi: int = 130) -> None:
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    plt.close(fig)


def comparison_figures(table: pd.DataFrame, plan_dirs: dict[str, Path], folder: Path,
                       labels: dict[str, str], lang: str = "zh") -> None:
    """coverage_by_scenario.png, capex_by_channel.png and maps.png into ``folder``."""
    if not table["status"].isin(OK).any():
        return
    save(coverage_heatmap(table, labels, lang), folder / "coverage_by_scenario.png")
    save(capex_chart(table, lang), folder / "capex_by_channel.png")
    if plan_dirs:
        save(scenario_maps(plan_dirs, lang), folder / "maps.png")


# --------------------------------------------------------------------------------------------
# Sweeps


def pareto_chart(table: pd.DataFrame, labels: dict[str, str], lang: str = "zh",
                 budget_key: str = "model.budget"):
    """Coverage against budget: each function, the weighted frontier and its knee."""
    from siting.sweep import knee

    ok = table[table["status"].isin(OK)].sort_values(budget_key)
    b = ok[budget_key].astype(float).to_numpy() / 1e4
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 5))
        cmap = plt.get_cmap("tab10")
        for n, c in enumerate(c for c in ok.columns if c.startswith("coverage_")):
            ax.plot(b, 100 * ok[c].astype(float), lw=1.0, alpha=0.8, color=cmap(n % 10),
                    label=text.function_label(c[len("coverage_"):], labels, lang))
        front = 100 * ok["weighted_coverage"].astype(float).cummax().to_numpy()
        ax.scatter(b, 100 * ok["weighted_coverage"].astype(float), s=8, c="black", alpha=0.4)
        ax.plot(b, front, c="black", lw=2.2, label=text.t("weighted", lang))
        k = knee(b, front)
        if k is not None:
            ax.scatter([b[k]], [front[k]], s=160, facecolors="none", edgecolors="red", lw=2,
                       zorder=5)
            ax.annotate(f"{text.t('knee', lang)}: {b[k]:,.0f} {text.t('wan', lang)}, "
                        f"{front[k]:.1f}%", (b[k], front[k]), xytext=(10, -25),
                        textcoords="offset points", color="red")
        ax.set_xlabel(text.t("budget_axis", lang))
        ax.xaxis.set_major_formatter(matplotlib.ticker.StrMethodFormatter("{x:,.0f}"))
        ax.set_ylabel(text.t("coverage_axis", lang))
        ax.set_title(text.t("pareto_title", lang))
        ax.legend(fontsize=7, ncol=1, loc="center left", bbox_to_anchor=(1.01, 0.5))
        fig.tight_layout()
    return fig


def tornado_rows(table: pd.DataFrame, params: list[str], output: str = "weighted_coverage"):
    """(parameter, low, high, base) of ``output`` (%) as each parameter moves alone."""
    ok = table[table["status"].isin(OK)]
    base = ok.iloc[0]
    rows = []
    for p in params:
        others = [q for q in params if q != p]
        sub = ok[(ok[others] == base[others]).all(axis=1)] if others else ok
        y = 100 * sub[output].astype(float)
        rows.append((p, float(y.min()), float(y.max())))
    rows.sort(key=lambda r: r[2] - r[1])
    return rows, 100 * float(base[output])


def tornado_chart(table: pd.DataFrame, params: list[str], lang: str = "zh",
                  labels: dict[str, str] | None = None):
    rows, ref = tornado_rows(table, params)
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 0.6 * len(rows) + 2))
        for i, (_, lo, hi) in enumerate(rows):
            ax.barh(i, hi - ref, left=ref, color="#1b9e77")
            ax.barh(i, lo - ref, left=ref, color="#d95f02")
        ax.axvline(ref, color="black", lw=1)
        ax.set_yticks(range(len(rows)), [text.param_label(r[0], labels, lang) for r in rows])
        ax.set_xlabel(text.t("tornado_axis", lang))
        ax.set_title(text.t("tornado_title", lang))
        fig.tight_layout()
    return fig


def sobol_chart(indices: pd.DataFrame, lang: str = "zh", labels: dict[str, str] | None = None):
    d = indices[indices["output"] == "weighted_coverage"]
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, 0.6 * max(len(d), 1) + 2))
        y = np.arange(len(d))
        ax.barh(y - 0.2, d["S1"], 0.4, label=text.t("sobol_s1", lang))
        ax.barh(y + 0.2, d["ST"], 0.4, label=text.t("sobol_st", lang))
        ax.set_yticks(y, [text.param_label(p, labels, lang) for p in d["parameter"]])
        ax.set_title(text.t("sobol_title", lang))
        ax.legend()
        fig.tight_layout()
    return fig


def selection_map(freq: pd.DataFrame, frame: MapFrame, lang: str = "zh"):
    """Candidate spaces coloured by the share of runs choosing them, labelled when chosen in
    at least one run; streets for context."""
    share = dict(zip(freq["space_id"].astype(str), freq["share"]))
    c = frame.candidates
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(A4_WIDTH_IN, A4_WIDTH_IN))
        draw_context(ax, frame, lang)
        v = c["space_id"].astype(str).map(share).fillna(0.0).to_numpy()
        never = v == 0
        ax.scatter(c["x"][never], c["y"][never], marker="x", s=14, c="#8c8c8c", lw=0.8,
                   zorder=5, label=text.t("candidate", lang))
        sc = ax.scatter(c["x"][~never], c["y"][~never], c=100 * v[~never], cmap="viridis",
                        vmin=0, vmax=100, s=70, edgecolors="black", lw=0.5, zorder=6)
        for (_, r), vv in zip(c.iterrows(), v):
            if vv > 0:
                ax.annotate(f"{r['space_id']} {100 * vv:.0f}%", (r["x"], r["y"]),
                            xytext=(4, 4), textcoords="offset points", fontsize=6.5, zorder=8,
                            path_effects=[pe.withStroke(linewidth=2, foreground="white")])
        _finish_axes(ax, frame.extent())
        _scale_bar(ax)
        ax.set_title(text.t("selection_title", lang))
        fig.colorbar(sc, ax=ax, shrink=0.6, pad=0.01, label=text.t("selection_axis", lang))
    return fig


def sweep_frame(base_scenario: Path | str) -> tuple[MapFrame, dict[str, str]] | None:
    """A map frame of the sweep's base scenario (every space a candidate), and its labels."""
    from siting.config import load_scenario
    from siting.data import load_inputs

    try:
        inputs = load_inputs(load_scenario(base_scenario))
    except Exception as exc:  # noqa: BLE001
        log.warning("selection-frequency map skipped: base scenario not readable (%s)", exc)
        return None
    labels = {f: str(v) for f, v in inputs.functions.get("label_zh", pd.Series()).items()
              if isinstance(v, str)}
    frame = _frame_of_inputs(inputs)
    return frame, labels


def _frame_of_inputs(inputs):
    from siting.report.geometry import build_frame

    z = inputs.zones.reset_index(names="zone_id")
    sp = inputs.spaces.reset_index(names="space_id")
    ex = inputs.existing.reset_index(names="facility_id") if len(inputs.existing) else None
    return build_frame(z, sp.iloc[:0], sp, ex, None)


def sweep_figures(sw, out: Path, lang: str = "zh") -> list[str]:
    """The figures that fit the sweep's design (a :class:`~siting.report.folder.SweepFolder`)
    into ``out``; returns the names written."""
    table, spec = sw.table, sw.spec
    written = []
    ok = table["status"].isin(OK)
    params = list(spec.get("parameters", {}))
    found = sweep_frame(spec["base"]) if spec.get("base") else None
    labels = found[1] if found else {}
    if ok.sum() >= 2 and "model.budget" in params:
        save(pareto_chart(table, labels, lang), out / "pareto.png")
        written.append("pareto.png")
    if ok.sum() >= 2 and spec.get("design") == "oat":
        save(tornado_chart(table[ok], params, lang, labels), out / "tornado.png")
        written.append("tornado.png")
    if sw.sobol is not None and len(sw.sobol):
        save(sobol_chart(sw.sobol, lang, labels), out / "sobol.png")
        written.append("sobol.png")
    if sw.freq is not None and len(sw.freq) and found:
        save(selection_map(sw.freq, found[0], lang), out / "selection_frequency.png")
        written.append("selection_frequency.png")
    from siting.report.equity import sweep_figures as equity_figures

    written += equity_figures(sw.path, out, lang)
    return written
