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
        from siting.exports import shortfall_zones

        sz = shortfall_zones(plan)
        if len(sz):
            ids = sz["zone_id"].unique()
            ax.scatter(z.loc[ids, "x"], z.loc[ids, "y"], s=size[ids] * 1.8, facecolors="none",
                       edgecolors="#b2182b", lw=1.2, zorder=3)
            handles.append(Line2D([], [], ls="", marker="o", markerfacecolor="none",
                                  markeredgecolor="#b2182b", markersize=9,
                                  label=f"standard not met 未达标 ({len(ids)})"))
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


# --------------------------------------------------------------------------------------------
# Scenario comparison


def coverage_chart(table):
    """Grouped bars: coverage of each function, one bar per scenario."""
    import pandas as pd

    ok = table[table["status"].isin(["optimal", "time_limit"])]
    funcs = [c[len("coverage_"):] for c in table.columns if c.startswith("coverage_")]
    cov = pd.DataFrame({f: 100 * ok[f"coverage_{f}"].astype(float).to_numpy() for f in funcs},
                       index=ok["scenario"])
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(max(8, 1.1 * len(funcs) * max(1, len(cov)) / 3), 5))
        width = 0.8 / max(1, len(cov))
        xs = np.arange(len(funcs))
        for k, (name, row) in enumerate(cov.iterrows()):
            ax.bar(xs + k * width - 0.4 + width / 2, row.to_numpy(), width, label=name)
        ax.set_xticks(xs, funcs, rotation=30, ha="right")
        ax.set_ylabel("demand served within walking limit (%) 覆盖率")
        ax.set_ylim(0, 100)
        ax.set_title("Coverage per function by scenario 各情景分功能覆盖率")
        ax.legend(fontsize=8, ncol=2)
        fig.tight_layout()
    return fig


def capex_chart(table):
    """Stacked bars: capital cost by channel, one bar per scenario (million CNY)."""
    ok = table[table["status"].isin(["optimal", "time_limit"])]
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(max(6, 0.9 * len(ok) + 2), 5))
        bottom = np.zeros(len(ok))
        for ch, (color, _, label) in CHANNEL_STYLE.items():
            col = f"capex_{ch}"
            vals = ok[col].astype(float).to_numpy() / 1e6 if col in ok else np.zeros(len(ok))
            ax.bar(ok["scenario"], vals, bottom=bottom, color=color, label=label)
            bottom += vals
        if "budget" in ok:
            ax.scatter(ok["scenario"], ok["budget"].astype(float) / 1e6, marker="_", s=600,
                       c="black", label="budget 预算", zorder=3)
        ax.set_ylabel("capital cost (million CNY) 投资 (百万元)")
        ax.set_title("Capital cost by channel 分渠道投资")
        ax.tick_params(axis="x", rotation=30)
        ax.legend(fontsize=8)
        fig.tight_layout()
    return fig


def scenario_maps(plan_dirs: dict[str, Path]):
    """One small map per scenario, same extent and colour scale, from each plan's GeoPackage."""
    import geopandas as gpd

    from siting import geo

    layers = {}
    for name, folder in plan_dirs.items():
        gpkg = folder / "plan.gpkg"
        layers[name] = (gpd.read_file(gpkg, layer="zones"), gpd.read_file(gpkg, layer="sites"))
    all_z = np.concatenate([z.geometry.x.to_numpy() for z, _ in layers.values()])
    all_y = np.concatenate([z.geometry.y.to_numpy() for z, _ in layers.values()])
    crs = geo.local_utm_crs(all_z, all_y)
    n = len(layers)
    cols = min(4, n)
    rows = int(np.ceil(n / cols))
    with plt.rc_context(_rc()):
        fig, axes = plt.subplots(rows, cols, figsize=(3.6 * cols, 3.8 * rows), squeeze=False)
        proj = {k: (z.to_crs(crs), s.to_crs(crs) if len(s) else s) for k, (z, s) in
                layers.items()}
        zx = np.concatenate([z.geometry.x for z, _ in proj.values()])
        zy = np.concatenate([z.geometry.y for z, _ in proj.values()])
        pad = 0.03 * max(np.ptp(zx), np.ptp(zy))
        extent = (zx.min() - pad, zy.min() - pad, zx.max() + pad, zy.max() + pad)
        sc = None
        for ax, (name, (z, s)) in zip(axes.ravel(), proj.items()):
            size = 8 + 60 * z["population"] / z["population"].max()
            sc = ax.scatter(z.geometry.x, z.geometry.y, c=z["weighted_coverage"], s=size,
                            cmap="RdYlGn", vmin=0, vmax=1, edgecolors="none", alpha=0.85)
            for ch, (color, marker, _) in CHANNEL_STYLE.items():
                sel = s[s["channel"] == ch] if len(s) else s
                if len(sel):
                    ax.scatter(sel.geometry.x, sel.geometry.y, marker=marker, s=40, c=color,
                               edgecolors="black", lw=0.5)
            ax.set_xlim(extent[0], extent[2])
            ax.set_ylim(extent[1], extent[3])
            ax.set_aspect("equal")
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_title(name, fontsize=10)
            _scale_bar(ax)
        for ax in axes.ravel()[n:]:
            ax.axis("off")
        handles = [Line2D([], [], ls="", marker=m, markerfacecolor=c, markeredgecolor="black",
                          label=lab) for c, m, lab in CHANNEL_STYLE.values()]
        fig.legend(handles=handles, loc="lower center", ncol=4, fontsize=8)
        if sc is not None:
            cb = fig.colorbar(sc, ax=axes.ravel().tolist(), shrink=0.6, pad=0.01)
            cb.set_label("社区加权覆盖率 weighted coverage")
    return fig


def save_comparison_charts(table, plan_dirs: dict[str, Path], folder: Path) -> None:
    """Write coverage_by_scenario.png, capex_by_channel.png and maps.png into ``folder``."""
    for name, make in (("coverage_by_scenario.png", lambda: coverage_chart(table)),
                       ("capex_by_channel.png", lambda: capex_chart(table)),
                       ("maps.png", lambda: scenario_maps(plan_dirs))):
        fig = make()
        fig.savefig(folder / name, dpi=130, bbox_inches="tight")
        plt.close(fig)


# --------------------------------------------------------------------------------------------
# Sweeps


def pareto_chart(table, budget_key: str = "model.budget"):
    """Coverage against budget: every run, the frontier, and the knee of weighted coverage."""
    from siting.sweep import knee

    ok = table[table["status"].isin(["optimal", "time_limit"])].copy()
    ok = ok.sort_values(budget_key)
    b = ok[budget_key].astype(float).to_numpy() / 1e6
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(9, 5.5))
        funcs = [c for c in ok.columns if c.startswith("coverage_")]
        for c in funcs:
            ax.plot(b, 100 * ok[c].astype(float), lw=0.9, alpha=0.7,
                    label=c[len("coverage_"):])
        front = 100 * ok["weighted_coverage"].astype(float).cummax().to_numpy()
        ax.scatter(b, 100 * ok["weighted_coverage"].astype(float), s=8, c="black", alpha=0.4)
        ax.plot(b, front, c="black", lw=2.2, label="weighted 加权")
        k = knee(b, front)
        if k is not None:
            ax.scatter([b[k]], [front[k]], s=160, facecolors="none", edgecolors="red", lw=2,
                       zorder=5)
            ax.annotate(f"knee 拐点: {b[k]:,.0f} M CNY, {front[k]:.1f} %", (b[k], front[k]),
                        xytext=(10, -25), textcoords="offset points", color="red")
        ax.set_xlabel("capital budget (million CNY) 预算 (百万元)")
        ax.set_ylabel("demand served within walking limit (%) 覆盖率")
        ax.set_title("Coverage against budget 覆盖率与预算")
        ax.legend(fontsize=7, ncol=2, loc="upper left")
        fig.tight_layout()
    return fig


def tornado_chart(table, params: list[str], output: str = "weighted_coverage"):
    """One-at-a-time sensitivities: the range of ``output`` as each parameter moves."""
    ok = table[table["status"].isin(["optimal", "time_limit"])]
    base = ok.iloc[0]
    rows = []
    for p in params:
        others = [q for q in params if q != p]
        sub = ok[(ok[others] == base[others]).all(axis=1)] if others else ok
        y = 100 * sub[output].astype(float)
        rows.append((p, y.min(), y.max()))
    rows.sort(key=lambda r: r[2] - r[1])
    ref = 100 * float(base[output])
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(8, 0.6 * len(rows) + 2))
        for i, (_, lo, hi) in enumerate(rows):
            ax.barh(i, hi - ref, left=ref, color="#1b9e77")
            ax.barh(i, lo - ref, left=ref, color="#d95f02")
        ax.axvline(ref, color="black", lw=1)
        ax.set_yticks(range(len(rows)), [r[0] for r in rows])
        ax.set_xlabel(f"{output} (%) at each parameter's low / high value")
        ax.set_title("One-at-a-time sensitivity 单因素敏感性")
        fig.tight_layout()
    return fig


def sobol_chart(indices):
    """First-order and total Sobol indices of weighted coverage."""
    d = indices[indices["output"] == "weighted_coverage"]
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(8, 0.6 * max(len(d), 1) + 2))
        y = np.arange(len(d))
        ax.barh(y - 0.2, d["S1"], 0.4, label="first order S1")
        ax.barh(y + 0.2, d["ST"], 0.4, label="total ST")
        ax.set_yticks(y, d["parameter"])
        ax.set_xlabel("Sobol index of weighted coverage")
        ax.legend()
        fig.tight_layout()
    return fig


def selection_map(freq, spaces):
    """Candidate spaces coloured by the share of runs that choose them."""
    from siting import geo

    crs = geo.local_utm_crs(spaces["lon"], spaces["lat"])
    x, y = geo.project(spaces["lon"], spaces["lat"], crs)
    share = spaces.index.map(dict(zip(freq["space_id"], freq["share"]))).fillna(0.0)
    with plt.rc_context(_rc()):
        fig, ax = plt.subplots(figsize=(7.5, 7))
        sc = ax.scatter(x, y, c=share, cmap="viridis", vmin=0, vmax=1, s=60,
                        edgecolors="black", lw=0.4)
        ax.set_aspect("equal")
        ax.set_xticks([])
        ax.set_yticks([])
        _scale_bar(ax)
        ax.set_title("Share of runs choosing each space 各空间入选比例")
        fig.colorbar(sc, ax=ax, shrink=0.7, label="selection frequency 入选频率")
    return fig


def sweep_figures(table, spec, freq, folder: Path) -> None:
    """Write the figures that fit the sweep's design into ``folder``."""
    figs = {}
    ok = table["status"].isin(["optimal", "time_limit"])
    if ok.sum() >= 2 and "model.budget" in spec.parameters:
        figs["pareto.png"] = lambda: pareto_chart(table)
    if ok.sum() >= 2 and spec.design == "oat":
        figs["tornado.png"] = lambda: tornado_chart(table[ok], list(spec.parameters))
    if spec.design == "sobol" and (folder / "sobol_indices.csv").is_file():
        import pandas as pd

        idx = pd.read_csv(folder / "sobol_indices.csv", encoding="utf-8-sig")
        if len(idx):
            figs["sobol.png"] = lambda: sobol_chart(idx)
    if len(freq):
        def _map():
            from siting.config import load_scenario
            from siting.data import load_inputs

            return selection_map(freq, load_inputs(load_scenario(spec.base)).spaces)

        figs["selection_frequency.png"] = _map
    for name, make in figs.items():
        fig = make()
        fig.savefig(folder / name, dpi=130, bbox_inches="tight")
        plt.close(fig)
