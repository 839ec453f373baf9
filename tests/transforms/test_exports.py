"""Township worklist files: columns, sheets, masking, isolation, manifest, byte-identical reruns."""
from __future__ import annotations

import csv
import hashlib
import io
import json
import sys
from datetime import date, datetime
from pathlib import Path

import duckdb
import openpyxl
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import (LI_XIUMEI, WANG_JIANGUO, clh, create_ref, create_staging,  # noqa: E402
                              default_divisions, e1_rows, e2_rows, gaj, merge_rows, run_layers)
from transforms.exports import HEADERS, RESULT_WORDS, load_divisions, write_exports  # noqa: E402
from transforms.worklist import item_id, update_worklist_state  # noqa: E402

D1 = date(2026, 3, 15)
EXPECTED_HEADERS = [
    "工单编号", "工单类型", "乡镇街道", "村居", "户号", "姓名", "身份证号", "联系电话", "住址",
    "政策编码", "政策名称", "规则编码", "发现依据", "数据来源", "预估金额(元)", "金额周期",
    "优先级", "派单日期", "办结时限", "核实结果", "核实日期", "协理员备注",
]
SECOND_VILLAGE = "371426105220"


def county_rows():
    """E1 and E2, a second FUC family in another village of 王杲铺镇, and a
    deceased recipient the household register does not know."""
    other = [
        gaj("H8", "赵大山", "372422198001011234", "户主", SECOND_VILLAGE, phone="13612345678"),
        gaj("H8", "钱小花", "372422198202022345", "配偶", SECOND_VILLAGE),
        gaj("H8", "赵小宝", "371426201601013456", "子", SECOND_VILLAGE),
    ]
    return merge_rows(e1_rows(), e2_rows(), {
        "gaj_hjrk": other,
        "clh_cjr": [clh("赵大山", "372422198001011234", "肢体", "二级", date(2019, 1, 1)),
                    clh("钱小花", "372422198202022345", "视力", "一级", date(2019, 1, 1))],
        "bzs_hh": [{"cremation_no": "HH2026009", "name": "外来人", "id_number": "110101194501011234",
                    "death_date": date(2025, 12, 1)}],
        "mzj_jzdx": [{"name": "外来人", "id_number": "110101194501011234", "benefit_category": "高龄津贴",
                      "monthly_amount": 100, "start_month": date(2024, 1, 1)}]
        # as in E1, the parents already receive what their household and certificates open
        + [{"name": name, "id_number": id_number, "benefit_category": category, "monthly_amount": amount,
            "start_month": date(2024, 1, 1)}
           for name, id_number, nursing in (("赵大山", "372422198001011234", 150),
                                            ("钱小花", "372422198202022345", 200))
           for category, amount in (("农村低保", 720), ("困难残疾人生活补贴", 150), ("重度残疾人护理补贴", nursing))],
        # the boy is at school with the aid his household opens (no dropout warning)
        "jtj_xs": [{"student_no": "G8", "id_number": "371426201601013456", "name": "赵小宝",
                    "school_level": "小学", "aid_programme": "义务教育生活补助"}],
    })


def divisions():
    names = {code: d["name"] for code, d in default_divisions().items()}
    names[SECOND_VILLAGE] = "王杲铺村"
    return names


def household_finding(con):
    """A household-target item (as R_DB_INCOME will raise) to check the head is shown."""
    con.execute("""
        INSERT INTO rules.finding VALUES (?, 'review', 'R_DB_INCOME', 'DB_RURAL', 'household', ?, 'H1',
            720.00, 'month', 2, '15wd', '家庭人均收入超过低保标准', '[]', 'fp')
    """, [item_id("review", "R_DB_INCOME", "DB_RURAL", "H1"), LI_XIUMEI])


def run_night(con, rows, run_date, out: Path, names=None, extra=None):
    create_staging(con, rows)
    create_ref(con, run_date)
    run_layers(con, ("core", "labels", "rules"))
    if extra:
        extra(con)
    update_worklist_state(con, run_date)
    return write_exports(con, out, run_date, divisions() if names is None else names)


@pytest.fixture()
def exported(tmp_path):
    con = duckdb.connect()
    out = tmp_path / "exports" / D1.isoformat()
    result = run_night(con, county_rows(), D1, out, extra=household_finding)
    return con, out, result


def read_csv(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))


def test_files_per_township_and_the_county_office(exported):
    _, out, result = exported
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "371426000_县级待分派.csv", "371426000_县级待分派.xlsx",
        "371426103_王庙镇.csv", "371426103_王庙镇.xlsx",
        "371426105_王杲铺镇.csv", "371426105_王杲铺镇.xlsx",
        "manifest.json",
    ]
    assert result["rows"] == 7 and result["dispatched"] == 7 and result["warnings"] == []


def test_columns_and_headers_are_exactly_the_interface(exported):
    _, out, _ = exported
    assert list(HEADERS) == EXPECTED_HEADERS
    with (out / "371426105_王杲铺镇.csv").open(encoding="utf-8-sig", newline="") as fh:
        assert next(csv.reader(fh)) == EXPECTED_HEADERS
    wb = openpyxl.load_workbook(out / "371426105_王杲铺镇.xlsx")
    for ws in wb.worksheets:
        assert [c.value for c in ws[1]] == EXPECTED_HEADERS


def test_one_sheet_per_village_with_frozen_header_filters_and_the_result_drop_down(exported):
    _, out, _ = exported
    wb = openpyxl.load_workbook(out / "371426105_王杲铺镇.xlsx")
    assert wb.sheetnames == ["李庄村", "王杲铺村"]
    result_col = openpyxl.utils.get_column_letter(EXPECTED_HEADERS.index("核实结果") + 1)
    for ws in wb.worksheets:
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:V{ws.max_row}"
        (validation,) = ws.data_validations.dataValidation
        assert validation.type == "list"
        assert validation.formula1 == '"' + ",".join(RESULT_WORDS) + '"'
        cells = f"{result_col}2" + ("" if ws.max_row == 2 else f":{result_col}{ws.max_row}")
        assert str(validation.sqref) == cells
        villages = {ws.cell(row=r, column=4).value for r in range(2, ws.max_row + 1)}
        assert villages == {ws.title}
    assert wb.properties.created == datetime(2026, 3, 15)


def test_rows_carry_masked_ids_and_phones_and_the_clerks_words(exported):
    _, out, _ = exported
    rows = read_csv(out / "371426105_王杲铺镇.csv")
    child = next(r for r in rows if r["姓名"] == "王子涵")
    assert child["身份证号"] == "371426********1039" and child["联系电话"] == "138****1234"
    assert child["工单类型"] == "主动发现" and child["金额周期"] == "月" and child["预估金额(元)"] == "920.00"
    assert child["政策名称"] == "事实无人抚养儿童基本生活费" and child["规则编码"] == "DISCOVER"
    assert child["发现依据"].startswith("父母均持一级残疾证")
    assert "残联 clh_cjr_20260314.xlsx 第2行" in child["数据来源"]
    assert child["派单日期"] == "2026-03-15" and child["办结时限"] == "2026-04-03"
    assert child["核实结果"] == child["核实日期"] == child["协理员备注"] == ""
    text = (out / "371426105_王杲铺镇.csv").read_text(encoding="utf-8-sig")
    assert "371426201506201039" not in text and "13853401234" not in text


def test_a_household_item_shows_the_head(exported):
    _, out, _ = exported
    rows = read_csv(out / "371426105_王杲铺镇.csv")
    (item,) = [r for r in rows if r["规则编码"] == "R_DB_INCOME"]
    assert item["姓名"] == "王建国" and item["身份证号"] == WANG_JIANGUO[:6] + "********" + WANG_JIANGUO[-4:]
    assert item["户号"] == "H1" and item["工单类型"] == "待复核"


def test_rows_are_ordered_by_priority_due_date_then_item_id(exported):
    _, out, _ = exported
    rows = read_csv(out / "371426105_王杲铺镇.csv")
    keys = [(int(r["优先级"]), r["办结时限"], r["工单编号"]) for r in rows]
    assert keys == sorted(keys)


def test_a_township_file_holds_only_its_own_items(exported):
    con, out, _ = exported
    seen = []
    for path in sorted(out.glob("*.csv")):
        code = path.name.split("_")[0]
        rows = read_csv(path)
        expected = {r[0] for r in con.execute(
            "SELECT item_id FROM marts.worklist WHERE to_export AND township_code = ?", [code]).fetchall()}
        assert {r["工单编号"] for r in rows} == expected
        seen += [r["工单编号"] for r in rows]
    assert len(seen) == len(set(seen)) == 7
    county = read_csv(out / "371426000_县级待分派.csv")
    assert [r["乡镇街道"] for r in county] == ["县级待分派"]


def test_manifest_lists_every_file_with_rows_and_sha256(exported):
    _, out, result = exported
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["run_date"] == "2026-03-15" and manifest["files"] == result["files"]
    assert {f["file"] for f in manifest["files"]} == {p.name for p in out.iterdir()} - {"manifest.json"}
    for f in manifest["files"]:
        assert hashlib.sha256((out / f["file"]).read_bytes()).hexdigest() == f["sha256"]
        if f["file"].endswith(".csv"):
            assert len(read_csv(out / f["file"])) == f["rows"]


def test_csv_lines_end_in_crlf_throughout(exported):
    _, out, _ = exported
    raw = (out / "371426105_王杲铺镇.csv").read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") > 1


def test_rerunning_the_night_writes_the_same_bytes(tmp_path):
    con = duckdb.connect()
    first_dir, second_dir = tmp_path / "a", tmp_path / "b"
    run_night(con, county_rows(), D1, first_dir, extra=household_finding)
    run_night(con, county_rows(), D1, second_dir, extra=household_finding)
    first = {p.name: p.read_bytes() for p in first_dir.iterdir()}
    second = {p.name: p.read_bytes() for p in second_dir.iterdir()}
    assert first == second and len(first) == 7


def test_a_later_night_exports_only_new_and_overdue_items_marked(tmp_path):
    con = duckdb.connect()
    run_night(con, e1_rows(), D1, tmp_path / "n1")
    result = run_night(con, e1_rows(), date(2026, 3, 16), tmp_path / "n2")
    assert result["rows"] == 0 and [p.name for p in (tmp_path / "n2").iterdir()] == ["manifest.json"]
    run_night(con, e1_rows(), date(2026, 4, 7), tmp_path / "n3")
    rows = read_csv(tmp_path / "n3" / "371426105_王杲铺镇.csv")
    assert len(rows) == 2 and all(r["发现依据"].startswith("【逾期】父母均") for r in rows)
    assert {r["派单日期"] for r in rows} == {"2026-03-15"} and {r["办结时限"] for r in rows} == {"2026-04-03"}


def test_a_code_missing_from_divisions_is_shown_as_the_code_with_a_warning(tmp_path):
    con = duckdb.connect()
    names = {k: v for k, v in divisions().items() if k not in ("371426105", "371426105213")}
    result = run_night(con, e1_rows(), D1, tmp_path / "x", names=names)
    assert (tmp_path / "x" / "371426105_371426105.xlsx").exists()
    wb = openpyxl.load_workbook(tmp_path / "x" / "371426105_371426105.xlsx")
    assert wb.sheetnames == ["371426105213"]
    assert any("371426105 " in w for w in result["warnings"])
    assert any("371426105213" in w for w in result["warnings"])


def test_sheet_names_are_unique_and_short(tmp_path):
    con = duckdb.connect()
    long_name = "一个名字特别特别特别特别长的村民委员会（社区居民委员会）第一村民小组"
    names = {**divisions(), "371426105213": long_name, SECOND_VILLAGE: long_name}
    run_night(con, county_rows(), D1, tmp_path / "y", names=names)
    wb = openpyxl.load_workbook(tmp_path / "y" / "371426105_王杲铺镇.xlsx")
    assert len(wb.sheetnames) == 2 and len(set(wb.sheetnames)) == 2
    assert all(len(n) <= 31 for n in wb.sheetnames)


def test_divisions_default_to_ref_and_load_from_csv(tmp_path):
    path = tmp_path / "divisions.csv"
    path.write_text("code,name,township_code\n371426105,王杲铺镇,371426105\n371426105213,李庄村,371426105\n",
                    encoding="utf-8")
    assert load_divisions(path) == {"371426105": "王杲铺镇", "371426105213": "李庄村"}
    con = duckdb.connect()
    create_staging(con, e1_rows())
    create_ref(con, D1)
    run_layers(con, ("core", "labels", "rules"))
    update_worklist_state(con, D1)
    result = write_exports(con, tmp_path / "z", D1)
    assert result["warnings"] == [] and (tmp_path / "z" / "371426105_王杲铺镇.xlsx").exists()


def test_a_line_break_inside_a_source_value_does_not_break_the_csv_lines(tmp_path):
    rows = e1_rows()
    rows["gaj_hjrk"][2]["address"] = "平原县王杲铺镇\n李庄村3号"
    con = duckdb.connect()
    run_night(con, rows, D1, tmp_path / "w")
    raw = (tmp_path / "w" / "371426105_王杲铺镇.csv").read_bytes()
    assert raw.count(b"\n") == raw.count(b"\r\n") == 3
    assert "平原县王杲铺镇 李庄村3号" in raw.decode("utf-8-sig")
