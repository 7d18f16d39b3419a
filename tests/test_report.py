"""The reporting layer on tiny plan, comparison and sweep folders: the HTML report is offline,
small and in Chinese by default; workbooks carry formats, headers with units, names and the
project register; figures have their labels and legends; and in a real headless Chromium with
the network and WebGL off, each report runs without a script error and its map holds one marker
per chosen site (screenshots saved for a person to look at)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from report_fixtures import write_tiny

from siting.cli import main
from siting.report import text
from siting.report.folder import PlanFolder

pytestmark = pytest.mark.requires_highs
MAX_REPORT_BYTES = 10_000_000


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("report")
    scen = write_tiny(root)
    cmp = root / "cmp"
    assert main(["compare", "--scenarios", str(scen), "--out", str(cmp)]) == 0
    plan = cmp / "tiny"  # a plan folder with its workbook, map and report
    (root / "sweep.yaml").write_text(
        f"base: {scen / 'tiny.yaml'}\nparameters:\n  model.budget: {{values: [3e6, 6e6, 9e6]}}\n",
        encoding="utf-8")
    sweep = root / "sweep"
    assert main(["sweep", str(root / "sweep.yaml"), "--out", str(sweep), "--workers", "0"]) == 0
    return {"plan": plan, "comparison": cmp, "sweep": sweep, "root": root}


def read_html(path: Path) -> str:
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize("kind", ["plan", "comparison", "sweep"])
def test_report_is_self_contained_small_and_svg_only(folders, kind):
    page = folders[kind] / "report.html"
    size = page.stat().st_size
    assert 1_000_000 < size < MAX_REPORT_BYTES  # plotly.js inlined, far below e-mail limits
    html = read_html(page)
    from plotly.offline import get_plotlyjs

    assert get_plotlyjs() in html  # the bundled plotly.js, inlined
    ours = html.replace(get_plotlyjs(), "")
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", ours), "remote resource"
    assert not re.search(r"<script[^>]+src", ours) and "<link" not in ours
    assert "url(http" not in ours and "@import" not in ours
    traces = set(re.findall(r'"type":"(\w+)"', ours.replace('": "', '":"')))
    assert traces & {"scatter", "bar", "heatmap"}
    for webgl in ("scattergl", "mapbox", "scattermap", "heatmapgl", "gl3d", "scatter3d"):
        assert webgl not in ours, webgl  # SVG only: works with WebGL off
    assert "Noto Sans CJK SC" in html and "Microsoft YaHei" in html  # CJK font stack
    assert "section-error" not in ours  # every section drew


def test_plan_report_headline_in_chinese_and_english(folders, tmp_path):
    plan = folders["plan"]
    s = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    html = read_html(plan / "report.html")
    assert f"选用 <b>{s['n_sites']} 处空间</b>" in html
    assert f"{text.wan(s['total_capex'])} 万元" in html
    assert "婴幼儿托位(托育)" in html  # the catalogue's label_zh
    sites = pd.read_csv(plan / "sites.csv", encoding="utf-8-sig")
    for name in sites["space_name"]:
        assert name in html
    out = tmp_path / "en.html"
    assert main(["report", str(plan), "--lang", "en", "--out", str(out)]) == 0
    en = read_html(out)
    assert f"uses <b>{s['n_sites']} spaces</b>" in en and "选用" not in en


def test_sections_skip_themselves_and_appear_with_their_data(folders, tmp_path):
    plan = tmp_path / "plan"
    shutil.copytree(folders["plan"], plan)
    assert "分年度安排" not in read_html(plan / "report.html")  # no phasing: no section
    s = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    sites = pd.read_csv(plan / "sites.csv", encoding="utf-8-sig", dtype={"space_id": str})
    first = sites["space_id"].iloc[0]
    s["by_year"] = [{"year": 2026, "started": [first], "opened": [first], "spend": 1e6,
                     "budget": 2e6, "coverage": {f: 0.1 for f in s["functions"]},
                     "weighted_coverage": 0.1, "targets": []}]
    (plan / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")
    assert main(["report", str(plan)]) == 0
    html = read_html(plan / "report.html")
    assert "分年度安排" in html and f"{first} {sites['space_name'].iloc[0]}" in html


def test_report_of_a_plan_whose_inputs_are_gone(folders, tmp_path, caplog):
    plan = tmp_path / "plan"
    shutil.copytree(folders["plan"], plan)
    s = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    s["resolved_scenario"]["data"]["spaces"] = str(tmp_path / "gone.csv")
    (plan / "summary.json").write_text(json.dumps(s, ensure_ascii=False), encoding="utf-8")
    assert main(["report", str(plan)]) == 0  # e-mailed folder: the map goes without context
    html = read_html(plan / "report.html")
    assert "方案地图" in html and text.t("candidate") not in html
    assert "inputs not readable" in caplog.text


def test_report_of_a_folder_that_is_not_one(tmp_path, capsys):
    assert main(["report", str(tmp_path)]) == 1
    assert "not a folder written by siting" in capsys.readouterr().err


def test_plan_workbook_formats_names_and_register(folders):
    plan = folders["plan"]
    sites = pd.read_csv(plan / "sites.csv", encoding="utf-8-sig")
    s = json.loads((plan / "summary.json").read_text(encoding="utf-8"))
    wb = openpyxl.load_workbook(plan / "plan.xlsx")
    assert "Sheet1" not in wb.sheetnames and "项目清单" in wb.sheetnames
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2", ws.title
        assert ws.auto_filter.ref, ws.title
        # printed: landscape, one page wide, the header row on every page
        assert ws.page_setup.orientation == "landscape", ws.title
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth == 1
        assert ws.print_title_rows in ("1:1", "$1:$1"), ws.title
    over = wb["概要"]
    desc = next(r for r in range(2, over.max_row + 1) if over.cell(r, 1).value == "说明")
    long = len(str(over.cell(desc, 2).value)) * 2 > over.column_dimensions["B"].width
    assert not long or (over.row_dimensions[desc].height or 0) > 15  # wrapped text shows
    keys = [over.cell(r, 1).value for r in range(2, over.max_row + 1)]
    if s.get("equity"):
        assert any(str(k).startswith("最差街道") for k in keys)
        assert "社区覆盖率基尼系数" in keys
    ws = wb["选址方案"]
    head = [c.value for c in ws[1]]
    assert head[:2] == ["空间编号", "空间名称"]  # names next to ids
    cap = head.index("总投资 (万元)") + 1
    cells = [ws.cell(row=i, column=cap) for i in range(2, ws.max_row + 1)]
    assert all(c.number_format == "#,##0.0" for c in cells)
    assert [c.value for c in cells] == pytest.approx(list(sites["capex"] / 1e4))
    assert ws.cell(row=2, column=head.index("渠道" if "渠道" in head else "实施方式") + 1).value \
        in {"补改", "转型", "划转", "配建"}
    assert ws.column_dimensions["B"].width > 12
    zones = wb["社区覆盖"]
    zh = [c.value for c in zones[1]]
    cov = zh.index("加权覆盖率 (%)") + 1
    assert zones.cell(row=2, column=cov).number_format == "0.0%"
    reg = wb["项目清单"]
    rh = [c.value for c in reg[1]]
    for field in ("项目名称", "建设地点", "建设内容及规模", "总投资 (万元)", "资金来源", "建设年限",
                  "责任单位"):
        assert field in rh
    inv = rh.index("总投资 (万元)") + 1
    total = sum(reg.cell(row=i, column=inv).value for i in range(2, reg.max_row + 1))
    assert total == pytest.approx(s["total_capex"] / 1e4)
    content = reg.cell(row=2, column=rh.index("建设内容及规模") + 1).value
    assert "m²" in content and any(ch in content for ch in ("补改", "转型", "划转", "配建"))


def test_workbook_in_english(folders, tmp_path):
    from siting.report import plan_outputs

    plan = tmp_path / "plan"
    shutil.copytree(folders["plan"], plan)
    plan_outputs(plan, "en", make_map=False, report=False)
    wb = openpyxl.load_workbook(plan / "plan.xlsx")
    assert wb.sheetnames[:3] == ["overview", "register", "sites"]
    head = [c.value for c in wb["sites"][1]]
    assert head[:2] == ["Space ID", "Space name"] and "Capital cost (10k CNY)" in head


def test_comparison_workbook_has_one_table_per_sheet(folders):
    wb = openpyxl.load_workbook(folders["comparison"] / "comparison.xlsx")
    assert wb.sheetnames[:3] == ["情景对比", "分功能覆盖率", "分渠道投资"]
    assert "选址变化" in wb.sheetnames
    ch = wb["选址变化"]
    assert [c.value for c in ch[1]] == ["情景", "较基准新增", "较基准减少"]
    assert max(ws.max_column for ws in wb.worksheets) < 25  # no 67-column sheet


def test_plan_map_labels_legend_and_fitted_scale(folders):
    from siting.report.figures import fitted_range, plan_map

    plan = PlanFolder.read(folders["plan"])
    fig = plan_map(plan)
    ax = fig.axes[0]
    labels = {t.get_text() for t in ax.texts}
    assert set(plan.sites["space_name"]) <= labels  # few sites: names
    legends = [t.get_text() for leg in ax.findobj(lambda a: hasattr(a, "get_texts"))
               if hasattr(leg, "legend_handles") for t in leg.get_texts()]
    assert not [t for t in legends if t.endswith("(0)")]  # no empty legend entries
    assert any(t.endswith("m²") for t in legends)  # a size legend
    w = plan.zones["weighted_coverage"]
    from matplotlib.collections import PolyCollection

    cells = [c for c in ax.collections if isinstance(c, PolyCollection) and c.get_array()
             is not None]
    lo, hi = cells[0].get_clim()  # the colour scale hugs the data (rounded out to 5 points)
    assert lo <= w.min() < lo + 0.05 and hi - 0.05 < w.max() <= hi
    assert fitted_range([0.12, 0.43]) == (0.1, 0.45)
    for png in ("map.png",):
        assert (folders["plan"] / png).stat().st_size > 20_000
    for png in ("coverage_by_scenario.png", "capex_by_channel.png", "maps.png"):
        assert (folders["comparison"] / png).stat().st_size > 10_000


# --------------------------------------------------------------------------------------------
# In a real browser

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        pytest.skip("browser tests need Debian's chromium and chromium-driver "
                    "(apt-get install chromium chromium-driver fonts-noto-cjk; .ci/run does)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-webgl",
              "--disable-3d-apis", "--window-size=1280,1600", "--proxy-server=127.0.0.1:9",
              "--host-resolver-rules=MAP * ~NOTFOUND", "--disable-dev-shm-usage"):
        opts.add_argument(a)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.emulateNetworkConditions", {
        "offline": True, "latency": 0, "downloadThroughput": 0, "uploadThroughput": 0})
    yield driver
    driver.quit()


COUNT_SITE_MARKERS = """
var out = {};
document.querySelectorAll('.js-plotly-plot').forEach(function (gd) {
  gd.querySelectorAll('.scatterlayer g.trace').forEach(function (g) {
    var d = g.__data__ && g.__data__[0] && g.__data__[0].trace;
    if (d && d.meta && d.meta.role === 'site') {
      var k = gd.id + ':' + (d.meta.scenario || '');
      out[k] = (out[k] || 0) + g.querySelectorAll('path.point').length;
    }
  });
});
return out;
"""


def open_report(driver, page: Path, shot: Path):
    driver.get(page.as_uri())
    driver.execute_script("return document.readyState")
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 20).until(lambda d: d.execute_script(
        "return document.querySelectorAll('.js-plotly-plot .main-svg').length > 0"))
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    remote = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)"
        ".filter(n => !n.startsWith('file:') && !n.startsWith('data:'))")
    assert not remote, remote
    assert driver.execute_script(
        "return !document.createElement('canvas').getContext('webgl')"), "WebGL is on"
    height = driver.execute_script("return document.body.scrollHeight")
    driver.set_window_size(1280, min(height, 8000))
    driver.save_screenshot(str(shot))
    assert shot.stat().st_size > 50_000


def test_plan_report_in_browser(browser, folders):
    page = folders["plan"] / "report.html"
    open_report(browser, page, folders["plan"] / "report.png")
    n_sites = len(pd.read_csv(folders["plan"] / "sites.csv", encoding="utf-8-sig"))
    assert browser.execute_script(COUNT_SITE_MARKERS) == {"map_fig:": n_sites}
    assert browser.find_element("id", "title").text == "社区嵌入式服务设施选址方案"
    assert "处空间" in browser.find_element("id", "headline").text
    # the function selector restyles the map without an error
    browser.execute_script(
        "var gd=document.getElementById('map_fig');"
        "Plotly.update(gd, gd.layout.updatemenus[0].buttons[1].args[0]);")
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert browser.execute_script(COUNT_SITE_MARKERS) == {"map_fig:": n_sites}
    # clicking a site draws a line to each community it serves
    served, lines = browser.execute_script("""
        var gd = document.getElementById('map_fig');
        var d = gd._fullData.filter(function (t) { return t.meta && t.meta.role === 'site'; })[0];
        gd.emit('plotly_click', {points: [{data: d, x: d.x[0], y: d.y[0],
                                           customdata: d.customdata[0]}]});  // as a click
        return [d.customdata[0].length / 2,
                gd.layout.shapes.filter(function (s) { return s.name === 'served'; }).length];
    """)
    assert served >= 1 and lines == served
    shot = folders["plan"] / "report_click.png"
    browser.find_element("id", "map_fig").screenshot(str(shot))


def test_comparison_and_sweep_reports_in_browser(browser, folders):
    cmp = folders["comparison"]
    open_report(browser, cmp / "report.html", cmp / "report.png")
    got = browser.execute_script(COUNT_SITE_MARKERS)
    want = {f"maps_fig:{name}": len(pd.read_csv(cmp / name / "sites.csv", encoding="utf-8-sig"))
            for name in ("tiny", "tiny_cheap")}
    assert got == want
    assert "对比概要" in browser.find_element("id", "headline").text
    sweep = folders["sweep"]
    open_report(browser, sweep / "report.html", sweep / "report.png")
    assert "敏感性分析" in browser.find_element("id", "title").text
    assert browser.execute_script("return !!document.getElementById('selection_fig')")
