"""``siting init DIR``: a ready-to-fill project for a city's own data.

Writes ``city.xlsx`` (sheets for zones, spaces and existing facilities: a header row, a row
describing each column and its unit, data-validation lists for kind, ownership and function,
and an example row), ``scenario.yaml`` pointing at its sheets and at the built-in catalogues,
and a short ``README.md``, in Chinese (``--lang zh``, the default) or English.

The description and example rows start with ``#`` in their first cell: the loader skips such
rows (:data:`siting.data.COMMENT_PREFIX`), so a filled template runs as it is; delete the ``#``
to keep the example row as data.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from siting import aliases, catalogues
from siting.data import COMMENT_PREFIX, OWNERSHIPS, SPACE_KINDS
from siting.exceptions import DataError

# (column, required, description zh, description en, example)
ZONES = [
    ("zone_id", True, "社区唯一编号（文本）", "unique community id (text)", "Z001"),
    ("name", True, "社区名称", "community name", "示例社区"),
    ("street", False, "所属街道（按街道统计标准时需要）", "street (sub-district), for street-level "
     "standards", "示例街道"),
    ("households", True, "常住户数（户）", "resident households", 3000),
    ("population", True, "常住人口（人）", "resident population (persons)", 7500),
    ("pop_0_3", True, "0-3岁婴幼儿人数（人）", "children aged 0-3 (persons)", 150),
    ("pop_60_plus", True, "60岁及以上老年人数（人）", "residents aged 60+ (persons)", 1800),
    ("lon", True, "经度（度；坐标系见 scenario.yaml 的 coordinates）",
     "longitude (degrees; system: coordinates in scenario.yaml)", 120.17),
    ("lat", True, "纬度（度）", "latitude (degrees)", 30.27),
]
SPACES = [
    ("space_id", True, "候选空间唯一编号（文本；不可与现有设施编号重复）",
     "unique space id (text; not also an existing-facility id)", "S001"),
    ("name", True, "名称或地址", "name or address", "示例闲置厂房"),
    ("street", False, "所属街道", "street (sub-district)", "示例街道"),
    ("kind", True, "空间类型（下拉选择）", "kind of space (drop-down list)", "idle_factory"),
    ("ownership", True, "产权性质（下拉选择）", "ownership (drop-down list)", "state"),
    ("floor_area_m2", True, "现有建筑面积（平方米；空地填0）",
     "existing gross floor area (m²; 0 for a vacant parcel)", 800),
    ("buildable_area_m2", False, "可建建筑面积（平方米；仅空地）",
     "buildable floor area (m²; vacant parcels only)", ""),
    ("ground_floor", False, "是否位于首层（是/否）", "on the ground floor (true/false)", True),
    ("own_entrance", False, "是否有独立出入口（是/否）", "has its own entrance (true/false)",
     True),
    ("lon", True, "经度（度）", "longitude (degrees)", 120.171),
    ("lat", True, "纬度（度）", "latitude (degrees)", 30.271),
]
EXISTING = [
    ("facility_id", True, "现有设施唯一编号（文本）", "unique facility id (text)", "E001"),
    ("name", False, "设施名称", "facility name", "示例托育园"),
    ("function", True, "服务功能（下拉选择）", "function (drop-down list)", "childcare"),
    ("capacity", True, "现有规模（按功能单位：托位、床位、座位……）",
     "capacity in the function's unit (slots, beds, seats, ...)", 40),
    ("lon", True, "经度（度）", "longitude (degrees)", 120.169),
    ("lat", True, "纬度（度）", "latitude (degrees)", 30.268),
]
SHEETS = {"zones": ZONES, "spaces": SPACES, "existing": EXISTING}
SHEET_NAMES = {"zh": {"zones": "社区", "spaces": "候选空间", "existing": "现有设施"},
               "en": {"zones": "zones", "spaces": "spaces", "existing": "existing"}}
ZH_HEADER = {"location": {"lon": "经度", "lat": "纬度"}}
FIRST_DATA_ROW = 4
"""Header in row 1, description in row 2, example in row 3, data from row 4."""
LAST_VALIDATED_ROW = 2000


def header(table: str, column: str, lang: str) -> str:
    """The column's header in the template: its first Chinese alias (zh) or its name (en)."""
    if lang == "en":
        return column
    names = {**aliases.COLUMN_ALIASES[table], **aliases.COLUMN_ALIASES["location"]}
    zh = [n for n in names.get(column, ()) if not n.isascii()]
    return zh[0] if zh else column


def _choices(table: str, column: str, lang: str, functions) -> list[str] | None:
    def zh(kind: str, canon: str) -> str:
        return aliases.VALUE_ALIASES[kind][canon][0]

    if column == "kind":
        return [zh("kind", k) if lang == "zh" else k for k in SPACE_KINDS]
    if column == "ownership":
        return [zh("ownership", o) if lang == "zh" else o for o in OWNERSHIPS]
    if column == "function":
        return ([str(v) for v in functions["label_zh"]] if lang == "zh"
                else list(functions["function"]))
    if column in ("ground_floor", "own_entrance"):
        return ["是", "否"] if lang == "zh" else ["true", "false"]
    return None


def _example(table: str, column: str, value, lang: str, functions):
    if column in ("kind", "ownership", "function") and lang == "zh":
        kind = column
        if kind == "function":
            return str(functions.set_index("function").at[value, "label_zh"])
        return aliases.VALUE_ALIASES[kind][value][0]
    if isinstance(value, bool):
        return ("是" if value else "否") if lang == "zh" else str(value).lower()
    return value


def write_workbook(path: Path, lang: str = "zh") -> None:
    """The template workbook (see the module docstring)."""
    import pandas as pd
    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    functions = pd.read_csv(catalogues.path("functions.csv"), encoding="utf-8-sig")
    wb = Workbook()
    wb.remove(wb.active)
    bold, grey = Font(bold=True), Font(italic=True, color="666666")
    fill = PatternFill("solid", fgColor="DDEBF7")
    for table, cols in SHEETS.items():
        ws = wb.create_sheet(SHEET_NAMES[lang][table])
        for n, (col, required, d_zh, d_en, ex) in enumerate(cols, start=1):
            letter = get_column_letter(n)
            h = ws.cell(row=1, column=n, value=header(table, col, lang))
            h.font, h.fill = bold, fill
            h.comment = Comment(f"{col}{' (required)' if required else ' (optional)'}",
                                "siting")
            need = ("必填" if required else "选填") if lang == "zh" else (
                "required" if required else "optional")
            text = f"{d_zh}；{need}" if lang == "zh" else f"{d_en}; {need}"
            if n == 1:
                text = f"{COMMENT_PREFIX} {text}"
            c = ws.cell(row=2, column=n, value=text)
            c.font, c.alignment = grey, Alignment(wrap_text=True, vertical="top")
            value = _example(table, col, ex, lang, functions)
            if n == 1:
                value = f"{COMMENT_PREFIX}{value}"
            ws.cell(row=3, column=n, value=value).font = grey
            ws.column_dimensions[letter].width = max(12, min(30, len(text) + 2))
            choices = _choices(table, col, lang, functions)
            if choices:
                dv = DataValidation(type="list", formula1='"' + ",".join(choices) + '"',
                                    allow_blank=not required, showErrorMessage=True,
                                    errorTitle="siting", error=(
                                        "请从下拉列表中选择" if lang == "zh"
                                        else "choose a value from the list"))
                ws.add_data_validation(dv)
                dv.add(f"{letter}3:{letter}{LAST_VALIDATED_ROW}")
        ws.row_dimensions[2].height = 45
        ws.freeze_panes = "B4"
    wb.save(path)


SCENARIO = {
    "zh": """# {name}：由 siting init 生成。填好 city.xlsx 后运行：
#   siting run {folder}/scenario.yaml --out {folder}/results --verify
name: {qname}
description: "本市社区嵌入式服务设施布局（请修改）"
data:
  zones: {{path: city.xlsx, sheet: 社区}}
  spaces: {{path: city.xlsx, sheet: 候选空间}}
  existing: {{path: city.xlsx, sheet: 现有设施}}
  # 经纬度的坐标系：wgs84（GPS、OpenStreetMap）、gcj02（高德、腾讯地图）、bd09（百度地图），
  # 或 EPSG:<代码> 表示投影坐标 x/y 列（如 EPSG:4549，CGCS2000 高斯-克吕格 120°E 带）
  coordinates: wgs84
  # 功能与渠道目录：默认使用内置目录（siting catalogue --out 目录 可导出副本修改）
model:
  objective: max_coverage
  budget: 20_000_000   # 建设资金（元）
distance:
  method: straight      # 直线距离 × 绕行系数；有路网时改为 network 并给出 network: 路网文件
  detour_factor: 1.3
solver:
  time_limit_s: 120
  mip_rel_gap: 0.001
""",
    "en": """# {name}: written by siting init. Fill in city.xlsx, then run:
#   siting run {folder}/scenario.yaml --out {folder}/results --verify
name: {qname}
description: "Community service facilities for our city (edit me)"
data:
  zones: {{path: city.xlsx, sheet: zones}}
  spaces: {{path: city.xlsx, sheet: spaces}}
  existing: {{path: city.xlsx, sheet: existing}}
  # coordinate system of lon/lat: wgs84 (GPS, OpenStreetMap), gcj02 (Amap, Tencent),
  # bd09 (Baidu), or EPSG:<code> for projected x/y columns (e.g. EPSG:4549)
  coordinates: wgs84
  # functions and channels: the built-in catalogues (siting catalogue --out DIR for copies)
model:
  objective: max_coverage
  budget: 20_000_000   # capital budget, CNY
distance:
  method: straight      # straight line x detour factor; or network with network: streets.gpkg
  detour_factor: 1.3
solver:
  time_limit_s: 120
  mip_rel_gap: 0.001
""",
}

README = {
    "zh": """# {name}

由 `siting init` 生成的空白项目。

1. 打开 `city.xlsx`，在「社区」「候选空间」「现有设施」三个工作表中从第 4 行起填写数据。
   第 1 行是列名，第 2 行说明每列的含义与单位，第 3 行是示例（以 `#` 开头的行不会被读取；
   删除 `#` 即可把示例当作数据）。类型、产权、功能请用下拉列表选择。
2. 在 `scenario.yaml` 中填写建设资金（`model.budget`，元）和经纬度的坐标系
   （`data.coordinates`：高德、腾讯地图为 `gcj02`，百度地图为 `bd09`，GPS 为 `wgs84`）。
3. 运行 `siting run {folder}/scenario.yaml --out {folder}/results --verify`。
   结果在 `results/`：`sites.csv`（选中的空间、渠道与各功能规模）、`plan.xlsx`、`map.png` 等。

数据有问题时，siting 会一次列出所有问题（文件、工作表、行号和原因）。
功能与渠道的参数及其来源见内置目录（`siting catalogue --out 目录` 可导出副本修改）。
""",
    "en": """# {name}

A blank project written by `siting init`.

1. Open `city.xlsx` and fill the sheets zones, spaces and existing from row 4. Row 1 holds the
   column names, row 2 what each column means and its unit, row 3 an example (rows whose first
   cell starts with `#` are not read; delete the `#` to keep the example as data). Pick kind,
   ownership and function from the drop-down lists.
2. In `scenario.yaml`, set the capital budget (`model.budget`, CNY) and the coordinate system of
   the lon/lat (`data.coordinates`: `gcj02` for Amap or Tencent, `bd09` for Baidu, `wgs84` for GPS).
3. Run `siting run {folder}/scenario.yaml --out {folder}/results --verify`. The plan goes to
   `results/`: `sites.csv` (chosen spaces, channels and units per function), `plan.xlsx`,
   `map.png`, ...

If the data have problems, siting lists them all at once (file, sheet, row and what is wrong).
The catalogues of functions and channels, with their sources, are built in
(`siting catalogue --out DIR` writes copies to edit).
""",
}


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


def init_project(folder: str | Path, lang: str = "zh", overwrite: bool = False) -> list[Path]:
    """Write the template project into ``folder``; refuse to overwrite existing files
    unless ``overwrite``. Returns the files written."""
    if lang not in ("zh", "en"):
        raise DataError(f"--lang {lang!r}: use zh or en")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    files = [folder / "city.xlsx", folder / "scenario.yaml", folder / "README.md"]
    clash = [str(f) for f in files if f.exists()]
    if clash and not overwrite:
        raise DataError(f"{', '.join(clash)} already exist(s); not overwritten (use --force)")
    name = folder.resolve().name
    fd, tmp = tempfile.mkstemp(prefix=".city.", suffix=".xlsx", dir=folder)
    os.close(fd)
    try:
        write_workbook(Path(tmp), lang)
        os.replace(tmp, files[0])
    finally:
        Path(tmp).unlink(missing_ok=True)
    qname = json.dumps(name, ensure_ascii=False)
    _atomic_write(files[1], SCENARIO[lang].format(name=name, qname=qname, folder=folder))
    _atomic_write(files[2], README[lang].format(name=name, folder=folder))
    return files
