"""Staging models on in-memory DuckDB over tiny lake tables."""
from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from sources.contracts import load_contracts
from sources.home import Home
from sources.inbox import create_lake_views, ingest_inbox
from transforms.values import STAGING_DIR, staging_macros_sql, staging_model_sql

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sources"
CONTRACTS = load_contracts()
LAKE_META = ("_file", "_row", "_extract_date", "_delivery_seq")


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute(staging_macros_sql())
    c.execute("CREATE SCHEMA lake; CREATE SCHEMA staging")
    yield c
    c.close()


def lake_table(con, code: str, rows: list[dict]) -> None:
    """lake.<code> as create_lake_views makes it: every canonical column as text + lineage."""
    names = CONTRACTS[code].names
    cols = ", ".join(f'"{n}" VARCHAR' for n in names)
    con.execute(f"CREATE OR REPLACE TABLE lake.{code} ({cols}, _file VARCHAR, _row INTEGER, "
                f"_extract_date DATE, _delivery_seq INTEGER)")
    for r in rows:
        values = [r.get(n) for n in names] + [r.get("_file", f"{code}_20261101.csv"), r.get("_row", 2),
                                                r.get("_extract_date", date(2026, 11, 1)), r.get("_delivery_seq", 1)]
        con.execute(f"INSERT INTO lake.{code} VALUES ({', '.join('?' * len(values))})", values)


def build(con, code: str) -> list[dict]:
    sql = (STAGING_DIR / f"stg_{code}.sql").read_text(encoding="utf-8")
    con.execute(f"CREATE OR REPLACE TABLE staging.stg_{code} AS {sql}")
    cur = con.execute(f"SELECT * FROM staging.stg_{code} ORDER BY _extract_date, _row")
    names = [d[0] for d in cur.description]
    return [dict(zip(names, r)) for r in cur.fetchall()]


A = "372422198001010019"
B = "371426199002150020"


def test_staging_models_match_the_contracts():
    # The 20 files are generated from the contracts (`python -m transforms.values`).
    for code, contract in CONTRACTS.items():
        path = STAGING_DIR / f"stg_{code}.sql"
        assert path.read_text(encoding="utf-8") == staging_model_sql(contract), f"regenerate {path.name}"
    assert sorted(p.stem for p in STAGING_DIR.glob("*.sql")) == sorted(f"stg_{c}" for c in CONTRACTS)


def test_every_model_builds_on_empty_lake_views_with_the_documented_columns(tmp_path, con):
    create_lake_views(con, Home(tmp_path), date(2026, 11, 5))
    sql_types = {"text": "VARCHAR", "id_number": "VARCHAR", "date": "DATE", "yearmonth": "DATE",
                 "amount": "DECIMAL(14,2)", "integer": "INTEGER"}
    for code, contract in CONTRACTS.items():
        build(con, code)
        got = con.execute("SELECT column_name, data_type FROM information_schema.columns WHERE "
                          "table_schema = 'staging' AND table_name = ? ORDER BY ordinal_position",
                          [f"stg_{code}"]).fetchall()
        expected = []
        for col in contract.columns:
            expected.append((col.name, sql_types[col.type]))
            if col.type == "id_number":
                expected += [("id_number_raw", "VARCHAR"), ("id_issue", "VARCHAR"), ("id_link_method", "VARCHAR")]
        expected += [("_source", "VARCHAR"), ("_file", "VARCHAR"), ("_row", "INTEGER"), ("_extract_date", "DATE")]
        assert got == expected, code


def test_stg_gaj_hjrk_trims_types_and_normalises(con):
    lake_table(con, "gaj_hjrk", [
        {"household_no": " 0314523644 ", "name": "张三\u3000", "id_number": " 3724 22198001010019",
         "sex": "男", "birth_date": "1980/1/1", "status": "正常", "change_date": "无", "phone": "-", "_row": 2},
        {"household_no": "0314523644", "name": "李四", "id_number": "３７１４２６１９９００２１５００２０",
         "sex": "女", "birth_date": "32919", "status": "正常", "change_date": "2026年10月3日", "_row": 3},
    ])
    rows = build(con, "gaj_hjrk")
    assert [(r["household_no"], r["name"], r["id_number"], r["id_number_raw"], r["id_issue"], r["birth_date"],
             r["change_date"], r["phone"], r["_source"], r["_row"]) for r in rows] == [
        ("0314523644", "张三", A, " 3724 22198001010019", None, date(1980, 1, 1), None, None, "gaj_hjrk", 2),
        ("0314523644", "李四", B, "３７１４２６１９９００２１５００２０", None, date(1990, 2, 15),
         date(2026, 10, 3), None, "gaj_hjrk", 3),
    ]


def test_rows_with_unusable_ids_stay_with_id_number_null(con):
    lake_table(con, "gaj_hjrk", [
        {"id_number": "3.72422E+17", "name": "甲", "_row": 2},
        {"id_number": A[:-1] + "8", "name": "乙", "_row": 3},
        {"id_number": "无", "name": "丙", "_row": 4},
        {"id_number": A, "name": "丁", "_row": 5},
    ])
    rows = build(con, "gaj_hjrk")
    assert [(r["name"], r["id_number"], r["id_issue"]) for r in rows] == [
        ("甲", None, "id_mangled_by_excel"), ("乙", None, "wrong_check_digit"), ("丙", None, "missing"), ("丁", A, None)]


def test_the_same_person_twice_in_one_file_is_one_row_the_last(con):
    lake_table(con, "gaj_hjrk", [
        {"id_number": A, "name": "张三", "phone": "13800000001", "_row": 2},
        {"id_number": "'" + A, "name": "张三", "phone": "13800000002", "_row": 3},
        {"id_number": B, "name": "李四", "_row": 4},
    ])
    rows = build(con, "gaj_hjrk")
    assert [(r["id_number"], r["phone"], r["_row"]) for r in rows] == [(A, "13800000002", 3), (B, None, 4)]


def test_increment_latest_delivery_wins(con):
    lake_table(con, "ybj_js", [
        {"settlement_no": "JS1", "id_number": A, "total_cost": "100", "_file": "ybj_js_20261101.csv", "_row": 2,
         "_extract_date": date(2026, 11, 1), "_delivery_seq": 1},
        {"settlement_no": "JS2", "id_number": A, "total_cost": "200", "_file": "ybj_js_20261101.csv", "_row": 3,
         "_extract_date": date(2026, 11, 1), "_delivery_seq": 1},
        {"settlement_no": "JS2", "id_number": A, "total_cost": "1,250.50", "_file": "ybj_js_20261102.csv",
         "_row": 2, "_extract_date": date(2026, 11, 2), "_delivery_seq": 2},
        # the same extract delivered again with new bytes: the later delivery wins
        {"settlement_no": "JS1", "id_number": A, "total_cost": "101元", "_file": "ybj_js_20261101.csv", "_row": 2,
         "_extract_date": date(2026, 11, 1), "_delivery_seq": 3},
    ])
    rows = build(con, "ybj_js")
    assert sorted((r["settlement_no"], r["total_cost"], r["_file"]) for r in rows) == [
        ("JS1", Decimal("101.00"), "ybj_js_20261101.csv"), ("JS2", Decimal("1250.50"), "ybj_js_20261102.csv")]


def test_composite_record_key_keeps_each_benefit(con):
    lake_table(con, "mzj_jzdx", [
        {"id_number": A, "benefit_category": "农村低保", "monthly_amount": "￥920", "start_month": "202103",
         "household_no": "314523644", "_row": 3},
        {"id_number": A, "benefit_category": "高龄津贴", "monthly_amount": "100", "start_month": "2021年3月",
         "household_no": "0314523644", "_row": 4},
        {"id_number": A, "benefit_category": "农村低保", "monthly_amount": "920", "start_month": "2021/3",
         "household_no": "0314523644", "_row": 5},
    ])
    rows = build(con, "mzj_jzdx")
    assert [(r["benefit_category"], r["monthly_amount"], r["start_month"], r["household_no"], r["_row"])
            for r in rows] == [
        ("高龄津贴", Decimal("100.00"), date(2021, 3, 1), "0314523644", 4),
        ("农村低保", Decimal("920.00"), date(2021, 3, 1), "0314523644", 5)]


def test_typed_record_key_parts_compare_as_values(con):
    lake_table(con, "swj_sr", [
        {"id_number": A, "tax_year": "2025", "income": "50000", "_row": 2},
        {"id_number": A, "tax_year": "2025年", "income": "52,000.00", "_row": 3},
        {"id_number": A, "tax_year": "2024", "income": "48000", "_row": 4},
    ])
    rows = build(con, "swj_sr")
    assert [(r["tax_year"], r["income"]) for r in rows] == [(2025, Decimal("52000.00")), (2024, Decimal("48000.00"))]


def test_from_the_inbox_to_staging(tmp_path, con):
    home = Home(tmp_path / "home")
    home.inbox.mkdir(parents=True)
    shutil.copy(FIXTURES / "mzj_jzdx_title_row_and_footer.xlsx", home.inbox / "mzj_jzdx_20261101.xlsx")
    ingest_inbox(con, home, date(2026, 11, 5))
    create_lake_views(con, home, date(2026, 11, 5))
    rows = build(con, "mzj_jzdx")
    assert [(r["name"], r["id_number"], r["id_issue"], r["monthly_amount"], r["start_month"], r["household_no"],
             r["_row"]) for r in rows] == [
        ("张三", A, None, Decimal("920.00"), date(2021, 3, 1), "0314523644", 3),
        ("李四", None, "id_mangled_by_excel", Decimal("920.00"), date(2021, 3, 1), "0314523644", 4),
        ("王五", "371426201006300030", None, Decimal("1200.50"), date(2022, 7, 1), "0314523645", 5),
    ]
