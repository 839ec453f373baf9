"""ID numbers: the DuckDB macros (through `normalise_id_numbers`) against python-stdnum.

stdnum's `cn.ric` is the oracle for the check digit and the birth date; its
`is_valid` is deliberately not the rule (it rejects region codes that changed,
which the county's own people carry).
"""
from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from stdnum.cn import ric

from transforms.id_number import (ID_ISSUES, PROVINCE_CODES, check_digit, id_number_macros_sql,
                                  normalise_id_numbers)

AS_OF = date(2026, 11, 1)
FULLWIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")


def one(raw: str | None, as_of: date | None = AS_OF) -> tuple[str | None, str | None]:
    return normalise_id_numbers([raw], as_of)[0]


def make_id(region: str, born: date, seq: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


regions = st.builds(lambda p, rest: p + rest, st.sampled_from(PROVINCE_CODES),
                    st.from_regex(r"[0-9]{4}", fullmatch=True))
births = st.dates(min_value=date(1900, 1, 1), max_value=AS_OF)
sequences = st.integers(min_value=1, max_value=999)


@st.composite
def valid_ids(draw) -> str:
    number = make_id(draw(regions), draw(births), draw(sequences))
    assume(not number.endswith("000"))  # read as Excel damage by rule
    return number


# --- properties, stdnum as the oracle ------------------------------------------------------


@given(st.from_regex(r"[0-9]{17}", fullmatch=True))
def test_check_digit_matches_stdnum(first17):
    assert check_digit(first17) == ric.calc_check_digit(first17 + "0")


@settings(max_examples=20, deadline=None)
@given(st.lists(valid_ids(), min_size=1, max_size=60))
def test_valid_ids_pass_unchanged_and_agree_with_stdnum(numbers):
    for number, (normalised, issue) in zip(numbers, normalise_id_numbers(numbers, AS_OF)):
        assert issue is None
        assert normalised == number
        assert normalised[-1] == ric.calc_check_digit(normalised)
        assert ric.get_birth_date(normalised).isoformat() == (
            f"{normalised[6:10]}-{normalised[10:12]}-{normalised[12:14]}")


legacy_parts = st.tuples(regions, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), sequences)


@settings(max_examples=20, deadline=None)
@given(st.lists(legacy_parts, min_size=1, max_size=60))
def test_legacy_15_digit_upgrade_matches_stdnum(parts):
    legacy = [f"{region}{born:%y%m%d}{seq:03d}" for region, born, seq in parts]
    for (region, born, seq), (normalised, issue) in zip(parts, normalise_id_numbers(legacy, AS_OF)):
        expected17 = f"{region}{born:%Y%m%d}{seq:03d}"
        expected = expected17 + ric.calc_check_digit(expected17 + "0")
        if expected.endswith("000"):
            assert issue == "id_mangled_by_excel"
            continue
        assert (normalised, issue) == (expected, None)
        assert ric.get_birth_date(normalised) == born


single_digit_errors = st.tuples(valid_ids(), st.integers(min_value=0, max_value=16),
                                st.integers(min_value=1, max_value=9))


@settings(max_examples=20, deadline=None)
@given(st.lists(single_digit_errors, min_size=1, max_size=60))
def test_any_single_digit_error_is_caught(errors):
    changed = [n[:p] + str((int(n[p]) + d) % 10) + n[p + 1:] for n, p, d in errors]
    for normalised, issue in normalise_id_numbers(changed, AS_OF):
        assert normalised is None
        assert issue in ID_ISSUES and issue != "missing"


FORMS = {
    "spaces": lambda n: " " + n[:6] + " " + n[6:14] + " " + n[14:] + " ",
    "fullwidth": lambda n: n.translate(FULLWIDTH),
    "apostrophe": lambda n: "'" + n,
    "lower": lambda n: n.lower(),
    "ideographic_space": lambda n: "\u3000" + n + "\u3000",
}


@settings(max_examples=20, deadline=None)
@given(st.lists(st.tuples(valid_ids(), st.sampled_from(sorted(FORMS))), min_size=1, max_size=60))
def test_recoverable_forms_normalise_to_the_same_number(cases):
    damaged = [FORMS[form](number) for number, form in cases]
    assert normalise_id_numbers(damaged, AS_OF) == [(number, None) for number, _ in cases]


# --- one example per defect of sources.md -----------------------------------------------------

A = make_id("372422", date(1980, 1, 1), 1)  # 372422198001010019


def test_id_with_spaces():
    assert one(" 3724 22198001010019") == (A, None)
    assert one("372422 19800101 0019 ") == (A, None)


def test_id_with_fullwidth_digits():
    assert one("３７２４２２１９８００１０１００１９") == (A, None)


def test_id_with_lowercase_x():
    x_id = make_id("371426", date(1970, 1, 1), 14)
    assert x_id.endswith("X")
    assert one(x_id[:-1] + "x") == (x_id, None)
    assert one(x_id[:-1] + "ｘ") == (x_id, None)


def test_id_with_leading_apostrophe():
    assert one("'" + A) == (A, None)


def test_legacy_15_digit_id_upgraded():
    assert one("372422800101001") == ("372422198001010019", None)


def test_id_mangled_by_excel_scientific_notation():
    assert one("3.72422E+17") == (None, "id_mangled_by_excel")
    assert one("3.72422198001E+17") == (None, "id_mangled_by_excel")
    assert one("3.72422e+17") == (None, "id_mangled_by_excel")


def test_id_mangled_by_excel_even_when_check_digit_fits():
    # An 18-digit number whose last three digits are 000 and whose check digit fits:
    # Excel lost the tail, whatever the checksum says.
    fitting = next(f"372422{d:%Y%m%d}{s}00" for d in (date(1980, 1, 1) + timedelta(days=k) for k in range(400))
                   for s in range(1, 10) if check_digit(f"372422{d:%Y%m%d}{s}00") == "0")
    fitting += "0"
    assert fitting.endswith("000") and fitting[-1] == ric.calc_check_digit(fitting)
    assert one(fitting) == (None, "id_mangled_by_excel")


def test_id_wrong_check_digit():
    assert one(A[:-1] + "8") == (None, "wrong_check_digit")


def test_id_bad_region():
    number = make_id("992422", date(1980, 1, 1), 1)
    assert one(number) == (None, "bad_region")


def test_id_bad_birth_date_not_a_real_date():
    first17 = "37242219800230001"  # 30 February
    assert one(first17 + check_digit(first17)) == (None, "bad_birth_date")


def test_id_born_after_extract_date():
    number = make_id("371426", date(2026, 11, 2), 5)
    assert one(number, date(2026, 11, 1)) == (None, "bad_birth_date")
    assert one(number, date(2026, 11, 2)) == (number, None)


def test_id_wrong_length():
    assert one(A[:17]) == (None, "wrong_length")
    assert one(A + "1") == (None, "wrong_length")
    assert one("37242219800101001A") == (None, "wrong_length")


@pytest.mark.parametrize("raw", [None, "", "  ", "无", "-", "/", "NULL", "null"])
def test_id_missing(raw):
    assert one(raw) == (None, "missing")


def test_region_code_changed_is_not_an_error():
    # 372422 (德州地区 平原县, until 1994) and 371426 (today's code) are both fine,
    # also for people born after the old code was retired.
    old = make_id("372422", date(2001, 5, 6), 11)
    new = make_id("371426", date(2001, 5, 6), 11)
    assert one(old) == (old, None)
    assert one(new) == (new, None)


def test_python_check_digit_refuses_bad_input():
    with pytest.raises(ValueError):
        check_digit("123")


def test_macros_without_as_of_use_today():
    con = duckdb.connect()
    con.execute(id_number_macros_sql())
    tomorrow = date.today() + timedelta(days=1)
    future = make_id("371426", tomorrow, 5)
    rows = con.execute("SELECT normalise_id_number(?), id_number_issue(?), normalise_id_number(?)",
                       [future, future, A]).fetchall()
    assert rows == [(None, "bad_birth_date", A)]


def test_public_macros_agree_with_the_staging_steps():
    samples = [A, " 3724 22198001010019", "372422800101001", "3.72422E+17", A[:15] + "000", A[:-1] + "8",
               make_id("992422", date(1980, 1, 1), 1), "37242219800230001X", A[:17], None, "无",
               make_id("371426", date(2026, 11, 2), 5)]
    con = duckdb.connect()
    con.execute(id_number_macros_sql())
    rows = con.execute(
        "SELECT normalise_id_number(v, DATE '2026-11-01'), id_number_issue(v, DATE '2026-11-01') "
        "FROM unnest($v) WITH ORDINALITY AS t(v, i) ORDER BY i", {"v": samples}).fetchall()
    assert [tuple(r) for r in rows] == normalise_id_numbers(samples, AS_OF)
