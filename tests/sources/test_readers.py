"""Readers: one delivered file -> all-text Arrow table with the clerk's row numbers.

Each defect of sources.md has a tiny file under tests/fixtures/sources/ (see
make_defect_fixtures.py there) and a test named after it.
"""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest
import xlsxwriter

from sources.contracts import load_contracts
from sources.readers import DeliveryError, cell_text, read_delivery

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
C = load_contracts()


def rows(result) -> list[dict]:
    return result.table.to_pylist()


def test_all_columns_are_text_and_ids_never_numbers():
    result = read_delivery(FIXTURES / "gaj_hjrk_id_quirks.csv", C["gaj_hjrk"])
    for field in result.table.schema:
        assert field.type == (pa.int32() if field.name == "_row" else pa.string()), field
    first = rows(result)[0]
    assert first["household_no"] == "0314523644"  # leading zero kept
    assert first["id_number"] == " 3724 22198001010019"  # as delivered: staging normalises


def test_csv_row_is_the_clerks_line_number():
    result = read_delivery(FIXTURES / "gaj_hjrk_id_quirks.csv", C["gaj_hjrk"])
    assert result.header_row == 1
    assert [r["_row"] for r in rows(result)] == list(range(2, 14))
    assert rows(result)[5]["id_number"] == "3.72422E+17"  # line 7 of the file


def test_gbk_file_not_decodable_is_refused():
    with pytest.raises(DeliveryError) as err:
        read_delivery(FIXTURES / "gaj_hjrk_not_gbk.csv", C["gaj_hjrk"])
    assert isinstance(err.value, ValueError)
    assert "gaj_hjrk_not_gbk.csv" in err.value.reason
    assert "line 3" in err.value.reason


def test_utf8_file_declared_gbk_is_refused_or_unmatched(tmp_path):
    # UTF-8 bytes under a GBK contract: either they do not decode, or the
    # headers come out as mojibake and nothing matches; never a silent success.
    path = tmp_path / "gaj_hjrk_20261101.csv"
    path.write_bytes((FIXTURES / "gaj_hjrk_renamed_id_header.csv").read_bytes().decode("gbk").encode("utf-8"))
    try:
        result = read_delivery(path, C["gaj_hjrk"])
    except DeliveryError:
        return
    assert "id_number" in result.missing_columns


def test_renamed_id_header_alias():
    result = read_delivery(FIXTURES / "gaj_hjrk_renamed_id_header.csv", C["gaj_hjrk"])
    assert result.header_map["身份证号码"] == "id_number"
    assert "id_number" in result.table.column_names
    assert rows(result)[0]["id_number"] == "372422198001010019"


def test_unknown_header_and_dropped_column_reported_as_drift():
    result = read_delivery(FIXTURES / "gaj_hjrk_renamed_id_header.csv", C["gaj_hjrk"])
    assert result.unknown_headers == ["备注"]
    assert result.missing_columns == ["change_date"]
    assert "change_date" not in result.table.column_names


def test_bom_and_spaces_around_headers_tolerated():
    result = read_delivery(FIXTURES / "rsj_jy_bom_and_spaced_headers.csv", C["rsj_jy"])
    assert result.missing_columns == [] and result.unknown_headers == []
    assert rows(result)[0]["id_number"] == "372422198001010019"
    assert rows(result)[1]["monthly_pension"] == "1,200.00"


def test_csv_quoted_line_break_blank_line_and_malformed_row_keep_line_numbers():
    result = read_delivery(FIXTURES / "ybj_js_multiline_blank_and_malformed.csv", C["ybj_js"])
    got = [(r["settlement_no"], r["_row"]) for r in rows(result)]
    # JS1 starts on line 2 and spans line 3; line 4 is blank; JS2 (line 5) has
    # an extra field and is reported, not read; JS3 is on line 6.
    assert got == [("JS1", 2), ("JS3", 6)]
    assert result.malformed_rows == [(5, "14 fields where the header has 13")]
    assert rows(result)[0]["diagnosis"] == "肺炎\n伴发热"


def test_csv_trailing_blank_lines_and_crlf(tmp_path):
    text = "身份证号,姓名,病种,登记日期,管理状态\r\n372422198001010019,张三,高血压,2020-01-01,在管\r\n\r\n\r\n"
    path = tmp_path / "wjw_mb_20261101.csv"
    path.write_bytes(text.encode("gbk"))
    result = read_delivery(path, C["wjw_mb"])
    assert [(r["name"], r["_row"]) for r in rows(result)] == [("张三", 2)]


def test_header_only_csv_gives_no_rows(tmp_path):
    path = tmp_path / "wjw_mb_20261101.csv"
    path.write_bytes("身份证号,姓名,病种,登记日期,管理状态\r\n".encode("gbk"))
    result = read_delivery(path, C["wjw_mb"])
    assert result.rows == 0 and result.missing_columns == []


def test_empty_file_is_refused(tmp_path):
    path = tmp_path / "wjw_mb_20261101.csv"
    path.write_bytes(b"")
    with pytest.raises(DeliveryError, match="empty"):
        read_delivery(path, C["wjw_mb"])


def test_binary_garbage_is_refused():
    with pytest.raises(DeliveryError, match="binary"):
        read_delivery(FIXTURES / "wjw_mb_binary_garbage.csv", C["wjw_mb"])


def test_xlsx_title_row_above_header():
    result = read_delivery(FIXTURES / "mzj_jzdx_title_row_and_footer.xlsx", C["mzj_jzdx"])
    assert result.header_row == 2
    assert result.missing_columns == [] and result.unknown_headers == []
    assert [r["_row"] for r in rows(result)] == [3, 4, 5]


def test_xlsx_footer_rows_dropped():
    result = read_delivery(FIXTURES / "mzj_jzdx_title_row_and_footer.xlsx", C["mzj_jzdx"])
    names = [r["name"] for r in rows(result)]
    assert names == ["张三", "李四", "王五"]  # no blank row, no 合计, no 制表人


def test_xlsx_numbers_become_text_without_losing_digits():
    r = rows(read_delivery(FIXTURES / "mzj_jzdx_title_row_and_footer.xlsx", C["mzj_jzdx"]))
    assert r[1]["monthly_amount"] == "920"          # 920.0
    assert r[1]["start_month"] == "44260"           # an Excel serial stays parseable
    assert r[1]["household_no"] == "314523644"      # the lost zero is staging's to restore
    assert r[2]["monthly_amount"] == "1200.5"
    assert r[2]["start_month"] == "2022-07-01"      # a date cell as ISO text


def test_xlsx_id_stored_as_number_stays_recognisably_mangled():
    r = rows(read_delivery(FIXTURES / "mzj_jzdx_title_row_and_footer.xlsx", C["mzj_jzdx"]))
    assert r[1]["id_number"] == "371426199002150000"  # 15 significant digits, then 000


def test_truncated_xlsx_is_refused():
    with pytest.raises(DeliveryError, match="clh_cjr_truncated.xlsx"):
        read_delivery(FIXTURES / "clh_cjr_truncated.xlsx", C["clh_cjr"])


def test_missing_required_column_is_reported_not_raised():
    result = read_delivery(FIXTURES / "mzj_jzdx_no_benefit_category.xlsx", C["mzj_jzdx"])
    assert result.missing_columns == ["benefit_category"]
    assert result.rows == 2


def test_xlsx_cover_sheet_before_the_data_is_skipped(tmp_path):
    path = tmp_path / "tyjr_yf_20261101.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet("说明").write_string(0, 0, "本表由退役军人事务局提供")
    ws = wb.add_worksheet("名单")
    ws.write_row(0, 0, ["姓名", "身份证号", "优抚类别", "月抚恤金"])
    ws.write_row(1, 0, ["张三", "372422198001010019", "伤残军人", 1500])
    wb.close()
    result = read_delivery(path, C["tyjr_yf"])
    assert rows(result) == [{"name": "张三", "id_number": "372422198001010019", "veteran_category": "伤残军人",
                             "monthly_allowance": "1500", "_row": 2}]


def test_xlsx_header_repeated_on_a_later_page_is_dropped(tmp_path):
    path = tmp_path / "tyjr_yf_20261101.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet()
    header = ["姓名", "身份证号", "优抚类别", "月抚恤金"]
    ws.write_row(0, 0, header)
    ws.write_row(1, 0, ["张三", "372422198001010019", "伤残军人", "1500"])
    ws.write_row(2, 0, header)
    ws.write_row(3, 0, ["李四", "371426199002150020", "烈士遗属", "800"])
    wb.close()
    assert [(r["name"], r["_row"]) for r in rows(read_delivery(path, C["tyjr_yf"]))] == [("张三", 2), ("李四", 4)]


@pytest.mark.parametrize("value, text", [
    ("abc", "abc"), (None, ""), (44260.0, "44260"), (920, "920"), (1200.5, "1200.5"), (0.1 + 0.2, "0.3"),
    (372422198001010000.0, "372422198001010000"), (3.72422e17, "372422000000000000"),
    (dt.date(2021, 3, 5), "2021-03-05"), (dt.datetime(2021, 3, 5), "2021-03-05"),
    (dt.datetime(2021, 3, 5, 8, 30), "2021-03-05 08:30:00"), (True, "TRUE"), (float("nan"), ""),
])
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_unknown_extension_is_refused(tmp_path):
    path = tmp_path / "gaj_hjrk_20261101.txt"
    path.write_text("x")
    with pytest.raises(DeliveryError, match="unsupported"):
        read_delivery(path, C["gaj_hjrk"])
