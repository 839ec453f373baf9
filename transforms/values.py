"""Parsing the values departments type: DuckDB macros, and the staging models built on them.

Departments deliver everything as text (the lake keeps it so), in the mixed
forms of sources.md's quirks table: dates as `2021-03-05`, `2021/3/5`,
`20210305`, `2021年3月5日` or an Excel serial `44260`; year-months as `2021-03`,
`202103`, `2021/3`, `2021年3月`; amounts as `1,200.00`, `920元`, `￥920`; and
`无`, `/`, `-`, `NULL` or nothing for a missing value. The macros here turn
each form into one SQL type, or NULL when the text is not a value of that
type; the inbox reports such text as a reject (`clean_missing(x) IS NOT NULL
AND parse_x(x) IS NULL`), staging keeps the row with the field NULL.

The twenty staging models are generated from the contracts by
`staging_model_sql` (run `python -m transforms.values` after changing a
contract) and committed, so a reader sees plain SQL and a test checks that the
files and the contracts agree.
"""
from __future__ import annotations

import hashlib
import sys
from functools import lru_cache
from pathlib import Path

import duckdb

from sources.contracts import Contract, load_contracts
from transforms.id_number import id_number_macros_sql, regex_alternation

STAGING_DIR = Path(__file__).resolve().parents[1] / "sql" / "staging"

# Compared after trimming; case variants listed because the comparison is exact.
MISSING_TOKENS = ("", "无", "/", "-", "NULL", "null", "Null", "None", "none",
                  "N/A", "n/a", "NaN", "nan", "／", "－", "—", "--")

# Whitespace trimmed around every value: ASCII, full-width, no-break, BOM.
TRIM_CHARS = " \t\r\n\u3000\u00a0\ufeff"

FULLWIDTH_DIGITS = "０１２３４５６７８９．，－"
ASCII_DIGITS = "0123456789.,-"


def missing_tokens_regex(tokens: tuple[str, ...] = MISSING_TOKENS) -> str:
    """The tokens as one RE2 alternation (see `regex_alternation` for why not IN)."""
    return regex_alternation(tokens)


def _sql_str(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def value_macros_sql() -> str:
    """`CREATE OR REPLACE MACRO` statements for the value parsers.

    Each public macro takes the delivered text (VARCHAR, may be NULL):
    `clean_missing(text)` -> VARCHAR trimmed, missing tokens -> NULL;
    `parse_date_cn(text)` -> DATE; `parse_yearmonth_cn(text)` -> DATE (first
    day of the month); `parse_amount_cn(text)` -> DECIMAL(14,2);
    `parse_integer_cn(text)` -> INTEGER. Unparseable text gives NULL, never an
    error, so one bad cell cannot stop a night.

    Written for tens of millions of cells: DuckDB inlines a macro argument
    wherever it is named, so each macro names its argument few times, and the
    common form (an ISO date, a plain number) is tried first with a cheap test
    before the rare forms pay for regular-expression rewrites.
    """
    ws = r"\s\x{3000}\x{00A0}\x{FEFF}"
    return f"""
-- Trim only when an edge is whitespace: trim() with a character list costs
-- more than the test, and most values have clean edges.
CREATE OR REPLACE MACRO value_trim(text) AS
    CASE WHEN regexp_matches(text, '^[{ws}]|[{ws}]$')
         THEN trim(text, {_sql_str(TRIM_CHARS)}) ELSE text END;

CREATE OR REPLACE MACRO value_missing_to_null(trimmed) AS
    CASE WHEN regexp_full_match(trimmed, {_sql_str(missing_tokens_regex())}) THEN NULL ELSE trimmed END;

CREATE OR REPLACE MACRO clean_missing(text) AS
    value_missing_to_null(value_trim(CAST(text AS VARCHAR)));

-- Digits and separators typed full-width are the same value.
CREATE OR REPLACE MACRO value_halfwidth(cleaned) AS
    CASE WHEN regexp_matches(cleaned, '[{FULLWIDTH_DIGITS}]')
         THEN translate(cleaned, '{FULLWIDTH_DIGITS}', '{ASCII_DIGITS}') ELSE cleaned END;

CREATE OR REPLACE MACRO value_ascii_digits(text) AS
    value_halfwidth(clean_missing(text));

-- `Y-M-D` as DuckDB casts it, from `2021/3/5`, `2021.3.5`, `2021年3月5日`
-- (a time after the date is dropped); '--' (no date) when the text is no such form.
CREATE OR REPLACE MACRO value_ymd_text(parts) AS
    parts.y || '-' || parts.m || '-' || parts.d;

CREATE OR REPLACE MACRO value_ym_text(parts) AS
    parts.y || '-' || parts.m || '-01';

CREATE OR REPLACE MACRO value_date_from_text(a) AS
    TRY_CAST(value_ymd_text(regexp_extract(a,
        '^([0-9]{{4}})[-/.年]([0-9]{{1,2}})[-/.月]([0-9]{{1,2}})日?(?:[ T][0-9]{{1,2}}:[0-9]{{2}}(?::[0-9]{{2}}(?:[.][0-9]+)?)?)?$',
        ['y', 'm', 'd'])) AS DATE);

-- Forms in order of frequency: ISO, `20210305`, then an Excel serial (day 1 =
-- 1900-01-01 with Excel's phantom 1900-02-29, hence the 1899-12-30 epoch;
-- four or five digits from 2101: 2101..99999 spans 1905-10..2173, the birth
-- dates of the county's oldest included, while a bare year 1900..2100 is
-- never taken for a date), then the rest.
CREATE OR REPLACE MACRO value_parse_date(a) AS
    CASE
        WHEN regexp_full_match(a, '[0-9]{{4}}-[0-9]{{1,2}}-[0-9]{{1,2}}') THEN TRY_CAST(a AS DATE)
        WHEN regexp_full_match(a, '[0-9]{{8}}')
            THEN TRY_CAST(substr(a, 1, 4) || '-' || substr(a, 5, 2) || '-' || substr(a, 7, 2) AS DATE)
        WHEN regexp_full_match(a, '[0-9]{{4,5}}([.][0-9]+)?') AND CAST(a AS DOUBLE) >= 2101
            THEN CAST(DATE '1899-12-30' + CAST(floor(CAST(a AS DOUBLE)) AS INTEGER) AS DATE)
        ELSE value_date_from_text(a)
    END;

CREATE OR REPLACE MACRO parse_date_cn(text) AS
    value_parse_date(value_ascii_digits(text));

-- A year-month stands for its first day: `2021-03`, `202103`, `2021/3`,
-- `2021年3月`; a full date (or serial) is cut to its month.
CREATE OR REPLACE MACRO value_parse_yearmonth(a) AS
    CASE
        WHEN regexp_full_match(a, '[0-9]{{4}}[-/.年][0-9]{{1,2}}月?')
            THEN TRY_CAST(value_ym_text(regexp_extract(a, '^([0-9]{{4}})[-/.年]([0-9]{{1,2}})', ['y', 'm']))
                          AS DATE)
        WHEN regexp_full_match(a, '[0-9]{{6}}')
            THEN TRY_CAST(substr(a, 1, 4) || '-' || substr(a, 5, 2) || '-01' AS DATE)
        ELSE CAST(date_trunc('month', value_parse_date(a)) AS DATE)
    END;

CREATE OR REPLACE MACRO parse_yearmonth_cn(text) AS
    value_parse_yearmonth(value_ascii_digits(text));

-- Separators, currency signs and the unit 元 removed; `1.2万` is not taken
-- (no source delivers it, and guessing a factor would be worse than a reject).
CREATE OR REPLACE MACRO value_parse_amount(a) AS
    CASE
        WHEN regexp_full_match(a, '[-+]?([0-9]+([.][0-9]*)?|[.][0-9]+)') THEN TRY_CAST(a AS DECIMAL(14, 2))
        ELSE TRY_CAST(nullif(regexp_extract(regexp_replace(a, '[,{ws}]', '', 'g'),
                                            '^(?:RMB|[￥¥])?([-+]?(?:[0-9]+(?:[.][0-9]*)?|[.][0-9]+))元?$', 1), '')
                      AS DECIMAL(14, 2))
    END;

CREATE OR REPLACE MACRO parse_amount_cn(text) AS
    value_parse_amount(value_ascii_digits(text));

-- Whole numbers only: `3`, `3.0`, `1,200`, `2021年` (a unit after the
-- number is dropped); `3.5` is not a whole number and gives NULL.
CREATE OR REPLACE MACRO value_parse_integer(a) AS
    TRY_CAST(nullif(regexp_extract(regexp_replace(a, '[,{ws}]', '', 'g'),
                                   '^([-+]?[0-9]+)(?:[.]0*)?(?:年|人|次|个|岁|元)?$', 1), '')
             AS INTEGER);

CREATE OR REPLACE MACRO parse_integer_cn(text) AS
    value_parse_integer(value_ascii_digits(text));

-- A code of fixed width (户号: 10 digits) that Excel stored as a number lost
-- its leading zeros; all-digit values shorter than the width get them back.
CREATE OR REPLACE MACRO value_pad_digits(t, width) AS
    CASE WHEN length(t) < width AND regexp_full_match(t, '[0-9]+') THEN lpad(t, width, '0') ELSE t END;

CREATE OR REPLACE MACRO pad_digits_cn(text, width) AS
    value_pad_digits(clean_missing(text), width);
"""


@lru_cache(maxsize=1)
def staging_macros_sql() -> str:
    """Every macro the staging models call, in one script for the runner.

    Ends with `datapool_macros_version()`, a digest of the script, so that
    `install_staging_macros` can tell whether a connection already has them.
    """
    body = value_macros_sql() + "\n" + id_number_macros_sql()
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:16]
    return body + f"\nCREATE OR REPLACE MACRO datapool_macros_version() AS '{digest}';\n"


def install_staging_macros(con) -> None:
    """Create the macros unless this connection has this very version of them (~0.1 s saved)."""
    script = staging_macros_sql()
    digest = script.rsplit("'", 2)[-2]
    try:
        if con.execute("SELECT datapool_macros_version()").fetchall() == [(digest,)]:
            return
    except duckdb.Error:
        pass
    con.execute(script)


# --- staging models -----------------------------------------------------------

PARSERS = {
    "text": "clean_missing",
    "date": "parse_date_cn",
    "yearmonth": "parse_yearmonth_cn",
    "amount": "parse_amount_cn",
    "integer": "parse_integer_cn",
}


def _select_list(items: list[tuple[str, str]]) -> str:
    """`expr as name,  -- comment` lines, commas before the comments, aligned."""
    lines = []
    for i, (text, comment) in enumerate(items):
        text += "," if i < len(items) - 1 else ""
        lines.append(f"{text:<62} -- {comment}" if comment else text)
    return "\n        ".join(lines)


def column_digits(contract: Contract) -> dict[str, int]:
    """`digits:` of the contract's columns (fixed-width codes such as 户号)."""
    return {c.name: c.digits for c in contract.columns if c.digits}


def staging_model_sql(contract: Contract) -> str:
    """The staging model of one source, as committed in sql/staging/stg_<code>.sql.

    Columns in contract order, typed by contract type; the ID column becomes
    `id_number` (normalised or NULL), `id_number_raw` (as delivered) and
    `id_issue`, plus `id_link_method`, NULL until the linkage step
    (transforms/identity.py) fills id_number from a confident link. Deduplicated on the record key: the newest extract wins, then
    the later delivery, then the later row. Rows whose key has a NULL part
    (an unusable ID) are all kept: NULL is no key.
    """
    code = contract.code
    id_cols = [c.name for c in contract.columns if c.type == "id_number"]
    if id_cols != ["id_number"]:
        raise ValueError(f"{code}: staging expects one id_number column named id_number, got {id_cols}")
    digits = column_digits(contract)
    renamed: list[tuple[str, str]] = []
    final: list[tuple[str, str]] = []
    for col in contract.columns:
        note = col.header
        if col.values:
            note += " (" + "/".join(col.values) + ("" if col.closed else "/…") + ")"
        if col.type == "id_number":
            renamed.append(("id_number_candidate(id_number) as id_number_candidate", note))
            renamed.append(("id_number as id_number_raw", "as delivered"))
            final.append(("case when id_issue is null then id_number_candidate end as id_number",
                          "18 characters, or NULL when unusable"))
            final.append(("id_number_raw", ""))
            final.append(("id_issue", "NULL when usable, else why not"))
            final.append(("NULL::VARCHAR as id_link_method",
                          "set by the linkage step when a confident link supplied id_number"))
        elif col.name in digits:
            renamed.append((f"pad_digits_cn({col.name}, {digits[col.name]}) as {col.name}",
                            f"{note}, {digits[col.name]} digits"))
            final.append((col.name, ""))
        else:
            renamed.append((f"{PARSERS[col.type]}({col.name}) as {col.name}", note))
            final.append((col.name, ""))
    renamed += [(f"'{code}' as _source", ""), ("_file", ""), ("_row", ""), ("_extract_date", ""),
                ("_delivery_seq", "")]
    final += [("_source", ""), ("_file", ""), ("_row", ""), ("_extract_date", "")]
    keys = list(contract.record_key)
    key_nulls = " or ".join(f"{k} is null" for k in keys)
    return f"""-- staging.stg_{code}: {contract.department} {contract.title}.
-- Typed, trimmed, ID normalised; one row per record key ({', '.join(keys)}).
-- Generated from sources/contracts/{code}.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.{code}

),

renamed as (

    select
        {_select_list(renamed)}
    from source

),

checked as (

    select
        *,
        id_number_issue_of_candidate(id_number_candidate, _extract_date) as id_issue
    from renamed

),

final as (

    select
        {_select_list(final)}
    from checked
    qualify {key_nulls}
        or row_number() over (
            partition by {', '.join(keys)}
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
"""


def write_staging_models(sql_dir: Path = STAGING_DIR) -> list[Path]:
    """(Re)write sql/staging/stg_<code>.sql for every contract."""
    sql_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for code, contract in load_contracts().items():
        path = sql_dir / f"stg_{code}.sql"
        path.write_text(staging_model_sql(contract), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for p in write_staging_models():
        print(p.relative_to(Path.cwd()) if p.is_relative_to(Path.cwd()) else p)
    sys.exit(0)
