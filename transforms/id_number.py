"""Chinese resident ID numbers (GB 11643), checked and normalised inside DuckDB.

Every source carries ID numbers and the household register alone holds about a
million of them, so the check runs set-based as DuckDB macros; the Python
function below evaluates the very same macros, so there is one implementation.

Normalising undoes what people and Excel do to an ID number on its way to us:
spaces (also the full-width one), full-width digits, a lowercase `x`, the
leading apostrophe that forces Excel to keep text, and the legacy 15-digit
form (no century, no check digit), which is upgraded to 18 characters.

What cannot be undone is named, in this order (the first that applies wins):

- `missing`              empty, or a missing-value token (无, -, NULL, ...)
- `id_mangled_by_excel`  scientific notation (`3.72422E+17`), or 18 digits
                         ending in `000`: Excel keeps 15 significant digits and
                         the county never issues sequence 000, so such a number
                         lost its tail even when its check digit happens to fit.
                         Decided before any checksum for that reason.
- `wrong_length`         not 18 characters of 17 digits + digit/X after
                         normalising (also covers stray letters)
- `bad_region`           the first two digits are no province code
- `bad_birth_date`       not a real date, before 1900, or after the as-of date
- `wrong_check_digit`    the ISO 7064 MOD 11-2 check digit does not fit

A region code that changed since issue (372422 under 德州地区 until 1994, now
371426) is not an error, so the full six-digit region is not looked up:
stdnum's `is_valid` would reject such numbers and is deliberately not the rule.

The as-of date of the birth-date check is the extract date of the delivery
(staging passes `_extract_date`); without one the macros use today, which is
fine for ad-hoc queries but never used by the nightly models.
"""
from __future__ import annotations

import re
import threading
from datetime import date

import duckdb
import pyarrow as pa

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"  # indexed by (sum of weighted digits) mod 11

# Province-level codes of GB/T 2260 plus the residence-permit prefixes of
# Hong Kong (81), Macao (82) and Taiwan (83, also the old 71).
PROVINCE_CODES = (
    "11", "12", "13", "14", "15", "21", "22", "23",
    "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54",
    "61", "62", "63", "64", "65", "71", "81", "82", "83",
)

# Tokens clerks type for "no value"; compared after upper-casing.
MISSING_TOKENS = ("", "无", "/", "-", "NULL", "NONE", "N/A", "NAN", "／", "－", "—")

ID_ISSUES = ("missing", "id_mangled_by_excel", "wrong_length", "bad_region",
             "bad_birth_date", "wrong_check_digit")


def check_digit(first17: str) -> str:
    """The GB 11643 check digit of the first 17 digits (ISO 7064 MOD 11-2)."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("check_digit needs exactly 17 ASCII digits")
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def regex_alternation(tokens: tuple[str, ...]) -> str:
    """Literal tokens as one RE2 alternation, for regexp_full_match.

    Used instead of `x IN (...)`: DuckDB plans a long IN list (and a constant
    list_contains) as a hash join per use, which turned a staging model into a
    chain of joins running on a single thread.
    """
    return "|".join(re.sub(r"([\\^$.|?*+()\[\]{}/-])", r"\\\1", t) for t in tokens).replace("'", "''")


def _check_digit_of_int_expr(n: str) -> str:
    # Digits by integer arithmetic on the 17-digit prefix as BIGINT: several
    # times cheaper at millions of rows than 17 substrings cast one by one.
    terms = " + ".join(f"{w} * (({n} // {10 ** (16 - i)}) % 10)" for i, w in enumerate(WEIGHTS))
    return f"substr('{CHECK_CHARS}', CAST(1 + (({terms}) % 11) AS INTEGER), 1)"


def _issue_by_code_sql() -> str:
    """A constant list mapping the issue bitmask to the first issue in priority order."""
    names = ["NULL"]
    for code in range(1, 2 ** len(ID_ISSUES)):
        first = (code & -code).bit_length() - 1
        names.append(f"'{ID_ISSUES[first]}'")
    return "[" + ", ".join(names) + "]"


def id_number_macros_sql() -> str:
    """`CREATE OR REPLACE MACRO` statements for the ID-number macros.

    Public: `normalise_id_number(raw, as_of := NULL)` -> 18 characters or NULL;
    `id_number_issue(raw, as_of := NULL)` -> NULL when usable, else the issue.

    Why the shape: DuckDB inlines a macro argument at every place it is used,
    and evaluates CASE branches under selection vectors, which made a nested
    CASE version 4x slower. So the checks run as one branch-free bitmask over
    the candidate (cleaned, 15-digit upgraded) number and a constant list picks
    the first issue by priority. Staging computes `id_number_candidate` once in
    a CTE and calls `id_number_issue_of_candidate` on that column (about 1.5 s
    for 5 million numbers on two cores); the public macros compose the same
    pieces for ad-hoc use.
    """
    space_chars = r"\s\x{3000}\x{00A0}\x{FEFF}\x{200B}"
    quote_chars = "''\u2018\u2019`\""
    return f"""
CREATE OR REPLACE MACRO id_number_check_digit_of(first17_int) AS
    {_check_digit_of_int_expr('first17_int')};

-- The same check digit from text, referring to its argument once: used where
-- the argument is an expression (the 15-digit upgrade), which DuckDB would
-- otherwise inline seventeen times.
CREATE OR REPLACE MACRO id_number_check_digit(first17) AS
    substr('{CHECK_CHARS}',
           CAST(1 + list_dot_product(TRY_CAST(string_split(first17, '') AS INTEGER[]),
                                     {list(WEIGHTS)}) % 11 AS INTEGER), 1);

CREATE OR REPLACE MACRO id_number_is_clean(raw) AS
    regexp_full_match(raw, '[0-9]{{17}}[0-9X]');

CREATE OR REPLACE MACRO id_number_clean(raw) AS
    upper(translate(
        regexp_replace(CAST(raw AS VARCHAR), '[{space_chars}{quote_chars}]', '', 'g'),
        '０１２３４５６７８９Ｘｘ', '0123456789XX'));

CREATE OR REPLACE MACRO id_number_with_check_digit(first17) AS
    first17 || id_number_check_digit(first17);

-- 15-digit form: region + YYMMDD + sequence, born in the 1900s, no check digit.
CREATE OR REPLACE MACRO id_number_upgrade(cleaned) AS
    CASE WHEN regexp_full_match(cleaned, '[0-9]{{15}}')
         THEN id_number_with_check_digit(regexp_replace(cleaned, '^([0-9]{{6}})', '\\119'))
         ELSE cleaned END;

-- The number to check: the raw value when already clean (nearly always),
-- else cleaned and upgraded. NULL stays NULL.
CREATE OR REPLACE MACRO id_number_candidate(raw) AS
    CASE WHEN id_number_is_clean(raw) THEN CAST(raw AS VARCHAR)
         ELSE id_number_upgrade(id_number_clean(raw)) END;

-- One bit per issue, in priority order; a check that cannot be evaluated
-- (NULL) counts as failed, which only matters when an earlier bit is set.
CREATE OR REPLACE MACRO id_number_issue_code(n, as_of) AS
      coalesce(regexp_full_match(n, '{regex_alternation(MISSING_TOKENS)}'), true)::INTEGER
    + 2 * coalesce(regexp_full_match(n, '[0-9](\\.[0-9]*)?E[+]?[0-9]+')
                   OR (length(n) = 18 AND suffix(n, '000')), true)::INTEGER
    + 4 * coalesce(NOT id_number_is_clean(n), true)::INTEGER
    + 8 * coalesce(NOT regexp_matches(n, '^(?:{'|'.join(PROVINCE_CODES)})'), true)::INTEGER
    + 16 * coalesce(NOT (substr(n, 7, 2) IN ('19', '20')
                         AND TRY_CAST(substr(n, 7, 4) || '-' || substr(n, 11, 2) || '-'
                                      || substr(n, 13, 2) AS DATE)
                             <= coalesce(CAST(as_of AS DATE), current_date)), true)::INTEGER
    + 32 * coalesce(substr(n, 18, 1)
                    <> id_number_check_digit_of(TRY_CAST(substr(n, 1, 17) AS BIGINT)), true)::INTEGER;

CREATE OR REPLACE MACRO id_number_issue_of_candidate(n, as_of := NULL) AS
    {_issue_by_code_sql()}[1 + id_number_issue_code(n, as_of)];

CREATE OR REPLACE MACRO id_number_issue(raw, as_of := NULL) AS
    id_number_issue_of_candidate(id_number_candidate(raw), as_of);

CREATE OR REPLACE MACRO normalise_id_number(raw, as_of := NULL) AS
    CASE WHEN id_number_issue(raw, as_of) IS NULL THEN id_number_candidate(raw) END;
"""


_CONNECTION: duckdb.DuckDBPyConnection | None = None
_LOCK = threading.Lock()

NORMALISE_SQL = """
    WITH candidates AS (
        SELECT i, id_number_candidate(v) AS candidate FROM id_values
    ), checked AS (
        SELECT i, candidate, id_number_issue_of_candidate(candidate, CAST($as_of AS DATE)) AS issue
        FROM candidates
    )
    SELECT CASE WHEN issue IS NULL THEN candidate END, issue FROM checked ORDER BY i
"""


def normalise_id_numbers(values: list[str | None], as_of: date | None = None
                         ) -> list[tuple[str | None, str | None]]:
    """(normalised number or None, issue or None) for each value, in order.

    Evaluates the SQL macros above through an in-memory DuckDB (one
    connection per process, macros installed once), so Python callers
    (generator checks, feedback matching, tests) agree with staging. It runs
    the two steps staging runs (candidate, then its issue), which DuckDB binds
    in milliseconds; `normalise_id_number(raw)` in one expression is the same
    logic but costs ~0.1 s to bind.
    """
    global _CONNECTION
    table = pa.table({"i": pa.array(range(len(values)), pa.int64()),
                      "v": pa.array(values, pa.string())})
    with _LOCK:
        if _CONNECTION is None:
            _CONNECTION = duckdb.connect()
            _CONNECTION.execute(id_number_macros_sql())
        con = _CONNECTION
        con.register("id_values", table)
        try:
            rows = con.execute(NORMALISE_SQL, {"as_of": as_of}).fetchall()
        finally:
            con.unregister("id_values")
    return [(r[0], r[1]) for r in rows]
