"""Value parsing macros: every form of sources.md's quirks table, and what is not a value."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import pytest

from transforms.values import value_macros_sql


@pytest.fixture(scope="module")
def con():
    c = duckdb.connect()
    c.execute(value_macros_sql())
    yield c
    c.close()


def evaluate(con, macro: str, values: list):
    rows = con.execute(f"SELECT {macro}(v) FROM unnest($v) WITH ORDINALITY AS t(v, i) ORDER BY i",
                       {"v": values}).fetchall()
    return [r[0] for r in rows]


@pytest.mark.parametrize("raw, expected", [
    (" a ", "a"), ("\u3000张三\u3000", "张三"), ("\ufeff户号", "户号"), ("a b", "a b"),
    ("", None), ("   ", None), ("无", None), (" 无 ", None), ("/", None), ("-", None),
    ("NULL", None), ("null", None), ("N/A", None), (None, None),
    ("无业", "无业"), ("a-b", "a-b"), ("-5", "-5"),
])
def test_clean_missing(con, raw, expected):
    assert evaluate(con, "clean_missing", [raw]) == [expected]


@pytest.mark.parametrize("raw", [
    "2021-03-05", "2021-3-5", "2021/3/5", "2021/03/05", "2021.3.5", "20210305", "2021年3月5日",
    "2021年03月05日", "44260", "44260.0", "44260.5", " 2021-03-05 ", "2021-03-05 00:00:00",
    "2021-03-05 14:30", "２０２１－０３－０５",
])
def test_parse_date_cn_forms(con, raw):
    assert evaluate(con, "parse_date_cn", [raw]) == [date(2021, 3, 5)]


def test_a_four_digit_serial_is_an_old_birth_date_but_a_bare_year_is_no_date(con):
    # Excel writes 1924-11-04 as 9075 in a General cell; 1900..2100 stay years
    assert evaluate(con, "parse_date_cn", ["9075", "2101", "2100", "1950"]) == [
        date(1924, 11, 4), date(1905, 10, 1), None, None]


@pytest.mark.parametrize("raw", ["2021-02-30", "2021-13-01", "abc", "2021", "1-2-3", "12021-03-05", "2021-03",
                                 "", "无", None, "3.72422E+17"])
def test_parse_date_cn_not_a_date(con, raw):
    assert evaluate(con, "parse_date_cn", [raw]) == [None]


@pytest.mark.parametrize("raw", ["2021-03", "202103", "2021/3", "2021/03", "2021年3月", "2021年03月", "2021.3",
                                 "2021-03-05", "20210305", "2021年3月5日", "44260", " 2021-03 "])
def test_parse_yearmonth_cn_forms(con, raw):
    assert evaluate(con, "parse_yearmonth_cn", [raw]) == [date(2021, 3, 1)]


@pytest.mark.parametrize("raw", ["2021-13", "202113", "abc", "2021", "", "-", None])
def test_parse_yearmonth_cn_not_a_month(con, raw):
    assert evaluate(con, "parse_yearmonth_cn", [raw]) == [None]


@pytest.mark.parametrize("raw, expected", [
    ("1,200.00", "1200.00"), ("920元", "920.00"), ("￥920", "920.00"), ("¥920", "920.00"),
    ("920", "920.00"), ("920.5", "920.50"), ("-5.5", "-5.50"), (".5", "0.50"), ("１２００", "1200.00"),
    (" 1 200 ", "1200.00"), ("RMB920", "920.00"), ("1,200.005", "1200.01"),
])
def test_parse_amount_cn_forms(con, raw, expected):
    assert evaluate(con, "parse_amount_cn", [raw]) == [Decimal(expected)]


@pytest.mark.parametrize("raw", ["abc", "920元整", "1.2万", "", "无", None, "1..2"])
def test_parse_amount_cn_not_an_amount(con, raw):
    assert evaluate(con, "parse_amount_cn", [raw]) == [None]


@pytest.mark.parametrize("raw, expected", [
    ("3", 3), ("3.0", 3), ("1,200", 1200), ("2021年", 2021), (" 7 ", 7), ("3人", 3), ("-2", -2),
    ("3.5", None), ("x", None), ("", None), ("-", None), (None, None),
])
def test_parse_integer_cn(con, raw, expected):
    assert evaluate(con, "parse_integer_cn", [raw]) == [expected]


@pytest.mark.parametrize("raw, expected", [
    ("314523644", "0314523644"), ("0314523644", "0314523644"), ("1314523644", "1314523644"),
    ("H123", "H123"), ("无", None), (None, None),
])
def test_pad_digits_restores_leading_zeros_excel_dropped(con, raw, expected):
    rows = con.execute("SELECT pad_digits_cn(?, 10)", [raw]).fetchall()
    assert rows == [(expected,)]


def test_types_are_the_staging_types(con):
    types = con.execute("""
        SELECT typeof(parse_date_cn('2021-03-05')), typeof(parse_yearmonth_cn('2021-03')),
               typeof(parse_amount_cn('1')), typeof(parse_integer_cn('1')), typeof(clean_missing('a'))
    """).fetchall()[0]
    assert types == ("DATE", "DATE", "DECIMAL(14,2)", "INTEGER", "VARCHAR")
