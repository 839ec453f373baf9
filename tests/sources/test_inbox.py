"""The inbox manifest and the lake: what is taken, what waits, what is refused, what is in force."""
from __future__ import annotations

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from sources.home import Home
from sources.inbox import (archive_file, create_lake_views, ingest_inbox, lake_file, sha256_of,
                           stale_sources)
from transforms.id_number import check_digit
from transforms.values import install_staging_macros

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
RUN = date(2026, 11, 5)

GAJ_HEADER = ["户号", "姓名", "公民身份号码", "性别", "民族", "出生日期", "与户主关系", "乡镇街道代码",
              "村居代码", "住址", "联系电话", "人员状态", "变动日期"]
YBJ_HEADER = ["结算单号", "身份证号", "姓名", "就诊类型", "入院日期", "出院日期", "医疗总费用", "基本医保支付",
              "大病保险支付", "医疗救助支付", "个人自付", "主要诊断", "是否大病"]


def person_id(i: int) -> str:
    first17 = f"3724221980{(i // 28) % 12 + 1:02d}{i % 28 + 1:02d}{i % 900 + 11:03d}"
    number = first17 + check_digit(first17)
    assert not number.endswith("000")
    return number


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode(encoding)


def gaj_rows(n: int, start: int = 0, status: str = "正常", ids=None) -> list[list[str]]:
    out = [GAJ_HEADER]
    for i in range(start, start + n):
        idn = ids[i - start] if ids else person_id(i)
        out.append([f"{3140000000 + i // 3:010d}", f"居民{i}", idn, "男", "汉族", "1980-01-01", "户主",
                    "371426102", "371426102201", f"张庄村{i}号", "13800000000", status, ""])
    return out


def ybj_rows(records: list[tuple[str, int, str]]) -> list[list[str]]:
    return [YBJ_HEADER] + [[no, person_id(i), f"居民{i}", "门诊", "2026-11-01", "2026-11-01", cost, "60", "0",
                            "0", "40", "感冒", "否"] for no, i, cost in records]


@pytest.fixture
def home(tmp_path) -> Home:
    h = Home(tmp_path / "home")
    h.inbox.mkdir(parents=True)
    return h


@pytest.fixture(scope="module")
def warehouse_template(tmp_path_factory) -> Path:
    """A warehouse file that already holds the macros (creating them costs ~0.1 s)."""
    path = tmp_path_factory.mktemp("template") / "warehouse.duckdb"
    c = duckdb.connect(str(path))
    install_staging_macros(c)
    c.close()
    return path


@pytest.fixture
def con(warehouse_template, tmp_path):
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(warehouse_template, path)
    c = duckdb.connect(str(path))
    yield c
    c.close()


def drop(home: Home, name: str, data: bytes) -> Path:
    path = home.inbox / name
    path.write_bytes(data)
    return path


def drop_gaj(home: Home, extract: str, n: int = 30, **kw) -> Path:
    return drop(home, f"gaj_hjrk_{extract}.csv", csv_bytes(gaj_rows(n, **kw), "gbk"))


def deliveries(con) -> list[tuple]:
    return con.execute("""SELECT file_name, accepted, reason, rows, delivery_seq FROM meta.delivery
                          ORDER BY run_date, delivery_seq NULLS LAST, file_name""").fetchall()


def lake_rows(con, home: Home, code: str, run_date: date = RUN) -> list[tuple]:
    create_lake_views(con, home, run_date)
    return con.execute(f"SELECT _file, count(*) FROM lake.{code} GROUP BY _file ORDER BY _file").fetchall()


# --- taking files -------------------------------------------------------------------------


def test_accepted_file_goes_to_lake_and_archive(home, con):
    path = drop_gaj(home, "20261101")
    sha = sha256_of(path)
    summary = ingest_inbox(con, home, RUN)
    assert summary.sources["gaj_hjrk"].new == 1 and summary.sources["gaj_hjrk"].rows == 30
    assert deliveries(con) == [("gaj_hjrk_20261101.csv", True, None, 30, 1)]
    assert lake_file(home, "gaj_hjrk", path.name, sha).exists()
    assert archive_file(home, "gaj_hjrk", path.name, sha).read_bytes() == csv_bytes(gaj_rows(30), "gbk")
    assert not path.exists()
    create_lake_views(con, home, RUN)
    got = con.execute("SELECT _file, min(_row), max(_row), min(_extract_date), min(_delivery_seq) "
                      "FROM lake.gaj_hjrk GROUP BY _file").fetchall()
    assert got == [("gaj_hjrk_20261101.csv", 2, 31, date(2026, 11, 1), 1)]


def test_part_file_ignored(home, con):
    drop(home, "gaj_hjrk_20261101.csv.part", csv_bytes(gaj_rows(30), "gbk"))
    summary = ingest_inbox(con, home, RUN)
    assert summary.sources["gaj_hjrk"].partial == 1 and summary.sources["gaj_hjrk"].new == 0
    assert deliveries(con) == []
    assert (home.inbox / "gaj_hjrk_20261101.csv.part").exists()


def test_same_bytes_twice_ingested_once(home, con):
    data = csv_bytes(gaj_rows(30), "gbk")
    drop(home, "gaj_hjrk_20261101.csv", data)
    ingest_inbox(con, home, RUN)
    drop(home, "gaj_hjrk_20261101.csv", data)        # delivered again under its name
    drop(home, "gaj_hjrk_20261102.csv", data)        # and again under another name
    summary = ingest_inbox(con, home, date(2026, 11, 6))
    assert summary.sources["gaj_hjrk"].duplicate == 2 and summary.sources["gaj_hjrk"].new == 0
    assert deliveries(con) == [
        ("gaj_hjrk_20261101.csv", True, None, 30, 1),
        ("gaj_hjrk_20261102.csv", None, "duplicate of gaj_hjrk_20261101.csv (same bytes): not ingested again",
         None, None),
    ]
    assert list(home.inbox.iterdir()) == []
    assert lake_rows(con, home, "gaj_hjrk", date(2026, 11, 6)) == [("gaj_hjrk_20261101.csv", 30)]


def test_changed_bytes_same_name_is_new_delivery(home, con):
    drop_gaj(home, "20261101", n=30)
    ingest_inbox(con, home, RUN)
    drop_gaj(home, "20261101", n=31)
    summary = ingest_inbox(con, home, RUN)
    assert summary.sources["gaj_hjrk"].new == 1
    assert [(d[0], d[1], d[3], d[4]) for d in deliveries(con)] == [
        ("gaj_hjrk_20261101.csv", True, 30, 1), ("gaj_hjrk_20261101.csv", True, 31, 2)]
    create_lake_views(con, home, RUN)
    assert con.execute("SELECT count(*), min(_delivery_seq) FROM lake.gaj_hjrk").fetchall() == [(31, 2)]


def test_rerun_changes_nothing(home, con):
    drop_gaj(home, "20261101")
    ingest_inbox(con, home, RUN)
    before = (deliveries(con), con.execute("SELECT count(*) FROM meta.reject").fetchall())
    summary = ingest_inbox(con, home, RUN)
    assert summary.as_dict()["totals"]["new"] == 0
    assert (deliveries(con), con.execute("SELECT count(*) FROM meta.reject").fetchall()) == before


def test_file_dated_on_or_after_run_date_waits(home, con):
    drop_gaj(home, "20261105")
    summary = ingest_inbox(con, home, RUN)
    assert summary.sources["gaj_hjrk"].waiting == 1 and deliveries(con) == []
    summary = ingest_inbox(con, home, date(2026, 11, 6))
    assert summary.sources["gaj_hjrk"].new == 1


def test_done_marker_honoured(home, con):
    drop_gaj(home, "20261101")
    drop(home, "gaj_hjrk_20261101.csv.done", b"")
    assert ingest_inbox(con, home, RUN).sources["gaj_hjrk"].new == 1
    assert not (home.inbox / "gaj_hjrk_20261101.csv.done").exists()  # archived with its file
    # From now on this source's files wait for their marker.
    drop_gaj(home, "20261102", n=31)
    assert ingest_inbox(con, home, RUN).sources["gaj_hjrk"].waiting == 1
    drop(home, "gaj_hjrk_20261102.csv.done", b"")
    assert ingest_inbox(con, home, RUN).sources["gaj_hjrk"].new == 1


def test_done_marker_not_required_from_sources_that_never_sent_one(home, con):
    drop_gaj(home, "20261101")
    drop(home, "wjw_mb_20261101.csv.done", b"")  # another source's habit
    assert ingest_inbox(con, home, RUN).sources["gaj_hjrk"].new == 1


def test_unknown_file_names_reported_not_crashed_on(home, con):
    drop(home, "低保名单(最终版).xlsx", b"x")
    drop(home, "abc_def_20261101.csv", b"x")
    drop(home, "gaj_hjrk_2026110.csv", b"x")
    (home.feedback).mkdir()
    summary = ingest_inbox(con, home, RUN)
    assert sorted(summary.unknown_files) == ["abc_def_20261101.csv", "gaj_hjrk_2026110.csv", "低保名单(最终版).xlsx"]
    assert deliveries(con) == []


# --- wrong deliveries ---------------------------------------------------------------------


def test_unparseable_file_quarantined(home, con):
    shutil.copy(FIXTURES / "clh_cjr_truncated.xlsx", home.inbox / "clh_cjr_20261101.xlsx")
    summary = ingest_inbox(con, home, RUN)
    assert summary.sources["clh_cjr"].quarantined == 1
    (name, accepted, reason, rows, _), = deliveries(con)
    assert (name, accepted, rows) == ("clh_cjr_20261101.xlsx", False, None)
    assert reason == "not a readable xlsx file (ZipError)"
    assert (home.quarantine / RUN.isoformat() / "clh_cjr_20261101.xlsx").exists()
    assert lake_rows(con, home, "clh_cjr") == []


def test_gbk_file_not_decodable_quarantined_with_line(home, con):
    shutil.copy(FIXTURES / "gaj_hjrk_not_gbk.csv", home.inbox / "gaj_hjrk_20261101.csv")
    ingest_inbox(con, home, RUN)
    assert deliveries(con)[0][1:3] == (False, "not valid gbk at line 3")


def test_missing_required_column_quarantined(home, con):
    shutil.copy(FIXTURES / "mzj_jzdx_no_benefit_category.xlsx", home.inbox / "mzj_jzdx_20261101.xlsx")
    summary = ingest_inbox(con, home, RUN)
    assert deliveries(con)[0][1:3] == (False, "required column missing: 救助类别 (benefit_category)")
    assert summary.sources["mzj_jzdx"].missing_columns == ["benefit_category"]


def test_shrunk_snapshot_quarantined_and_last_one_stays_in_force(home, con):
    drop_gaj(home, "20261101", n=30)
    ingest_inbox(con, home, date(2026, 11, 2))
    drop_gaj(home, "20261102", n=19)   # lost more than a third
    summary = ingest_inbox(con, home, RUN)
    assert summary.sources["gaj_hjrk"].quarantined == 1
    assert deliveries(con)[1][1:3] == (
        False, "snapshot shrank from 30 to 19 rows (more than a third) against gaj_hjrk_20261101.csv")
    assert lake_rows(con, home, "gaj_hjrk") == [("gaj_hjrk_20261101.csv", 30)]
    drop_gaj(home, "20261103", n=21)   # a third less is still fine
    ingest_inbox(con, home, RUN)
    assert lake_rows(con, home, "gaj_hjrk") == [("gaj_hjrk_20261103.csv", 21)]


def test_too_many_invalid_ids_quarantined(home, con):
    ids = [person_id(i) for i in range(40)]
    for i in range(0, 12, 3):  # 4 of 40 = 10% with a wrong check digit
        ids[i] = ids[i][:-1] + ("0" if ids[i][-1] != "0" else "1")
    drop_gaj(home, "20261101", n=40, ids=ids)
    ingest_inbox(con, home, RUN)
    assert deliveries(con)[0][1:3] == (
        False, "4 of 40 ID numbers unusable after normalising (10%, limit 5%)")


def test_a_few_invalid_ids_are_rejected_rows_not_a_wrong_delivery(home, con):
    ids = [person_id(i) for i in range(40)]
    ids[5] = ids[5][:-1] + ("0" if ids[5][-1] != "0" else "1")
    ids[9] = "3.72422E+17"
    drop_gaj(home, "20261101", n=40, ids=ids)
    ingest_inbox(con, home, RUN)
    assert deliveries(con)[0][1] is True
    rejects = con.execute('SELECT "row", "column", value_kind, reason FROM meta.reject ORDER BY "row"').fetchall()
    assert rejects == [
        (7, "公民身份号码", "wrong_check_digit", "ID number check digit does not fit"),
        (11, "公民身份号码", "id_mangled_by_excel",
         "ID number mangled by Excel (scientific notation or last digits lost)"),
    ]
    assert con.execute("SELECT rows_rejected FROM meta.delivery").fetchall() == [(2,)]


def test_rejects_name_bad_values_but_never_an_id_number(home, con, monkeypatch):
    # The fixture is damaged on purpose beyond the 5% limit; relax it to see the rows.
    import sources.inbox as inbox
    monkeypatch.setattr(inbox, "INVALID_ID_SHARE", 1.0)
    shutil.copy(FIXTURES / "gaj_hjrk_id_quirks.csv", home.inbox / "gaj_hjrk_20261101.csv")
    ingest_inbox(con, home, RUN)
    rejects = con.execute('SELECT "row", "column", value_kind, reason FROM meta.reject ORDER BY "row", "column"'
                          ).fetchall()
    assert rejects == [
        (7, "公民身份号码", "id_mangled_by_excel", "ID number mangled by Excel (scientific notation or last digits lost)"),
        (8, "公民身份号码", "id_mangled_by_excel", "ID number mangled by Excel (scientific notation or last digits lost)"),
        (9, "公民身份号码", "wrong_check_digit", "ID number check digit does not fit"),
        (10, "公民身份号码", "missing", "ID number missing"),
        (11, "人员状态", "not_in_list", "value '在册' is not one of 正常/死亡/迁出/注销"),
        (11, "性别", "not_in_list", "value '未知' is not one of 男/女"),
        (12, "人员状态", "not_in_list", "value '在册' is not one of 正常/死亡/迁出/注销"),
        (12, "性别", "not_in_list", "value '未知' is not one of 男/女"),
        (13, "出生日期", "unparseable_date", "not a date: '1955-13-45'"),
    ]
    reasons = " ".join(r[3] for r in rejects)
    assert "3724" not in reasons and "3714" not in reasons


def test_new_values_of_open_lists_reported_as_drift(home, con):
    header = ["号牌号码", "所有人", "所有人证件号", "车辆类型", "初次登记日期", "状态"]
    data = [header] + [[f"鲁N{i:05d}", f"居民{i}", person_id(i), "电动三轮" if i == 0 else "小型轿车",
                        "2020-01-01", "正常"] for i in range(5)]
    drop(home, "cgs_cl_20261101.csv", csv_bytes(data, "gbk"))
    summary = ingest_inbox(con, home, RUN)
    assert summary.sources["cgs_cl"].new_values == {"vehicle_type": ["电动三轮"]}
    assert con.execute("SELECT count(*) FROM meta.reject").fetchall() == [(0,)]
    assert summary.drift == {"cgs_cl": {"unknown_headers": [], "missing_columns": [], "renamed_headers": [],
                                        "new_values": {"vehicle_type": ["电动三轮"]}}}


# --- what is in force ---------------------------------------------------------------------


def test_older_late_snapshot_not_in_force(home, con):
    drop_gaj(home, "20261103", n=30)
    ingest_inbox(con, home, RUN)
    drop_gaj(home, "20261101", n=29)   # arrives after a newer one
    summary = ingest_inbox(con, home, RUN)
    assert summary.sources["gaj_hjrk"].late == 1
    assert deliveries(con)[1][:3] == (
        "gaj_hjrk_20261101.csv", True, "late: older than the snapshot in force (gaj_hjrk_20261103.csv); "
                                       "recorded, not in force")
    assert lake_rows(con, home, "gaj_hjrk") == [("gaj_hjrk_20261103.csv", 30)]


def test_rerun_of_an_old_night_sees_what_that_night_saw(home, con):
    drop_gaj(home, "20261101", n=30)
    ingest_inbox(con, home, date(2026, 11, 2))
    drop_gaj(home, "20261102", n=31)
    ingest_inbox(con, home, date(2026, 11, 3))
    assert lake_rows(con, home, "gaj_hjrk", date(2026, 11, 3)) == [("gaj_hjrk_20261102.csv", 31)]
    assert lake_rows(con, home, "gaj_hjrk", date(2026, 11, 2)) == [("gaj_hjrk_20261101.csv", 30)]


def test_increments_accumulate(home, con):
    drop(home, "ybj_js_20261101.csv", csv_bytes(ybj_rows([("JS1", 1, "100"), ("JS2", 2, "100")]), "utf-8"))
    drop(home, "ybj_js_20261102.csv", csv_bytes(ybj_rows([("JS2", 2, "150"), ("JS3", 3, "100")]), "utf-8"))
    ingest_inbox(con, home, RUN)
    assert lake_rows(con, home, "ybj_js") == [("ybj_js_20261101.csv", 2), ("ybj_js_20261102.csv", 2)]


def test_source_without_delivery_has_an_empty_view_with_all_columns(home, con):
    create_lake_views(con, home, RUN)
    cols = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                       "WHERE table_schema = 'lake' AND table_name = 'fy_sxr' ORDER BY ordinal_position").fetchall()
    assert cols == [("case_no", "VARCHAR"), ("name", "VARCHAR"), ("id_number", "VARCHAR"),
                    ("filed_date", "VARCHAR"), ("performance", "VARCHAR"), ("_file", "VARCHAR"),
                    ("_row", "INTEGER"), ("_extract_date", "DATE"), ("_delivery_seq", "INTEGER")]
    assert con.execute("SELECT count(*) FROM lake.fy_sxr").fetchall() == [(0,)]


def test_lake_view_gives_null_for_a_column_the_file_lacked(home, con):
    shutil.copy(FIXTURES / "gaj_hjrk_renamed_id_header.csv", home.inbox / "gaj_hjrk_20261101.csv")
    ingest_inbox(con, home, RUN)
    create_lake_views(con, home, RUN)
    got = con.execute("SELECT id_number, change_date, _row FROM lake.gaj_hjrk ORDER BY _row").fetchall()
    assert got == [("372422198001010019", None, 2), ("371426199002150020", None, 3)]


def test_stale_sources(home, con):
    drop_gaj(home, "20261101")
    ingest_inbox(con, home, date(2026, 11, 2))
    stale = dict(stale_sources(con, date(2026, 11, 8)))
    assert "gaj_hjrk" not in stale and stale["wjw_mb"] is None
    stale = dict(stale_sources(con, date(2026, 11, 9)))   # 8 days > 7
    assert stale["gaj_hjrk"] == date(2026, 11, 1)
    summary = ingest_inbox(con, home, date(2026, 11, 9))
    assert "gaj_hjrk" in summary.as_dict()["stale"]
    assert con.execute("SELECT value FROM meta.stale_source WHERE source_code = 'gaj_hjrk'").fetchall() == [
        ("gaj_hjrk (newest 2026-11-01)",)]


# --- robustness ---------------------------------------------------------------------------


def test_a_night_that_failed_to_publish_is_repaired_by_the_next(home, tmp_path):
    drop_gaj(home, "20261101")
    shutil.copy(FIXTURES / "clh_cjr_truncated.xlsx", home.inbox / "clh_cjr_20261101.xlsx")
    lost = duckdb.connect()            # this night's warehouse is never published
    ingest_inbox(lost, home, RUN)
    lost.close()
    assert list(home.inbox.iterdir()) == []
    con = duckdb.connect()             # the next run starts from the old meta (none)
    summary = ingest_inbox(con, home, RUN)
    assert summary.sources["gaj_hjrk"].new == 1 and summary.sources["clh_cjr"].quarantined == 1
    assert [(d[0], d[1]) for d in deliveries(con)] == [("clh_cjr_20261101.xlsx", False),
                                                      ("gaj_hjrk_20261101.csv", True)]
    assert lake_rows(con, home, "gaj_hjrk") == [("gaj_hjrk_20261101.csv", 30)]


def test_summary_holds_no_personal_data(home, con):
    shutil.copy(FIXTURES / "gaj_hjrk_id_quirks.csv", home.inbox / "gaj_hjrk_20261101.csv")
    text = str(ingest_inbox(con, home, RUN).as_dict())
    assert "372422" not in text and "张三" not in text


def test_renamed_id_header_reported_as_drift(home, con):
    rows = gaj_rows(30)
    rows[0] = ["身份证号码" if h == "公民身份号码" else h for h in rows[0]]
    drop(home, "gaj_hjrk_20261101.csv", csv_bytes(rows, "gbk"))
    summary = ingest_inbox(con, home, RUN)
    assert summary.sources["gaj_hjrk"].new == 1  # kept going with what it could
    assert summary.drift["gaj_hjrk"]["renamed_headers"] == ["身份证号码 -> 公民身份号码"]
    stored = con.execute("SELECT renamed_headers FROM meta.delivery").fetchone()[0]
    assert "身份证号码 -> 公民身份号码" in stored


def test_delivery_manifest_of_an_older_warehouse_gains_the_drift_column(home, con):
    con.execute("CREATE SCHEMA meta")
    con.execute("""CREATE TABLE meta.delivery (source_code VARCHAR, file_name VARCHAR, sha256 VARCHAR,
        extract_date DATE, run_date DATE, rows INTEGER, rows_rejected INTEGER, accepted BOOLEAN, reason VARCHAR,
        lake_path VARCHAR, delivery_seq INTEGER, unknown_headers VARCHAR, missing_columns VARCHAR)""")
    drop_gaj(home, "20261101")
    ingest_inbox(con, home, RUN)
    assert [r[0] for r in deliveries(con)] == ["gaj_hjrk_20261101.csv"]
