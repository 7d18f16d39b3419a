"""The offline HTML report: one self-contained file for a plan, comparison or sweep folder.

plotly.js (from the ``plotly`` package) is inlined once, so the file needs no network at all:
no CDN, no map tiles. Every chart is an SVG trace (``go.Scatter``/``go.Bar``/``go.Heatmap``,
never ``scattergl`` or mapbox), so it works on PCs without WebGL. Maps draw vector context
from the inputs (:mod:`siting.report.geometry`) and keep a scale bar that follows zoom.

Adding a section (how #13, #14, #19 plug theirs in)
---------------------------------------------------
A section is one function ``def section_xxx(r: Report) -> Section | None``. It reads what it
needs from the folder — ``r.plan`` (a :class:`~siting.report.folder.PlanFolder`: summary,
sites, zones, assignments, shortfalls), ``r.table`` (a comparison's table), ``r.sweep`` or any
file in ``r.folder`` — and returns ``None`` when its data is absent (an older folder, a plan
without that feature), so every report shows only what it has. It returns
``Section(id, title, body_html)``; build the body with :func:`figure_html` (a plotly figure),
:func:`table_html` (a sortable table; money in 万元 via ``text.wan``, shares via ``text.pct``)
and :func:`para`; words come from ``r.t(key)`` / ``r.zh`` so both languages read. Register it
by appending to :data:`SECTIONS` ``["plan" | "comparison" | "sweep" | "alternatives"]`` at the
place it belongs (e.g. ``SECTIONS["plan"].insert(...)`` in your own module imported by
:mod:`siting.report.sections`), never by editing another section.
"""

from __future__ import annotations

import html as _html
import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from siting import __version__
from siting.report import text
from siting.report.folder import (
    PlanFolder,
    SweepFolder,
    folder_kind,
    plan_dirs_of,
    read_csv,
    read_sweep,
)
from siting.report.geometry import MapFrame, map_frame, rings

log = logging.getLogger(__name__)

FONT_STACK = ('"Microsoft YaHei","PingFang SC","Noto Sans CJK SC","Source Han Sans SC",'
              '"SimHei","WenQuanYi Micro Hei",sans-serif')
OK = ("optimal", "time_limit")
CHANNEL_STYLE = {"renovate": ("#1b9e77", "square"), "convert": ("#d95f02", "triangle-up"),
                 "transfer": ("#7570b3", "diamond"), "new_build": ("#e7298a", "cross")}
CLASSES = [(-1e-9, 1e-9), (1e-9, 0.2), (0.2, 0.4), (0.4, 0.6), (0.6, 0.8), (0.8, 1.0 + 1e-9)]
CLASS_COLOURS = ["#ffffd9", "#d5efb3", "#7fcdbb", "#41b6c4", "#1d91c0", "#0c2c84"]
CLASS_NAMES = ["0%", "0–20%", "20–40%", "40–60%", "60–80%", "80–100%"]
SHORTFALL = "#d7191c"
TEMPLATE = go.layout.Template(layout={
    "colorway": ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
                 "#7f7f7f", "#bcbd22", "#17becf"],
    "xaxis": {"gridcolor": "#e5e5e5", "zerolinecolor": "#cccccc"},
    "yaxis": {"gridcolor": "#e5e5e5", "zerolinecolor": "#cccccc"},
    "hoverlabel": {"align": "left"}})
"""A small template (plotly's default one lists every trace type, WebGL ones included)."""
PLOT_CONFIG = {"displaylogo": False, "responsive": True, "scrollZoom": True,
               "modeBarButtonsToRemove": ["select2d", "lasso2d"]}


@dataclass
class Section:
    id: str
    title: str
    body: str


@dataclass
class Report:
    """What a section reads: the folder, its kind and language, and the folder's data."""

    folder: Path
    lang: str = "zh"
    kind: str = "plan"
    figures: int = field(default=0, init=False)

    @property
    def zh(self) -> bool:
        return self.lang == "zh"

    def t(self, key: str, **fmt) -> str:
        return text.t(key, self.lang, **fmt)

    def w(self, zh: str, en: str) -> str:
        """Inline words: ``r.w("中文", "English")``."""
        return zh if self.zh else en

    @cached_property
    def plan(self) -> PlanFolder | None:
        return PlanFolder.read(self.folder) if self.kind == "plan" else None

    @cached_property
    def table(self) -> pd.DataFrame | None:
        f = self.folder / "comparison.csv"
        return read_csv(f, dtype={"chosen_spaces": str}) if self.kind == "comparison" else None

    @cached_property
    def plans(self) -> dict[str, PlanFolder]:
        """A comparison's plans by scenario name (solved ones only)."""
        if self.table is None:
            return {}
        return {k: PlanFolder.read(d) for k, d in plan_dirs_of(self.folder, self.table).items()}

    @cached_property
    def sweep(self) -> SweepFolder | None:
        return read_sweep(self.folder) if self.kind == "sweep" else None

    @cached_property
    def labels(self) -> dict[str, str]:
        if self.plan is not None:
            return self.plan.labels
        for p in self.plans.values():
            return p.labels
        if self.sweep is not None and self.sweep.spec.get("base"):
            from siting.report.figures import sweep_frame

            found = sweep_frame(self.sweep.spec["base"])
            return found[1] if found else {}
        return {}

    def fn(self, f: str) -> str:
        return text.function_label(f, self.labels, self.lang)


# --------------------------------------------------------------------------------------------
# Building blocks


def esc(s) -> str:
    return _html.escape("" if s is None else str(s))


def para(*sentences: str) -> str:
    return "<p>" + "".join(sentences) + "</p>"


def figure_html(r: Report, fig: go.Figure, *, height: int | None = None,
                post_script: str | None = None, div_id: str | None = None) -> str:
    """A plotly figure as a div (plotly.js itself is inlined once in the page head)."""
    r.figures += 1
    fig.update_layout(template=TEMPLATE, font={"family": FONT_STACK.replace('"', "'")},
                      paper_bgcolor="white", plot_bgcolor="white",
                      margin=fig.layout.margin or {"l": 40, "r": 20, "t": 40, "b": 40})
    if height:
        fig.update_layout(height=height)
    fig.update_xaxes(automargin=True)
    fig.update_yaxes(automargin=True)
    return fig.to_html(full_html=False, include_plotlyjs=False, config=PLOT_CONFIG,
                       div_id=div_id or f"fig{r.figures}", post_script=post_script)


def table_html(df: pd.DataFrame, *, formats: dict[str, Callable] | None = None,
               table_id: str | None = None, max_rows: int = 2000) -> str:
    """A sortable table (click a header): ``formats`` maps a column to a function giving the
    shown text; sorting uses the raw value."""
    formats = formats or {}
    head = "".join(f'<th onclick="sortTable(this)">{esc(c)}</th>' for c in df.columns)
    rows = []
    for _, row in df.head(max_rows).iterrows():
        cells = []
        for c in df.columns:
            v = row[c]
            shown = formats[c](v) if c in formats else ("" if _missing(v) else
                                                        _default_format(v))
            num = isinstance(v, int | float | np.integer | np.floating) and not _missing(v)
            key = f' data-v="{float(v)}"' if num else ""
            cls = ' class="num"' if num else ""
            cells.append(f"<td{cls}{key}>{esc(shown)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    more = (f'<p class="note">… {len(df) - max_rows} more rows in the CSV file</p>'
            if len(df) > max_rows else "")
    tid = f' id="{table_id}"' if table_id else ""
    return (f'<div class="tablewrap"><table class="sortable"{tid}><thead><tr>{head}</tr>'
            f'</thead><tbody>{"".join(rows)}</tbody></table></div>{more}')


def _missing(v) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _default_format(v) -> str:
    if isinstance(v, float | np.floating):
        return f"{v:,.1f}" if abs(v) >= 100 else f"{v:,.2f}".rstrip("0").rstrip(".")
    return str(v)


def cards(items: list[tuple[str, str]]) -> str:
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="v">{esc(v)}</div><div class="k">{esc(k)}</div></div>'
        for k, v in items) + "</div>"


# --------------------------------------------------------------------------------------------
# Maps


SCALE_BAR_JS = """
(function(){var gd=document.getElementById('{plot_id}');
function nice(raw){var b=Math.pow(10,Math.floor(Math.log10(raw)));
 if(5*b<=raw)return 5*b; if(2*b<=raw)return 2*b; return b;}
function bar(){var xa=gd._fullLayout.xaxis, ya=gd._fullLayout.yaxis; if(!xa||!ya)return;
 var x0=xa.range[0],x1=xa.range[1],y0=ya.range[0],y1=ya.range[1];
 var L=nice((x1-x0)/5), bx=x0+0.04*(x1-x0), by=y0+0.05*(y1-y0);
 Plotly.relayout(gd,{'shapes[0].x0':bx,'shapes[0].x1':bx+L,'shapes[0].y0':by,
  'shapes[0].y1':by,'annotations[0].x':bx+L/2,'annotations[0].y':by,
  'annotations[0].text':(L>=1000?(L/1000)+' km':L+' m')});}
gd.on('plotly_relayout',function(e){if(e&&Object.keys(e).some(function(k){
 return k.indexOf('axis')>=0||k==='autosize';}))bar();});
bar();})();
"""


SERVED_LINES_JS = """
(function(){var gd=document.getElementById('{plot_id}');
gd.on('plotly_click',function(e){var p=e&&e.points&&e.points[0];
 var keep=(gd.layout.shapes||[]).filter(function(s){return s.name!=='served';});
 if(!p||!p.data.meta||p.data.meta.role!=='site'){Plotly.relayout(gd,{shapes:keep});return;}
 var c=p.customdata||[],add=[];
 for(var i=0;i+1<c.length;i+=2){add.push({type:'line',name:'served',x0:p.x,y0:p.y,x1:c[i],
  y1:c[i+1],layer:'above',line:{color:'#d95f02',width:1.6}});}
 Plotly.relayout(gd,{shapes:keep.concat(add)});});})();
"""
"""Clicking a site draws a line to every community it serves (clicking elsewhere clears)."""


def _ring_xy(geoms) -> tuple[list, list]:
    xs, ys = [], []
    for g in geoms:
        for ring in rings(g):
            xs += list(np.round(ring[:, 0], 1)) + [None]
            ys += list(np.round(ring[:, 1], 1)) + [None]
    return xs, ys


def add_context(fig: go.Figure, frame: MapFrame, r: Report, *, row=None, col=None,
                legend: bool = True, names: bool = True) -> None:
    """Network, street outlines and street names (no hover)."""
    kw = {"row": row, "col": col} if row else {}
    for seg, key, line in ((frame.segments, "network", {"color": "#9a9a9a", "width": 0.6}),
                           (frame.barriers, "barrier", {"color": "#222222", "width": 2,
                                                        "dash": "dash"})):
        if seg is None:
            continue
        xs = np.column_stack([seg[:, 0, 0], seg[:, 1, 0], np.full(len(seg), np.nan)]).ravel()
        ys = np.column_stack([seg[:, 0, 1], seg[:, 1, 1], np.full(len(seg), np.nan)]).ravel()
        fig.add_trace(go.Scatter(x=np.round(xs, 1), y=np.round(ys, 1), mode="lines", line=line,
                                 hoverinfo="skip", name=r.t(key), showlegend=legend,
                                 legendgroup=key), **kw)
    xs, ys = _ring_xy(frame.streets.values())
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": "#444444", "width": 1.6},
                             hoverinfo="skip", name=r.t("street_boundary"), showlegend=legend,
                             legendgroup="streets"), **kw)
    if names:
        pts = [(k, g.representative_point()) for k, g in frame.streets.items() if not g.is_empty]
        fig.add_trace(go.Scatter(x=[p.x for _, p in pts], y=[p.y for _, p in pts], mode="text",
                                 text=[k for k, _ in pts], hoverinfo="skip", showlegend=False,
                                 textfont={"size": 12, "color": "#333333"}), **kw)


def add_cells(fig: go.Figure, frame: MapFrame, values: dict[str, float], *, visible=True,
              row=None, col=None, legend: bool = True, group: str = "") -> list[int]:
    """Community cells filled by class of ``values`` (shares 0-1); one trace per class."""
    kw = {"row": row, "col": col} if row else {}
    first = len(fig.data)
    for n, ((lo, hi), colour, name) in enumerate(zip(CLASSES, CLASS_COLOURS, CLASS_NAMES)):
        ids = [i for i, v in values.items() if v is not None and lo < v <= hi
               or (n == 0 and v is not None and abs(v) <= 1e-9)]
        xs, ys = _ring_xy(frame.cells[i] for i in ids)
        fig.add_trace(go.Scatter(x=xs or [None], y=ys or [None], mode="lines", fill="toself",
                                 fillcolor=colour, line={"color": "white", "width": 0.6},
                                 hoverinfo="skip", name=name, visible=visible,
                                 legendgroup=f"class{n}{group}", showlegend=legend,
                                 legendrank=100 + n), **kw)
    return list(range(first, len(fig.data)))


def plan_map_figure(r: Report, plan: PlanFolder, frame: MapFrame) -> go.Figure:
    """The interactive plan map with a function selector."""
    fig = go.Figure()
    z = frame.zones.copy()
    z["zone_id"] = z["zone_id"].astype(str)
    options = [("weighted_coverage", r.t("weighted_coverage"))] + [
        (f"coverage_{f}", r.fn(f)) for f in plan.functions if f"coverage_{f}" in z]
    per_option: list[list[int]] = []
    always: list[int] = []
    for k, (col, label) in enumerate(options):
        vals = dict(zip(z["zone_id"], z[col].astype(float)))
        idx = add_cells(fig, frame, vals, visible=k == 0)
        hover = [f"<b>{esc(nm)}</b> ({zid})<br>{esc(st)}<br>{label}: {text.pct(v)}"
                 + (f"<br>{r.t('households')}: {hh:,.0f}" if hh == hh else "")
                 for zid, nm, st, v, hh in zip(z["zone_id"], z["zone_name"], z["street"],
                                               z[col], z.get("households", [np.nan] * len(z)))]
        fig.add_trace(go.Scatter(x=z["x"].round(1), y=z["y"].round(1), mode="markers",
                                 marker={"size": 6, "color": "#555555", "opacity": 0.55},
                                 hovertext=hover, hoverinfo="text", visible=k == 0,
                                 showlegend=False, name=label))
        per_option.append(idx + [len(fig.data) - 1])
    start = len(fig.data)
    add_context(fig, frame, r)
    short = plan.shortfall_zone_ids()
    if short:
        xs, ys = _ring_xy(frame.cells[i] for i in short if i in frame.cells)
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", line={"color": SHORTFALL,
                                                                  "width": 2.6},
                                 hoverinfo="skip", name=f"{r.t('not_met')} ({len(short)})"))
    if plan.wide_shortfalls():
        fig.add_trace(go.Scatter(x=[None], y=[None], mode="lines", line={"color": "white"},
                                 name=r.t("wide_not_met", n=len(plan.wide_shortfalls()))))
    c = frame.candidates
    if c is not None and len(c):
        fig.add_trace(go.Scatter(
            x=c["x"].round(1), y=c["y"].round(1), mode="markers", name=f"{r.t('candidate')} "
            f"({len(c)})", marker={"symbol": "x-thin", "size": 7, "color": "#7f7f7f",
                                   "line": {"width": 1.2, "color": "#7f7f7f"}},
            hovertext=[f"{i} {esc(n)}<br>{text.pick(text.KINDS, k, r.lang)}"
                       for i, n, k in zip(c["space_id"], c["name"], c["kind"])],
            hoverinfo="text"))
    e = frame.existing
    if e is not None and len(e):
        fig.add_trace(go.Scatter(
            x=e["x"].round(1), y=e["y"].round(1), mode="markers",
            name=f"{r.t('existing')} ({len(e)})",
            marker={"symbol": "circle-open", "size": 9, "color": "black",
                    "line": {"width": 1.6}},
            hovertext=[f"{i} {esc(n)}<br>{r.fn(f)}: {cap:g}" for i, n, f, cap in
                       zip(e["facility_id"], e["name"], e["function"], e["capacity"])],
            hoverinfo="text"))
    serves = _served_by_site(plan)
    zxy = dict(zip(z["zone_id"], zip(z["x"].round(1), z["y"].round(1))))
    served_ids = _served_ids(plan)
    s = frame.sites
    for ch, (colour, symbol) in CHANNEL_STYLE.items():
        sel = s[s["channel"] == ch]
        if not len(sel):
            continue
        fig.add_trace(go.Scatter(
            x=sel["x"].round(1), y=sel["y"].round(1), mode="markers+text",
            name=f"{text.channel_label(ch, r.lang)} ({len(sel)})", meta={"role": "site"},
            text=list(sel["space_id"]), textposition="top right",
            textfont={"size": 10, "color": "#222222"},
            marker={"symbol": symbol, "color": colour, "size": (8 + np.sqrt(
                sel["used_area_m2"].astype(float).clip(0)) * 0.7).round(1).tolist(),
                "line": {"width": 1, "color": "black"}},
            hovertext=[_site_hover(r, plan, row, serves) for _, row in sel.iterrows()],
            customdata=[[float(v) for zid in served_ids.get(sid, []) if zid in zxy
                         for v in zxy[zid]] for sid in sel["space_id"].astype(str)],
            hoverinfo="text"))
    always = list(range(start, len(fig.data)))
    buttons = []
    for k, (_, label) in enumerate(options):
        vis = [False] * len(fig.data)
        for i in per_option[k] + always:
            vis[i] = True
        buttons.append({"label": label, "method": "update", "args": [{"visible": vis}]})
    x0, y0, x1, y1 = frame.extent()
    fig.update_layout(
        updatemenus=[{"buttons": buttons, "direction": "down", "x": 0, "xanchor": "left",
                      "y": 1.08, "yanchor": "bottom", "showactive": True}],
        xaxis={"visible": False, "range": [x0, x1]},
        yaxis={"visible": False, "range": [y0, y1], "scaleanchor": "x", "scaleratio": 1},
        legend={"orientation": "v", "x": 1.01, "y": 1, "font": {"size": 11},
                "title": {"text": r.w("图例（点击可隐藏）", "legend (click to hide)")}},
        shapes=[{"type": "line", "x0": x0, "x1": x0 + 1000, "y0": y0, "y1": y0,
                 "line": {"color": "black", "width": 4}}],
        annotations=[{"x": x0 + 500, "y": y0, "text": "1 km", "showarrow": False,
                      "yshift": 12, "font": {"size": 11}},
                     {"x": 0.18, "y": 1.11, "xref": "paper", "yref": "paper",
                      "text": r.w("着色功能：", "shading:"), "showarrow": False,
                      "xanchor": "right"}],
        margin={"l": 10, "r": 10, "t": 60, "b": 10}, dragmode="pan", hovermode="closest")
    fig.layout.updatemenus[0].x = 0.19
    return fig


def _served_ids(plan: PlanFolder) -> dict[str, list[str]]:
    """Site id -> the communities (ids) it serves, in assignment order."""
    a = plan.assignments
    a = a[a["served"].astype(float) > 1e-6]
    return {str(sid): list(dict.fromkeys(zids.astype(str)))
            for sid, zids in a.groupby("site_id")["zone_id"]}


def _served_by_site(plan: PlanFolder) -> dict[str, list[str]]:
    """Site id -> the names of the communities it serves."""
    names = dict(zip(plan.zones["zone_id"].astype(str), plan.zones["zone_name"]))
    return {s: [names.get(z, z) for z in ids] for s, ids in _served_ids(plan).items()}


def _site_hover(r: Report, plan: PlanFolder, row, serves) -> str:
    parts = []
    for f in plan.functions:
        u = float(row.get(f"units_{f}", 0) or 0)
        if u > 0:
            parts.append(f"{r.fn(f)} {u:g} {text.unit_label(plan.units.get(f, ''), r.lang)}")
    zones = serves.get(str(row["space_id"]), [])
    shown = "、".join(zones[:8]) + (f" … (+{len(zones) - 8})" if len(zones) > 8 else "")
    return (f"<b>{esc(row['space_name'])}</b> ({row['space_id']})<br>"
            f"{text.channel_label(row['channel'], r.lang)} · {esc(row['street'])}<br>"
            f"{r.w('使用面积', 'area used')}: {float(row['used_area_m2']):,.0f} m² / "
            f"{r.w('建筑面积', 'floor')} {float(row['floor_area_m2']):,.0f} m²<br>"
            f"{r.w('投资', 'capex')}: {text.wan(row['capex'])} {r.t('wan')}<br>"
            + "<br>".join(esc(p) for p in parts)
            + (f"<br>{r.w('服务社区', 'serves')} ({len(zones)}): {esc(shown)}" if zones else ""))


# --------------------------------------------------------------------------------------------
# Plan sections


def plan_headline(r: Report, plan: PlanFolder) -> str:
    s = plan.summary
    chans = "、".join(f"{text.channel_label(ch, r.lang)} {n} 处" for ch, n in
                     s["sites_by_channel"].items()) if r.zh else ", ".join(
        f"{n} by {text.channel_label(ch, r.lang)}" for ch, n in s["sites_by_channel"].items())
    status = s["status"]
    gap = s.get("mip_gap")
    mm = (s.get("equity") or {}).get("max_min") or {}
    if status == "optimal" and mm.get("min_coverage") is not None:
        # two solves: the worst unit's coverage proven, then the total within its own gap
        tg = mm.get("stage2_gap_asked")
        proof = r.w(f"求解器证明最差单元覆盖率 {text.pct(mm['min_coverage'])} 为最优；在此前提下"
                    f"总覆盖率与其上界之差 {text.pct(gap, 2)}（允许 {text.pct(tg, 1)}）。",
                    f"The solver proved the worst unit's coverage of "
                    f"{text.pct(mm['min_coverage'])} optimal; holding it, the total is within "
                    f"{text.pct(gap, 2)} of its bound (tolerance {text.pct(tg, 1)}).")
    elif status == "optimal":
        proof = r.w(f"求解器证明方案为最优（最优性差距 {text.pct(gap, 2)}）。" if gap is not None
                    else "求解器证明方案为最优。",
                    f"The solver proved the plan optimal (gap {text.pct(gap, 2)})."
                    if gap is not None else "The solver proved the plan optimal.")
    else:
        proof = r.w(f"求解在时间上限处停止，最优性差距 {text.pct(gap, 2)}。",
                    f"The solve stopped at its time limit with a gap of {text.pct(gap, 2)}.")
    first = r.w(
        f"方案「{esc(s['scenario'])}」选用 <b>{s['n_sites']} 处空间</b>（{chans}），总投资 "
        f"<b>{text.wan(s['total_capex'])} 万元</b>（预算 {text.wan(s['budget'])} 万元），"
        f"每年运营费用约 {text.wan(s['total_opex_per_year'])} 万元；按优先权重加权，"
        f"步行范围内满足 <b>{text.pct(s['weighted_coverage'])}</b> 的需求。",
        f"Plan “{esc(s['scenario'])}” uses <b>{s['n_sites']} spaces</b> ({chans}) for "
        f"<b>{text.wan(s['total_capex'])} × 10k CNY</b> (budget {text.wan(s['budget'])}), "
        f"running costs about {text.wan(s['total_opex_per_year'])} × 10k CNY a year; weighted "
        f"by priority, <b>{text.pct(s['weighted_coverage'])}</b> of demand is served within "
        "walking distance.")
    funcs = sorted(s["functions"].items(), key=lambda kv: -(kv[1]["coverage"] or 0))
    items = []
    for f, d in funcs:
        if d["coverage"] is None:
            continue
        unit = text.unit_label(d.get("unit", ""), r.lang)
        lim = d.get("walking_limit_m")
        items.append(r.w(
            f"<li>{esc(r.fn(f))}：{text.pct(d['coverage'])}（{lim:g} 米内，需求 "
            f"{d['demand']:,.0f} {unit}，满足 {d['served']:,.0f}）</li>",
            f"<li>{esc(r.fn(f))}: {text.pct(d['coverage'])} (within {lim:g} m; "
            f"{d['served']:,.0f} of {d['demand']:,.0f} {unit})</li>"))
    short = s.get("shortfalls", [])
    if short:
        sf = r.w(f"<p><b>有 {len(short)} 项标准无法完全满足</b>：", f"<p><b>{len(short)} "
                 "standard(s) cannot be fully met</b>: ") + "；".join(
            esc(x.get("what") or f"{x.get('label')} {x.get('group_name')}") for x in short[:5]) \
            + ("……" if len(short) > 5 else "") + r.w("（原因见下方「未达标」一节）</p>",
                                                     " (causes below)</p>")
    else:
        sf = para(r.w("所有启用的标准均已满足。", "Every standard switched on is met."))
    intro = r.w("各功能步行范围内的需求满足率：",
                "Share of each function's demand served within walking distance:")
    return (para(first, " ", proof) + f"<p>{intro}</p><ul class='cols'>"
            + "".join(items) + "</ul>" + sf)


def section_headline(r: Report) -> Section | None:
    p = r.plan
    if p is None:
        return None
    s = p.summary
    body = cards([(r.w("选用空间", "spaces"), f"{s['n_sites']}"),
                  (r.w("总投资 (万元)", "capex (10k CNY)"), text.wan(s["total_capex"], 0)),
                  (r.w("预算 (万元)", "budget (10k CNY)"), text.wan(s["budget"], 0)),
                  (r.t("weighted_coverage"), text.pct(s["weighted_coverage"])),
                  (r.w("未达标项", "standards missed"), str(len(s.get("shortfalls", []))))])
    return Section("headline", r.w("方案概要", "Summary"), body + plan_headline(r, p))


def section_map(r: Report) -> Section | None:
    p = r.plan
    if p is None or "lon" not in p.zones:
        return None
    frame = map_frame(p)
    fig = plan_map_figure(r, p, frame)
    note = para(r.w("滚轮缩放、拖动平移；悬停在选址上可查看名称、实施方式、面积、"
                    "功能规模、投资和服务社区，点击选址则连线显示其服务的社区。社区以泰森多边形表示，按所选功能的覆盖率着色；粗线为街道范围。",
                    "Scroll to zoom, drag to pan; hover a site for its name, channel, "
                    "area, functions, capex and the communities it serves; click it to draw "
                    "lines to them. Communities are "
                    "their Voronoi cells, shaded by coverage of the chosen function; thick "
                    "lines are streets."))
    return Section("map", r.w("方案地图", "Map"),
                   note + figure_html(r, fig, height=720,
                                      post_script=SCALE_BAR_JS + SERVED_LINES_JS,
                                      div_id="map_fig"))


def section_sites(r: Report) -> Section | None:
    p = r.plan
    if p is None or p.sites.empty:
        return None
    s = p.sites
    df = pd.DataFrame({
        r.t("space_id"): s["space_id"], r.t("space_name"): s["space_name"],
        r.t("street"): s["street"],
        r.t("channel"): [text.channel_label(c, r.lang) for c in s["channel"]],
        r.t("kind"): [text.pick(text.KINDS, k, r.lang) for k in s["kind"]],
        r.t("used_area_m2"): s["used_area_m2"].astype(float),
        r.t("capex"): s["capex"].astype(float) / 1e4,
        r.t("opex_per_year"): s["opex_per_year"].astype(float) / 1e4})
    if "open_year" in s:
        df[r.t("open_year")] = s["open_year"]
    sep = "、" if r.zh else ", "
    df[r.w("功能及规模", "functions and units")] = [
        sep.join(f"{r.fn(f)} {float(row[f'units_{f}']):g}" for f in p.functions
                 if float(row.get(f"units_{f}", 0) or 0) > 0) for _, row in s.iterrows()]
    money = {r.t("capex"): lambda v: f"{v:,.1f}", r.t("opex_per_year"): lambda v: f"{v:,.1f}",
             r.t("used_area_m2"): lambda v: f"{v:,.0f}"}
    return Section("sites", r.w("选址清单", "Sites"),
                   para(r.w("点击表头排序。", "Click a header to sort.")) +
                   table_html(df, formats=money, table_id="sites"))


def section_functions(r: Report) -> Section | None:
    p = r.plan
    if p is None:
        return None
    zl = p.zones_long.assign(street=[v if isinstance(v, str) and v else "—"
                                     for v in p.zones_long["street"]])
    g = zl.groupby(["function", "street"])[["served", "demand"]].sum().reset_index()
    g["coverage"] = np.where(g["demand"] > 0, g["served"] / g["demand"].where(g["demand"] > 0),
                             np.nan)
    funcs = [f for f in p.functions if f in set(g["function"])]
    tab = pd.DataFrame([{
        r.t("function"): r.fn(f), r.t("unit"): text.unit_label(d.get("unit", ""), r.lang),
        r.w("步行距离上限 (m)", "walking limit (m)"): d.get("walking_limit_m"),
        r.t("demand"): d["demand"], r.t("served"): d["served"],
        r.t("coverage"): d["coverage"], r.w("新增规模", "new units"): d.get("units_new")}
        for f, d in p.summary["functions"].items()])
    body = table_html(tab, formats={r.t("coverage"): text.pct})
    if not funcs:
        return Section("functions", r.w("分功能覆盖", "Functions"), body)
    cols = 2
    rows = math.ceil(len(funcs) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[r.fn(f) for f in funcs],
                        vertical_spacing=min(0.08, 0.5 / max(rows, 1)), horizontal_spacing=0.15)
    for n, f in enumerate(funcs):
        d = g[g["function"] == f].sort_values("street")
        fig.add_trace(go.Bar(x=(100 * d["coverage"]).round(1), y=d["street"], orientation="h",
                             marker_color="#1d91c0", showlegend=False,
                             texttemplate="%{x:.0f}%", textposition="outside",
                             hovertemplate="%{y}: %{x:.1f}%<extra>" + esc(r.fn(f)) + "</extra>"),
                      row=n // cols + 1, col=n % cols + 1)
    fig.update_xaxes(range=[0, 115], ticksuffix="%", tickvals=[0, 20, 40, 60, 80, 100])
    return Section("functions", r.w("分功能覆盖", "Functions"), body +
                   para(r.w("各街道步行范围内的需求满足率：", "Coverage by street:")) +
                   figure_html(r, fig, height=max(300, 230 * rows)))


def section_by_year(r: Report) -> Section | None:
    p = r.plan
    if p is None or not p.summary.get("by_year"):
        return None
    from siting.report.workbooks import by_year_display

    df = by_year_display(p, r.lang)
    show = pd.DataFrame({
        r.t("year"): df["year"], r.t("budget"): df["budget"] / 1e4,
        r.t("spend"): df["spend"] / 1e4, r.t("started"): df["started"],
        r.t("opened"): df["opened"], r.t("weighted_coverage"): df["weighted_coverage"]})
    fmt = {r.t("weighted_coverage"): text.pct, r.t("budget"): lambda v: f"{v:,.1f}",
           r.t("spend"): lambda v: f"{v:,.1f}", r.t("year"): lambda v: f"{int(v)}"}
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Bar(x=df["year"].astype(str), y=df["spend"] / 1e4, name=r.t("spend"),
                         marker_color="#7fcdbb"))
    fig.add_trace(go.Scatter(x=df["year"].astype(str), y=100 * df["weighted_coverage"],
                             name=r.t("weighted_coverage"), mode="lines+markers",
                             line={"color": "#0c2c84"}), secondary_y=True)
    fig.update_yaxes(title_text=r.t("wan"), secondary_y=False)
    fig.update_yaxes(title_text="%", secondary_y=True, rangemode="tozero")
    return Section("by_year", r.w("分年度安排", "Year by year"),
                   table_html(show, formats=fmt) + figure_html(r, fig, height=340))


def section_shortfalls(r: Report) -> Section | None:
    p = r.plan
    if p is None or not p.summary.get("shortfalls"):
        return None
    sf = pd.DataFrame(p.summary["shortfalls"])
    df = pd.DataFrame({r.t("label"): sf.get("what", sf.get("label")),
                       r.t("group_name"): sf["group_name"], r.t("missing"): sf["missing"],
                       r.t("unit"): sf["unit"], r.t("cause"): sf.get("cause", "")})
    return Section("shortfalls", r.w("未达标的标准", "Standards not met"), table_html(df))


def section_method(r: Report) -> Section | None:
    p = r.plan
    if p is None:
        return None
    s = p.summary
    d = s.get("distance", {})
    method = {"straight": r.w("直线距离 × 绕行系数", "straight line × detour factor"),
              "network": r.w("步行路网最短路径", "shortest paths on the walking network"),
              "table": r.w("给定距离表", "given distance table")}.get(d.get("method"),
                                                                   d.get("method"))
    rows = [(r.w("距离计算", "distances"), f"{method}"
             + (f" ({d['detour_factor']})" if d.get("method") == "straight" else "")),
            (r.w("目标", "objective"), text.pick(text.OBJECTIVES, s.get("objective_name"),
                                                 r.lang)),
            (r.w("求解器", "solver"), f"{s.get('solver')} · {s.get('solve_seconds')} s"),
            (r.w("版本", "version"), s.get("siting_version"))]
    rows += [(k, v["path"]) for k, v in s.get("inputs", {}).items()]
    df = pd.DataFrame(rows, columns=[r.t("key"), r.t("value")])
    return Section("method", r.w("计算方法与输入", "Method and inputs"), table_html(df))


# --------------------------------------------------------------------------------------------
# Comparison sections


def _base(r: Report) -> str | None:
    from siting.compare import base_name

    return base_name(r.table)


def section_comparison_headline(r: Report) -> Section | None:
    t = r.table
    if t is None:
        return None
    base = _base(r)
    ok = t[t["status"].isin(OK)]
    lines = [para(r.w(f"共比较 {len(t)} 个情景，其中 {len(ok)} 个得到方案。",
                      f"{len(t)} scenarios compared, {len(ok)} with a plan."))]
    if base is not None:
        b = ok.set_index("scenario").loc[base]
        bset = set(filter(None, str(b["chosen_spaces"]).split("|")))
        items = []
        for _, row in t.iterrows():
            name = esc(row["scenario"])
            if row["status"] not in OK:
                items.append(f"<li><b>{name}</b>：{r.w('无方案', 'no plan')} "
                             f"({text.pick(text.STATUS, row['status'], r.lang)})："
                             f"{esc(str(row.get('reason', ''))[:300])}</li>")
                continue
            if row["scenario"] == base:
                continue
            this = set(filter(None, str(row["chosen_spaces"]).split("|")))
            dcov = 100 * (float(row["weighted_coverage"]) - float(b["weighted_coverage"]))
            dcap = (float(row["capex"]) - float(b["capex"])) / 1e4
            items.append(r.w(
                f"<li><b>{name}</b>（{esc(row.get('description', ''))}）：加权覆盖率 "
                f"{text.pct(row['weighted_coverage'])}（{dcov:+.1f} 个百分点），投资 "
                f"{text.wan(row['capex'])} 万元（{dcap:+,.1f}），{int(row['n_sites'])} 处空间；"
                f"较基准新增 {len(this - bset)} 处、减少 {len(bset - this)} 处。</li>",
                f"<li><b>{name}</b> ({esc(row.get('description', ''))}): weighted coverage "
                f"{text.pct(row['weighted_coverage'])} ({dcov:+.1f} points), capex "
                f"{text.wan(row['capex'])} × 10k CNY ({dcap:+,.1f}), {int(row['n_sites'])} "
                f"spaces; {len(this - bset)} added and {len(bset - this)} dropped vs the base."
                "</li>"))
        lines.append(para(r.w(
            f"基准情景「{esc(base)}」：{int(b['n_sites'])} 处空间，"
            f"投资 {text.wan(b['capex'])} 万元，加权覆盖率 {text.pct(b['weighted_coverage'])}。",
            f"Base “{esc(base)}”: {int(b['n_sites'])} spaces, {text.wan(b['capex'])} × 10k "
            f"CNY, weighted coverage {text.pct(b['weighted_coverage'])}.")))
        lines.append("<ul>" + "".join(items) + "</ul>")
    return Section("headline", r.w("对比概要", "Summary"), "".join(lines))


def section_comparison_table(r: Report) -> Section | None:
    t = r.table
    if t is None:
        return None
    cols = ["scenario", "status", "budget", "capex", "opex_per_year", "n_sites",
            "weighted_coverage", "n_shortfalls"] + [c for c in t.columns if c.startswith(
                "sites_") and c[6:] in text.CHANNELS]
    df = t[[c for c in cols if c in t]].copy()
    for c in ("budget", "capex", "opex_per_year"):
        if c in df:
            df[c] = df[c].astype(float) / 1e4
    df["status"] = [text.pick(text.STATUS, v, r.lang) for v in df["status"]]
    fmts = {text.header("weighted_coverage", r.lang): text.pct}
    df.columns = [text.header(c, r.lang) for c in df.columns]
    return Section("figures", r.w("关键指标对比", "Key figures"), table_html(df, formats=fmts))


def section_comparison_charts(r: Report) -> Section | None:
    t = r.table
    if t is None or not t["status"].isin(OK).any():
        return None
    ok = t[t["status"].isin(OK)]
    funcs = [c[len("coverage_"):] for c in t.columns if c.startswith("coverage_")]
    z = np.array([[100 * float(v) if v == v else None for v in ok[f"coverage_{f}"]]
                  for f in funcs]).T
    heat = go.Figure(go.Heatmap(
        z=z, x=[r.fn(f) for f in funcs], y=list(ok["scenario"].astype(str)),
        colorscale="YlGnBu", zmin=0, zmax=100, texttemplate="%{z:.0f}",
        colorbar={"title": {"text": "%"}},
        hovertemplate="%{y} · %{x}: %{z:.1f}%<extra></extra>"))
    heat.update_layout(title=r.t("coverage_chart"), yaxis={"autorange": "reversed"})
    bars = go.Figure()
    for ch, (colour, _) in CHANNEL_STYLE.items():
        col = f"capex_{ch}"
        if col in ok and ok[col].astype(float).fillna(0).any():
            bars.add_trace(go.Bar(y=ok["scenario"], x=ok[col].astype(float) / 1e4,
                                  orientation="h", name=text.channel_label(ch, r.lang),
                                  marker_color=colour))
    if "budget" in ok:
        bars.add_trace(go.Scatter(y=ok["scenario"], x=ok["budget"].astype(float) / 1e4,
                                  mode="markers", name=r.t("budget_mark"),
                                  marker={"symbol": "line-ns-open", "size": 22,
                                          "color": "black", "line": {"width": 3}}))
    bars.update_layout(barmode="stack", title=r.t("capex_chart"),
                       xaxis={"title": r.t("capex_axis")}, yaxis={"autorange": "reversed"})
    h = 160 + 34 * len(ok)
    return Section("charts", r.w("对比图表", "Charts"),
                   figure_html(r, heat, height=h + 90) + figure_html(r, bars,
                                                                     height=max(300, h)))


def section_comparison_maps(r: Report) -> Section | None:
    plans = r.plans
    if not plans:
        return None
    frames = {k: map_frame(p) for k, p in plans.items()}
    n = len(frames)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[
        f"{k} · {text.pct(p.summary['weighted_coverage'])}" for k, p in plans.items()],
        horizontal_spacing=0.01, vertical_spacing=0.06)
    ext = np.array([f.extent() for f in frames.values()])
    x0, y0, x1, y1 = ext[:, 0].min(), ext[:, 1].min(), ext[:, 2].max(), ext[:, 3].max()
    # one origin for all: every frame is projected in its own centre; shift to the first's
    ref = next(iter(frames.values()))
    for n_, (name, fr) in enumerate(frames.items()):
        row, col = n_ // cols + 1, n_ % cols + 1
        dx, dy = fr.origin[0] - ref.origin[0], fr.origin[1] - ref.origin[1]
        _shift(fr, dx, dy)
        vals = dict(zip(fr.zones["zone_id"].astype(str), fr.zones["weighted_coverage"]))
        add_cells(fig, fr, vals, row=row, col=col, legend=n_ == 0)
        add_context(fig, fr, r, row=row, col=col, legend=False, names=False)
        for ch, (colour, symbol) in CHANNEL_STYLE.items():
            sel = fr.sites[fr.sites["channel"] == ch]
            if len(sel):
                fig.add_trace(go.Scatter(
                    x=sel["x"].round(1), y=sel["y"].round(1), mode="markers",
                    marker={"symbol": symbol, "color": colour, "size": 8,
                            "line": {"width": 0.8, "color": "black"}},
                    name=text.channel_label(ch, r.lang), legendgroup=ch,
                    showlegend=not any(tr.legendgroup == ch and tr.showlegend is not False
                                       for tr in fig.data),
                    meta={"role": "site", "scenario": name},
                    hovertext=[f"{i} {esc(nm)}" for i, nm in zip(sel["space_id"],
                                                                sel["space_name"])],
                    hoverinfo="text"), row=row, col=col)
    for k in range(1, n + 1):
        sfx = "" if k == 1 else str(k)
        fig.layout[f"xaxis{sfx}"].update(visible=False, range=[x0, x1], matches="x")
        fig.layout[f"yaxis{sfx}"].update(visible=False, range=[y0, y1], matches="y",
                                         scaleanchor=f"x{sfx}", scaleratio=1)
    fig.update_layout(margin={"l": 5, "r": 5, "t": 40, "b": 5}, dragmode="pan",
                      legend={"title": {"text": r.t("weighted_cov_axis")}})
    return Section("maps", r.w("各情景地图（同一范围与色阶）", "Maps (same extent and scale)"),
                   figure_html(r, fig, height=320 * rows + 60, div_id="maps_fig"))


def _shift(fr: MapFrame, dx: float, dy: float) -> None:
    import shapely

    if dx == 0 and dy == 0:
        return
    for df in (fr.zones, fr.sites, fr.candidates, fr.existing):
        if df is not None and len(df):
            df["x"] = df["x"] + dx
            df["y"] = df["y"] + dy
    fr.cells = {k: shapely.affinity.translate(g, dx, dy) for k, g in fr.cells.items()}
    fr.streets = {k: shapely.affinity.translate(g, dx, dy) for k, g in fr.streets.items()}
    if fr.segments is not None:
        fr.segments = fr.segments + np.array([dx, dy])
    fr.origin = (fr.origin[0] - dx, fr.origin[1] - dy)


def section_changes(r: Report) -> Section | None:
    if r.table is None:
        return None
    from siting.report.workbooks import changes_table

    df = changes_table(r.folder, r.table, r.lang)
    if df.empty:
        return None
    df.columns = [r.t(c) for c in df.columns]
    return Section("changes", r.w(f"各情景较基准「{_base(r)}」的选址变化",
                                  f"Spaces added and dropped vs the base “{_base(r)}”"),
                   table_html(df))


# --------------------------------------------------------------------------------------------
# Sweep sections


def section_sweep_headline(r: Report) -> Section | None:
    sw = r.sweep
    if sw is None:
        return None
    t = sw.table
    counts = t["status"].value_counts().to_dict()
    params = list(sw.spec.get("parameters", {}))
    design = sw.spec.get("design", "grid")
    ok = t[t["status"].isin(OK)]
    names = [text.param_label(p, r.labels, r.lang) for p in params]
    body = para(r.w(
        f"敏感性分析（{esc(design)} 设计）共 {len(t)} 次求解："
        + "，".join(f"{text.pick(text.STATUS, k, r.lang)} {v} 次" for k, v in counts.items())
        + f"。变化的参数：{esc('、'.join(names))}。",
        f"Sweep ({esc(design)} design), {len(t)} runs: "
        + ", ".join(f"{v} {text.pick(text.STATUS, k, r.lang)}" for k, v in counts.items())
        + f". Parameters varied: "
        f"{esc(', '.join(names))}."))
    if len(ok):
        body += para(r.w(
            f"加权覆盖率在 {text.pct(ok['weighted_coverage'].min())} 到 "
            f"{text.pct(ok['weighted_coverage'].max())} 之间。",
            f"Weighted coverage ranges from {text.pct(ok['weighted_coverage'].min())} to "
            f"{text.pct(ok['weighted_coverage'].max())}."))
    return Section("headline", r.w("敏感性分析概要", "Summary"), body)


def section_pareto(r: Report) -> Section | None:
    sw = r.sweep
    if sw is None or "model.budget" not in sw.spec.get("parameters", {}):
        return None
    from siting.sweep import knee

    ok = sw.table[sw.table["status"].isin(OK)].sort_values("model.budget")
    if len(ok) < 2:
        return None
    b = ok["model.budget"].astype(float).to_numpy() / 1e4
    fig = go.Figure()
    for c in [c for c in ok.columns if c.startswith("coverage_")]:
        fig.add_trace(go.Scatter(x=b, y=(100 * ok[c].astype(float)).round(2), mode="lines",
                                 name=r.fn(c[len("coverage_"):]), line={"width": 1.2}))
    front = 100 * ok["weighted_coverage"].astype(float).cummax().to_numpy()
    fig.add_trace(go.Scatter(x=b, y=front.round(2), mode="lines+markers",
                             name=r.t("weighted"), line={"color": "black", "width": 3}))
    k = knee(b, front)
    if k is not None:
        fig.add_annotation(x=b[k], y=front[k], text=f"{r.t('knee')}: {b[k]:,.0f} "
                           f"{r.t('wan')}, {front[k]:.1f}%", showarrow=True, arrowcolor="red",
                           font={"color": "red"})
    fig.update_layout(title=r.t("pareto_title"), xaxis={"title": r.t("budget_axis")},
                      yaxis={"title": r.t("coverage_axis"), "ticksuffix": "%"},
                      hovermode="x unified")
    return Section("pareto", r.w("覆盖率—预算曲线", "Coverage against budget"),
                   figure_html(r, fig, height=480))


def section_tornado(r: Report) -> Section | None:
    sw = r.sweep
    if sw is None or sw.spec.get("design") != "oat":
        return None
    from siting.report.figures import tornado_rows

    ok = sw.table[sw.table["status"].isin(OK)]
    if len(ok) < 2:
        return None
    rows, ref = tornado_rows(ok, list(sw.spec["parameters"]))
    fig = go.Figure()
    names = [text.param_label(p, r.labels, r.lang) for p, _, _ in rows]
    fig.add_trace(go.Bar(y=names, x=[hi - ref for _, _, hi in rows],
                         base=ref, orientation="h", name=r.t("high"), marker_color="#1b9e77"))
    fig.add_trace(go.Bar(y=names, x=[lo - ref for _, lo, _ in rows],
                         base=ref, orientation="h", name=r.t("low"), marker_color="#d95f02"))
    fig.update_layout(barmode="overlay", title=r.t("tornado_title"),
                      xaxis={"title": r.t("tornado_axis")})
    return Section("tornado", r.t("tornado_title"),
                   figure_html(r, fig, height=200 + 50 * len(rows)))


def section_sobol(r: Report) -> Section | None:
    sw = r.sweep
    if sw is None or sw.sobol is None or sw.sobol.empty:
        return None
    d = sw.sobol[sw.sobol["output"] == "weighted_coverage"]
    names = [text.param_label(p, r.labels, r.lang) for p in d["parameter"]]
    fig = go.Figure([go.Bar(y=names, x=d["S1"], orientation="h",
                            name=r.t("sobol_s1")),
                     go.Bar(y=names, x=d["ST"], orientation="h",
                            name=r.t("sobol_st"))])
    fig.update_layout(barmode="group", title=r.t("sobol_title"))
    return Section("sobol", r.t("sobol_title"), figure_html(r, fig, height=200 + 60 * len(d)))


def section_selection(r: Report) -> Section | None:
    sw = r.sweep
    if sw is None or sw.freq is None or sw.freq.empty or not sw.spec.get("base"):
        return None
    from siting.report.figures import sweep_frame

    found = sweep_frame(sw.spec["base"])
    if found is None:
        return None
    frame = found[0]
    share = dict(zip(sw.freq["space_id"].astype(str), sw.freq["share"]))
    c = frame.candidates
    v = c["space_id"].astype(str).map(share).fillna(0.0).to_numpy()
    fig = go.Figure()
    add_context(fig, frame, r)
    never = v == 0
    fig.add_trace(go.Scatter(x=c["x"][never].round(1), y=c["y"][never].round(1),
                             mode="markers", name=r.t("candidate"),
                             marker={"symbol": "x-thin", "size": 7, "color": "#7f7f7f",
                                     "line": {"width": 1.2, "color": "#7f7f7f"}},
                             hovertext=list(c["space_id"][never] + " " + c["name"][never]),
                             hoverinfo="text"))
    fig.add_trace(go.Scatter(
        x=c["x"][~never].round(1), y=c["y"][~never].round(1), mode="markers+text",
        text=[f"{i} {100 * s:.0f}%" for i, s in zip(c["space_id"][~never], v[~never])],
        textposition="top right", textfont={"size": 9}, name=r.t("selection_axis"),
        marker={"size": 11, "color": 100 * v[~never], "colorscale": "Viridis", "cmin": 0,
                "cmax": 100, "line": {"width": 0.8, "color": "black"},
                "colorbar": {"title": {"text": "%"}, "x": 1.02}},
        hovertext=[f"{i} {esc(n)}: {100 * s:.0f}%" for i, n, s in
                   zip(c["space_id"][~never], c["name"][~never], v[~never])],
        hoverinfo="text"))
    x0, y0, x1, y1 = frame.extent()
    fig.update_layout(
        xaxis={"visible": False, "range": [x0, x1]},
        yaxis={"visible": False, "range": [y0, y1], "scaleanchor": "x", "scaleratio": 1},
        shapes=[{"type": "line", "x0": x0, "x1": x0 + 1000, "y0": y0, "y1": y0,
                 "line": {"color": "black", "width": 4}}],
        annotations=[{"x": x0 + 500, "y": y0, "text": "1 km", "showarrow": False,
                      "yshift": 12}], dragmode="pan",
        legend={"orientation": "h", "y": -0.02}, margin={"l": 5, "r": 5, "t": 30, "b": 5})
    return Section("selection", r.t("selection_title"),
                   figure_html(r, fig, height=640, post_script=SCALE_BAR_JS,
                               div_id="selection_fig"))


def section_sweep_table(r: Report) -> Section | None:
    sw = r.sweep
    if sw is None:
        return None
    t = sw.table
    params = list(sw.spec.get("parameters", {}))
    cols = ["run_id", *params, "status", "capex", "n_sites", "weighted_coverage"]
    df = t[[c for c in cols if c in t]].copy()
    if "capex" in df:
        df["capex"] = df["capex"].astype(float) / 1e4
    df["status"] = [text.pick(text.STATUS, v, r.lang) for v in df["status"]]
    df = df.rename(columns={c: text.header(c, r.lang) for c in ("status", "capex", "n_sites",
                                                               "weighted_coverage")})
    df = df.rename(columns={p: text.param_label(p, r.labels, r.lang) for p in params})
    fmt = {text.header("weighted_coverage", r.lang): text.pct}
    return Section("runs", r.w("各次求解", "Runs"), table_html(df, formats=fmt, max_rows=500))


# --------------------------------------------------------------------------------------------
# Alternatives (the decisions issue writes alternatives.csv; its sections plug in here)


def section_alternatives_table(r: Report) -> Section | None:
    f = r.folder / "alternatives.csv"
    if r.kind != "alternatives" or not f.is_file():
        return None
    return Section("alternatives", r.w("备选方案", "Alternatives"), table_html(read_csv(f)))


SECTIONS: dict[str, list[Callable[[Report], Section | None]]] = {
    "plan": [section_headline, section_map, section_sites, section_functions,
             section_by_year, section_shortfalls, section_method],
    "comparison": [section_comparison_headline, section_comparison_table,
                   section_comparison_charts, section_comparison_maps, section_changes],
    "sweep": [section_sweep_headline, section_pareto, section_tornado, section_sobol,
              section_selection, section_sweep_table],
    "alternatives": [section_alternatives_table],
}
"""The sections of each kind of report, in order (see the module docstring)."""

# sections that live in their own modules register themselves (issue 19: funding and budgets)
from siting.report import money as _money  # noqa: E402

_money.register()


# --------------------------------------------------------------------------------------------
# Page

CSS = """
body{font-family:%(font)s;margin:0;color:#1a1a1a;background:#f6f7f9;line-height:1.55}
header{background:#0c2c84;color:white;padding:18px 28px}
header h1{margin:0;font-size:24px} header .sub{opacity:.85;font-size:14px}
nav{background:white;border-bottom:1px solid #ddd;padding:8px 28px;position:sticky;top:0;
 z-index:10;font-size:14px} nav a{margin-right:16px;color:#0c2c84;text-decoration:none}
main{max-width:1180px;margin:0 auto;padding:8px 20px 40px}
section{background:white;border:1px solid #e2e4e8;border-radius:6px;padding:14px 22px;
 margin:16px 0} h2{font-size:19px;margin:4px 0 10px;color:#0c2c84}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:6px 0 12px}
.card{flex:1 1 150px;border:1px solid #dde3ee;border-radius:6px;padding:8px 12px;
 background:#f3f6fb} .card .v{font-size:22px;font-weight:bold;color:#0c2c84}
.card .k{font-size:13px;color:#555}
ul.cols{columns:2;font-size:14px} @media (max-width:800px){ul.cols{columns:1}}
.tablewrap{overflow-x:auto;max-height:560px;overflow-y:auto;border:1px solid #e2e4e8}
table{border-collapse:collapse;font-size:13px;width:100%%}
th{position:sticky;top:0;background:#dde7f0;cursor:pointer;padding:5px 8px;text-align:left;
 white-space:nowrap} th:after{content:" \\2195";color:#889}
td{padding:4px 8px;border-top:1px solid #eee;vertical-align:top} td.num{text-align:right;
 font-variant-numeric:tabular-nums} tr:nth-child(even) td{background:#fafbfc}
.note{color:#666;font-size:13px} footer{color:#777;font-size:12px;text-align:center;
 padding:20px}
@media print{nav{display:none} section{break-inside:avoid;border:none}}
"""

SORT_JS = """
function sortTable(th){var table=th.closest('table'),tb=table.tBodies[0],
 i=Array.prototype.indexOf.call(th.parentNode.children,th),asc=th.dataset.asc!=='1';
 Array.prototype.forEach.call(th.parentNode.children,function(h){delete h.dataset.asc;});
 th.dataset.asc=asc?'1':'0';
 var rows=Array.prototype.slice.call(tb.rows);
 rows.sort(function(a,b){var x=a.cells[i],y=b.cells[i];
  var u=x.dataset.v,v=y.dataset.v;
  var c=(u!==undefined&&v!==undefined)?(parseFloat(u)-parseFloat(v)):
   x.textContent.localeCompare(y.textContent,'zh-CN');
  return asc?c:-c;});
 rows.forEach(function(r){tb.appendChild(r);});}
"""


def plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def _run(section: Callable[[Report], Section | None], r: Report) -> Section | None:
    """One section; one that fails says so in the report (and the log) instead of losing the
    whole report after a long solve."""
    try:
        return section(r)
    except Exception as exc:  # noqa: BLE001
        log.error("report section %s failed: %s: %s", section.__name__, type(exc).__name__,
                  exc)
        what = r.w("本节无法生成", "This section could not be drawn")
        return Section(section.__name__, section.__name__,
                       f'<p class="section-error">{esc(what)}: {esc(type(exc).__name__)}: '
                       f"{esc(exc)}</p>")


def render(folder: str | Path, lang: str = "zh") -> str:
    """The whole report of ``folder`` as one HTML string."""
    folder = Path(folder)
    r = Report(folder, lang, folder_kind(folder))
    sections = [s for f in SECTIONS.get(r.kind, []) if (s := _run(f, r)) is not None]
    title = {"plan": r.w("社区嵌入式服务设施选址方案", "Community service facility plan"),
             "comparison": r.w("情景对比报告", "Scenario comparison"),
             "sweep": r.w("敏感性分析报告", "Sensitivity sweep"),
             "alternatives": r.w("备选方案", "Alternative plans")}[r.kind]
    sub = esc(r.plan.summary["scenario"] + " · " + r.plan.summary.get("description", "")) \
        if r.plan is not None else esc(folder.name)
    nav = "".join(f'<a href="#{s.id}">{esc(s.title)}</a>' for s in sections)
    body = "".join(f'<section id="{s.id}"><h2>{esc(s.title)}</h2>{s.body}</section>'
                   for s in sections)
    foot = r.w(f"由 siting {__version__} 生成 · 本文件离线可用，无需网络",
               f"Made by siting {__version__} · works offline, no network needed")
    return (f'<!DOCTYPE html><html lang="{"zh-CN" if r.zh else "en"}"><head>'
            f'<meta charset="utf-8"><meta name="viewport" content="width=device-width">'
            f"<title>{esc(title)} · {sub}</title><style>{CSS % {'font': FONT_STACK}}</style>"
            f"<script>{plotly_js()}</script><script>{SORT_JS}</script></head><body>"
            f'<header><h1 id="title">{esc(title)}</h1><div class="sub">{sub}</div></header>'
            f"<nav>{nav}</nav><main>{body}</main><footer>{foot}</footer></body></html>")


def dumps(obj) -> str:  # pragma: no cover - helper for sections that embed data
    return json.dumps(obj, ensure_ascii=False)


def _register_plugins() -> None:
    """Sections of other modules (see the module docstring)."""
    from siting.report.decisions import register_sections

    register_sections(SECTIONS)
    from siting.report.equity_html import register

    register()


_register_plugins()
