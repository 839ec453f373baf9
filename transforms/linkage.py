"""Link records whose ID number is unusable to a known person, with Splink.

Every staging table with an `id_issue` column may hold rows whose ID number
could not be used (`id_number IS NULL`): Excel kept 15 digits (`...000`) or
only a rounded mantissa (`3.72422E+17`), a clerk mistyped a digit (the check
digit no longer fits), or the cell is empty. `link_records(con)` compares each
such record with the people known by a usable ID and writes

- `core.person_link(_source, _file, _row, id_number, link_method,
  match_probability, evidence)`: the records linked with confidence, one ID
  each;
- `core.link_review(_source, _file, _row, id_issue, candidate_id_number,
  match_probability, candidate_rank, reason)`: every other record with up to
  three candidates (one row with a NULL candidate when there is none), for a
  clerk to decide.

Every damaged record lands in exactly one of the two. A record is only ever
linked to an ID that exists, so two valid ID numbers are never merged. The
flow calls this after the staging layer and before `sql/core/*.sql`. A row
whose ID a link filled afterwards (`id_link_method` set) still counts as a
damaged record and never as a known person, so a rerun gives the same tables.

Known people: every usable ID of any staging table, the people core.person
holds (the household register, the departments about people, and owners of
cars, firms or property), with every name written for it. 户号 and 村居代码
come from the household register (`stg_gaj_hjrk`) only, the authority for
households; birth date and sex of a known ID come from its digits.

Evidence, a Fellegi-Sunter model scored by Splink 5 on DuckDB (l = damaged
record, r = known person; `-` = the comparison says nothing):

| comparison   | levels, first that applies                                             |
|--------------|-------------------------------------------------------------------------|
| id_number    | - (nothing survived); one_edit (17/18 characters: digits 1-14 equal,    |
|              | 15-17 one substitution or adjacent swap apart, 18 not compared);       |
|              | first15 (`...000`: the first 15 digits equal); first14 (other damaged  |
|              | lengths: region and birth date equal); region (`3.72422E+17`: the      |
|              | rounded mantissa covers the number, or a short prefix); else           |
| name         | exact; pinyin (toneless pinyin equal, 张萌 = 张蒙); one_char (same     |
|              | length, one character differs); else                                   |
| birth_date   | 出生日期 against the number's digits (- when the damaged ID's birth     |
|              | digits survived: the id_number level already holds them)              |
| sex          | 性别 against digit 17                                                   |
| household_no | 户号 against the register's                                             |
| village_code | 村居代码 against the register's (- when the 户号 agreed: same evidence) |

Pinyin is pypinyin's first reading of each character without tone, joined:
one table of a few hundred characters serves every name in SQL. Whole-name
readings (pypinyin's phrase context) differ for about 1 name in 2,000 and
cost 100 microseconds a name, too slow for the register.

Parameters. A night has a few hundred to a few thousand damaged records of
varied kinds, too few for EM, so nothing is trained and nothing is random:

- m = P(level | same person) is set from what departments do to names and
  numbers (policies/linkage.yaml; DEFAULTS below holds the same values).
- u = P(level | two different people) is counted on the register each night:
  for a key (name, pinyin, first 14 / 15 / 6 digits, birth date, sex, 户号,
  village) the share of pairs of two different known IDs sharing it, sum
  n(n-1) / N(N-1), never below a floor (how such keys spread in any county,
  in the policy) so that a small or young register never makes a key look
  rare. Counting is exact, deterministic and cheaper than a random sample
  large enough to see a 15-digit collision (about 1 pair in 300,000). The
  one_char level counts names with one position masked; one_edit is first14
  times the share of sequence numbers one typing error away (4 in 1,000).
- The prior is prior_share_known / N: about one known person per record.

Decision. A candidate *agrees* when its name is exact or pinyin and no other
comparison is at `else`: it agrees with all evidence that survived. The record
is linked to its best agreeing candidate when that candidate reaches
`link_threshold`, leads the next agreeing candidate by `margin_bits` of match
weight (6.64 bits = 100 times the odds), and the agreement is more than name
and region: the ID's birth digits survived (one_edit, first15, first14) or a
出生日期 / 户号 column agreed. A name-only agreement never links. Review reasons:
no_candidate, no_agreeing_candidate, weak_evidence, ambiguous,
low_probability; each candidate row adds its evidence. Evidence names the
fields and levels only, never a value.

Blocking (BLOCKING_RULES) holds every candidate that can agree: the first 14
digits with a name that sounds alike or is one character off, for records
whose birth digits survived; else the pinyin of the name (within the
mantissa's range for the E+17 form). Pairs below `review_min_probability` are
dropped by Splink: they can neither be shown nor narrow a link's margin.

Performance. The blocking runs first as joins in the warehouse, so only the
known people some damaged record could match leave it (about 60,000 name rows
for 8,600 damaged records in a county of 500,000). Splink runs on its own
in-memory DuckDB fed with Arrow, re-blocks those rows with the same rules and
scores them; its `__splink__` tables never touch the warehouse, and this
module's working tables are TEMP tables dropped before it returns. About 3 s
for that county on two cores, a fraction of a second for a small one. Nothing
here logs or returns personal data: the summary holds counts only.
"""
from __future__ import annotations

import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import yaml

POLICY_FILE = Path(__file__).resolve().parent.parent / "policies" / "linkage.yaml"

REGISTER = "gaj_hjrk"  # the household register: the only source of 户号 and village for a known ID
LINK_METHOD = "splink"

LINK_COLUMNS = ("_source", "_file", "_row", "id_number", "link_method", "match_probability", "evidence")
REVIEW_COLUMNS = ("_source", "_file", "_row", "id_issue", "candidate_id_number", "match_probability",
                  "candidate_rank", "reason")

# Levels of each comparison, best first (Splink's CASE order after the null level).
LEVELS = {
    "id_number": ("one_edit", "first15", "first14", "region", "else"),
    "name": ("exact", "pinyin", "one_char", "else"),
    "birth_date": ("agree", "else"),
    "sex": ("agree", "else"),
    "household_no": ("agree", "else"),
    "village_code": ("agree", "else"),
}
STRONG_ID_LEVELS = ("one_edit", "first15", "first14")
NAME_AGREES = ("exact", "pinyin")

DEFAULTS: dict[str, Any] = {
    "link_threshold": 0.99,
    "margin_bits": 6.64,
    "review_candidates": 3,
    "review_min_probability": 1e-6,
    "prior_share_known": 0.9,
    "one_edit_neighbour_share": 0.004,
    "u_floor": {
        "first14": 1e-5, "first15": 1e-6, "region": 0.01, "name_exact": 1e-4, "name_pinyin": 2e-5,
        "name_one_char": 1e-3, "birth_date": 2.7e-5, "sex": 0.5, "household_no": 1e-6, "village_code": 1e-3,
    },
    "m": {
        "id_number": {"one_edit": 0.98, "first15": 0.99, "first14": 0.95, "region": 0.99, "else": 0.01},
        "name": {"exact": 0.95, "pinyin": 0.035, "one_char": 0.01, "else": 0.005},
        "birth_date": {"agree": 0.97, "else": 0.03},
        "sex": {"agree": 0.99, "else": 0.01},
        "household_no": {"agree": 0.9, "else": 0.1},
        "village_code": {"agree": 0.95, "else": 0.05},
    },
}

# Kinds of surviving ID evidence of a damaged record.
KIND_NONE, KIND_DIGITS, KIND_EXCEL15, KIND_PREFIX14, KIND_PREFIX, KIND_SCI = (
    "none", "digits", "excel15", "prefix14", "prefix", "sci")
BIRTH_KINDS = (KIND_DIGITS, KIND_EXCEL15, KIND_PREFIX14)  # the birth-date digits survived


@dataclass(frozen=True)
class Policy:
    link_threshold: float
    margin_bits: float
    review_candidates: int
    review_min_probability: float
    prior_share_known: float
    one_edit_neighbour_share: float
    m: dict[str, dict[str, float]] = field(default_factory=dict)
    u_floor: dict[str, float] = field(default_factory=dict)


def load_policy(path: Path | None = None) -> Policy:
    """policies/linkage.yaml over the defaults (a missing file is the defaults)."""
    path = path or POLICY_FILE
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) if path.exists() else {}
    raw = raw or {}
    nested = ("m", "u_floor")
    merged = {k: v for k, v in DEFAULTS.items() if k not in nested}
    merged.update({k: v for k, v in raw.items() if k not in nested})
    m = {comp: dict(levels) for comp, levels in DEFAULTS["m"].items()}
    for comp, levels in (raw.get("m") or {}).items():
        if comp not in m:
            raise ValueError(f"{path.name}: unknown comparison {comp!r}")
        for level, value in levels.items():
            if level not in m[comp]:
                raise ValueError(f"{path.name}: unknown level {comp}.{level}")
            if not 0 < float(value) <= 1:
                raise ValueError(f"{path.name}: m of {comp}.{level} must be in (0, 1]")
            m[comp][level] = float(value)
    u_floor = dict(DEFAULTS["u_floor"])
    for key, value in (raw.get("u_floor") or {}).items():
        if key not in u_floor:
            raise ValueError(f"{path.name}: unknown u_floor {key!r}")
        if not 0 < float(value) < 1:
            raise ValueError(f"{path.name}: u_floor {key} must be in (0, 1)")
        u_floor[key] = float(value)
    unknown = set(merged) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"{path.name}: unknown keys {sorted(unknown)}")
    policy = Policy(m=m, u_floor=u_floor,
                    **{k: (int(v) if k == "review_candidates" else float(v)) for k, v in merged.items()})
    checks = {
        "link_threshold": 0.5 <= policy.link_threshold < 1,
        "margin_bits": policy.margin_bits >= 0,
        "review_candidates": policy.review_candidates >= 1,
        "review_min_probability": 0 < policy.review_min_probability < 1,
        "prior_share_known": 0 < policy.prior_share_known <= 1,
        "one_edit_neighbour_share": 0 < policy.one_edit_neighbour_share <= 1,
    }
    for key, ok in checks.items():
        if not ok:
            raise ValueError(f"{path.name}: {key} out of range")
    return policy


# --- evidence of one damaged record ------------------------------------------------------------

_STRIP = re.compile(r"[\s\u3000\u00a0\ufeff\u200b'\u2018\u2019`\",，]")
_SCI = re.compile(r"([0-9])(?:\.([0-9]*))?E\+?([0-9]+)")
_EXCEL_DIGITS = 6  # Excel's General format shows at most 6 significant digits of a large number


def clean_id_text(raw: str | None) -> str:
    """Full-width to ASCII, spaces and quotes out, upper case: what survived."""
    if raw is None:
        return ""
    return _STRIP.sub("", unicodedata.normalize("NFKC", str(raw))).upper()


@dataclass(frozen=True)
class IdEvidence:
    kind: str
    digits: str | None = None     # digits: the cleaned number; excel15 / prefix14 / prefix: the prefix
    prefix14: str | None = None   # blocking key: region + birth date
    first7_lo: int | None = None  # sci: the range the first 7 digits of the number lie in
    first7_hi: int | None = None


def id_evidence(raw: str | None) -> IdEvidence:
    """What a damaged ID number still tells, by the kind of damage."""
    s = clean_id_text(raw)
    if not s:
        return IdEvidence(KIND_NONE)
    sci = _SCI.fullmatch(s)
    if sci:
        if int(sci.group(3)) != 17:  # not an 18-digit number
            return IdEvidence(KIND_NONE)
        mantissa = sci.group(1) + (sci.group(2) or "")
        precision = min(17, max(len(mantissa), _EXCEL_DIGITS))  # General drops trailing zeros
        value = Decimal(mantissa.ljust(precision, "0")) * Decimal(10) ** (18 - precision)
        half = Decimal(5) * Decimal(10) ** (17 - precision)
        lo, hi = value - half, value + half
        return IdEvidence(KIND_SCI, first7_lo=int(lo // 10 ** 11), first7_hi=int(hi // 10 ** 11))
    if re.fullmatch(r"[0-9]{18}", s) and s.endswith("000"):
        return IdEvidence(KIND_EXCEL15, digits=s[:15], prefix14=s[:14])
    if re.fullmatch(r"[0-9]{16,17}[0-9X]", s):  # 17 or 18 characters: a typing error
        return IdEvidence(KIND_DIGITS, digits=s, prefix14=s[:14])
    if re.fullmatch(r"[0-9]{15}", s):  # legacy form that did not check: region + YYMMDD + sequence
        prefix = s[:6] + "19" + s[6:12]
        return IdEvidence(KIND_PREFIX14, digits=prefix, prefix14=prefix)
    lead = re.match(r"[0-9]*", s).group(0)
    if len(lead) >= 14:
        return IdEvidence(KIND_PREFIX14, digits=lead[:14], prefix14=lead[:14])
    if len(lead) >= 6:
        return IdEvidence(KIND_PREFIX, digits=lead)
    return IdEvidence(KIND_NONE)


_NAME_STRIP = re.compile(r"[\s\u3000·•・.]")
NAME_STRIP_SQL = r"[\s\x{3000}·•・.]"  # the same characters, for regexp_replace


def name_key(name: str | None) -> str | None:
    if name is None:
        return None
    key = _NAME_STRIP.sub("", str(name))
    return key or None


@lru_cache(maxsize=None)
def char_pinyin(ch: str) -> str:
    """Toneless pinyin of one character (its first reading); the character itself if none."""
    from pypinyin import lazy_pinyin

    out = lazy_pinyin(ch)
    return out[0] if out else ch


def toneless_pinyin(key: str | None) -> str | None:
    """The name's toneless pinyin, character by character (张萌 and 张蒙: zhangmeng)."""
    if key is None:
        return None
    return "".join(char_pinyin(ch) for ch in key)


# --- reading staging ---------------------------------------------------------------------------

def _staging_columns(con: duckdb.DuckDBPyConnection) -> dict[str, set[str]]:
    rows = con.execute(
        "SELECT table_name, list(column_name) FROM duckdb_columns() "
        "WHERE schema_name = 'staging' AND database_name = current_database() "
        "AND starts_with(table_name, 'stg_') GROUP BY table_name ORDER BY table_name").fetchall()
    return {t: set(cols) for t, cols in rows}


def _col(cols: set[str], name: str, sql_type: str = "VARCHAR") -> str:
    return f'CAST("{name}" AS {sql_type})' if name in cols else f"CAST(NULL AS {sql_type})"


def _bad_records_sql(tables: dict[str, set[str]]) -> str | None:
    parts = []
    for table, cols in tables.items():
        if not {"id_issue", "id_number", "_file", "_row"} <= cols:
            continue
        # A row whose ID a link filled is still a damaged record (a rerun agrees with the first run).
        damaged = "id_number IS NULL" + (" OR id_link_method IS NOT NULL" if "id_link_method" in cols else "")
        code = table.removeprefix("stg_")
        source = f"coalesce(_source, '{code}')" if "_source" in cols else f"'{code}'"
        parts.append(
            f"SELECT {source} AS _source, CAST(_file AS VARCHAR) AS _file, CAST(_row AS INTEGER) AS _row, "
            f"{_col(cols, 'id_issue')} AS id_issue, {_col(cols, 'id_number_raw')} AS id_number_raw, "
            f"{_col(cols, 'name')} AS name, {_col(cols, 'birth_date', 'DATE')} AS birth_date, "
            f"{_col(cols, 'sex')} AS sex, {_col(cols, 'household_no')} AS household_no, "
            f"{_col(cols, 'village_code')} AS village_code "
            f"FROM staging.{table} WHERE {damaged}")
    if not parts:
        return None
    return " UNION ALL ".join(parts) + " ORDER BY _source, _file, _row"


def _known_names_sql(tables: dict[str, set[str]]) -> str | None:
    """(id_number, name_key): every name written for a usable ID, once."""
    parts = []
    for table, cols in tables.items():
        if "id_number" not in cols or "id_issue" not in cols:
            continue
        # A row whose ID a link filled is no evidence of who is known.
        own = "id_number IS NOT NULL" + (" AND id_link_method IS NULL" if "id_link_method" in cols else "")
        parts.append(f"SELECT id_number, {_col(cols, 'name')} AS name FROM staging.{table} WHERE {own}")
    if not parts:
        return None
    return f"""
        SELECT DISTINCT id_number, nullif(regexp_replace(name, '{NAME_STRIP_SQL}', '', 'g'), '') AS name_key
        FROM (SELECT DISTINCT id_number, name FROM ({" UNION ALL ".join(parts)}))"""


def _register_sql(tables: dict[str, set[str]]) -> str:
    """(id_number, household_no, village_code) of the household register, one row per ID."""
    cols = tables.get(f"stg_{REGISTER}")
    if not cols or "id_number" not in cols:
        return ("SELECT CAST(NULL AS VARCHAR) AS id_number, CAST(NULL AS VARCHAR) AS household_no, "
                "CAST(NULL AS VARCHAR) AS village_code WHERE false")
    own = "id_number IS NOT NULL" + (" AND id_link_method IS NULL" if "id_link_method" in cols else "")
    return (f"SELECT id_number, min({_col(cols, 'household_no')}) AS household_no, "
            f"min({_col(cols, 'village_code')}) AS village_code "
            f"FROM staging.stg_{REGISTER} WHERE {own} GROUP BY id_number")


def _build_known(con: duckdb.DuckDBPyConnection, tables: dict[str, set[str]]) -> bool:
    """TEMP tables of the known people: `_linkage_names` (id_number, name_key), one row
    per name written for a usable ID; `_linkage_pinyin` (name_key, name_py, n), one row
    per name with its pinyin and how many IDs carry it; `_linkage_register` (id_number,
    household_no, village_code). False when no source has a usable ID."""
    names_sql = _known_names_sql(tables)
    if names_sql is None:
        return False
    con.execute(f"CREATE OR REPLACE TEMP TABLE _linkage_names AS {names_sql}")
    chars = [r[0] for r in con.execute(
        "SELECT DISTINCT unnest(string_split(name_key, '')) FROM _linkage_names WHERE name_key IS NOT NULL"
    ).fetchall()]
    con.register("_linkage_char_pinyin", pa.table({
        "ch": pa.array(chars, pa.string()), "py": pa.array([char_pinyin(c) for c in chars], pa.string())}))
    try:
        con.execute("""
            CREATE OR REPLACE TEMP TABLE _linkage_pinyin AS
            WITH by_name AS (
                SELECT name_key, count(DISTINCT id_number) AS n FROM _linkage_names
                WHERE name_key IS NOT NULL GROUP BY name_key
            ), chars AS (
                SELECT map_from_entries(list(struct_pack(k := ch, v := py))) AS py FROM _linkage_char_pinyin
            )
            SELECT name_key,
                   array_to_string(list_transform(string_split(name_key, ''), lambda c: coalesce(py[c], c)), '')
                       AS name_py,
                   n
            FROM by_name, chars""")
    finally:
        con.unregister("_linkage_char_pinyin")
    con.execute(f"CREATE OR REPLACE TEMP TABLE _linkage_register AS {_register_sql(tables)}")
    return True


# --- u counted on the register -----------------------------------------------------------------

def _pair_share(con: duckdb.DuckDBPyConnection, groups_sql: str) -> float:
    """Share of pairs of two different members that share a group, from group sizes `c`."""
    n, pairs = con.execute(
        f"SELECT coalesce(sum(c), 0), coalesce(sum(c * (c - 1)), 0) FROM ({groups_sql})").fetchall()[0]
    n, pairs = int(n), int(pairs)
    return pairs / (n * (n - 1)) if n >= 2 else 0.0


def _u_probabilities(con: duckdb.DuckDBPyConnection, policy: Policy) -> tuple[int, dict[str, dict[str, float]]]:
    """(N known IDs, u by comparison and level), counted on the known people."""
    floor = policy.u_floor
    con.execute("CREATE OR REPLACE TEMP TABLE _linkage_ids AS SELECT DISTINCT id_number FROM _linkage_names")
    n_known = con.execute("SELECT count(*) FROM _linkage_ids").fetchall()[0][0]

    def by_digits(expr: str) -> float:
        return _pair_share(con, f"SELECT count(*)::HUGEINT AS c FROM _linkage_ids GROUP BY {expr}")

    # Names: an ID written with two names counts once under each (a few in a thousand).
    exact = _pair_share(con, "SELECT n::HUGEINT AS c FROM _linkage_pinyin")
    pinyin = _pair_share(con, "SELECT sum(n)::HUGEINT AS c FROM _linkage_pinyin GROUP BY name_py")
    # Two names of one length differing in exactly one position share exactly one masked
    # form; two equal names share all of them.
    named, masked_pairs, exact_pairs = con.execute("""
        WITH named AS (
            SELECT name_key, length(name_key) AS len, n::HUGEINT AS n FROM _linkage_pinyin
        ), positions AS (
            SELECT *, unnest(range(1, len + 1)) AS i FROM named
        ), masked AS (
            SELECT len, substr(name_key, 1, i - 1) || '*' || substr(name_key, i + 1) AS m, n FROM positions
        ), by_mask AS (SELECT sum(n) AS c FROM masked GROUP BY len, m)
        SELECT (SELECT coalesce(sum(n), 0) FROM named),
               (SELECT coalesce(sum(c * (c - 1)), 0) FROM by_mask),
               (SELECT coalesce(sum(len * n * (n - 1)), 0) FROM named)""").fetchall()[0]
    named = int(named)
    one_char = (int(masked_pairs) - int(exact_pairs)) / (named * (named - 1)) if named >= 2 else 0.0
    u14 = max(by_digits("substr(id_number, 1, 14)"), floor["first14"])

    def register_share(column: str) -> float:
        return _pair_share(con, f"SELECT count(*)::HUGEINT AS c FROM _linkage_register "
                                f"WHERE {column} IS NOT NULL GROUP BY {column}")

    u = {
        "id_number": {
            "one_edit": u14 * policy.one_edit_neighbour_share,
            "first15": max(by_digits("substr(id_number, 1, 15)"), floor["first15"]),
            "first14": u14,
            "region": max(by_digits("substr(id_number, 1, 6)"), floor["region"]),
        },
        "name": {
            "exact": max(exact, floor["name_exact"]),
            "pinyin": max(pinyin - exact, floor["name_pinyin"]),
            "one_char": max(one_char, floor["name_one_char"]),
        },
        "birth_date": {"agree": max(by_digits("substr(id_number, 7, 8)"), floor["birth_date"])},
        "sex": {"agree": max(by_digits("substr(id_number, 17, 1) IN ('1', '3', '5', '7', '9')"), floor["sex"])},
        "household_no": {"agree": max(register_share("household_no"), floor["household_no"])},
        "village_code": {"agree": max(register_share("village_code"), floor["village_code"])},
    }
    for levels in u.values():
        levels["else"] = max(1.0 - sum(levels.values()), 0.01)
    return n_known, u


# --- the Splink model --------------------------------------------------------------------------

INPUT_SCHEMA = pa.schema([
    ("unique_id", pa.int64()), ("name_key", pa.string()), ("name_py", pa.string()),
    ("name_block", pa.string()), ("id_kind", pa.string()), ("id_digits", pa.string()),
    ("prefix14", pa.string()), ("first7", pa.int64()), ("first7_lo", pa.int64()), ("first7_hi", pa.int64()),
    ("birth_date", pa.date32()), ("sex", pa.string()), ("household_no", pa.string()),
    ("village_code", pa.string()), ("id_number", pa.string()),
])
# Kinds whose digits do not place the record: their candidates come by name (name_block).
NAME_BLOCK_KINDS = (KIND_NONE, KIND_SCI, KIND_PREFIX)

# sql_condition of each level; the first is the null level, None is ELSE.
_NULL_CONDITIONS = {
    "id_number": f"id_kind_l = '{KIND_NONE}'",
    "name": "name_key_l IS NULL OR name_key_r IS NULL",
    "birth_date": f"birth_date_l IS NULL OR birth_date_r IS NULL OR id_kind_l IN {BIRTH_KINDS}",
    "sex": "sex_l IS NULL OR sex_r IS NULL",
    "household_no": "household_no_l IS NULL OR household_no_r IS NULL",
    "village_code": "village_code_l IS NULL OR village_code_r IS NULL OR household_no_l = household_no_r",
}
_LEVEL_CONDITIONS = {
    "id_number": {
        "one_edit": f"id_kind_l = '{KIND_DIGITS}' AND prefix14_l = prefix14_r "
                    f"AND damerau_levenshtein(substr(id_digits_l, 15, 3), substr(id_digits_r, 15, 3)) <= 1",
        "first15": f"id_kind_l = '{KIND_EXCEL15}' AND starts_with(id_digits_r, id_digits_l)",
        "first14": f"id_kind_l = '{KIND_PREFIX14}' AND starts_with(id_digits_r, id_digits_l)",
        "region": f"(id_kind_l = '{KIND_SCI}' AND first7_r BETWEEN first7_lo_l AND first7_hi_l) "
                  f"OR (id_kind_l = '{KIND_PREFIX}' AND starts_with(id_digits_r, id_digits_l))",
    },
    "name": {
        "exact": "name_key_l = name_key_r",
        "pinyin": "name_py_l = name_py_r",
        "one_char": "length(name_key_l) = length(name_key_r) AND levenshtein(name_key_l, name_key_r) = 1",
    },
    "birth_date": {"agree": "birth_date_l = birth_date_r"},
    "sex": {"agree": "sex_l = sex_r"},
    "household_no": {"agree": "household_no_l = household_no_r"},
    "village_code": {"agree": "village_code_l = village_code_r"},
}
# Blocking, as join conditions on (l, r): every candidate that can agree with a record
# (its name exact or pinyin, no comparison at else) is in one of these blocks.
# - the record's region and birth digits survived: the first 14 digits, and a name
#   that sounds alike or differs in one character (kept for the clerk);
# - they did not: the name's pinyin (name_block is NULL for the other kinds), and for
#   the E+17 form the number within the mantissa's range.
BLOCKING_RULES = (
    "l.prefix14 = r.prefix14 AND (l.name_py = r.name_py OR levenshtein(l.name_key, r.name_key) <= 1)",
    "l.name_block = r.name_block AND (l.first7_lo IS NULL OR r.first7 BETWEEN l.first7_lo AND l.first7_hi)",
)


def splink_settings(policy: Policy, u: dict[str, dict[str, float]], prior: float) -> dict[str, Any]:
    from splink.blocking_rule_library import CustomRule

    comparisons = []
    for comp, levels in LEVELS.items():
        cl: list[dict[str, Any]] = [
            {"sql_condition": _NULL_CONDITIONS[comp], "label_for_charts": "-", "is_null_level": True}]
        for level in levels:
            cl.append({
                "sql_condition": "ELSE" if level == "else" else _LEVEL_CONDITIONS[comp][level],
                "label_for_charts": level,
                "m_probability": policy.m[comp][level],
                "u_probability": u[comp][level],
            })
        comparisons.append({"output_column_name": comp, "comparison_levels": cl})
    return {
        "link_type": "link_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": prior,
        "comparisons": comparisons,
        "blocking_rules_to_generate_predictions": [CustomRule(rule) for rule in BLOCKING_RULES],
        "retain_matching_columns": True,  # keeps the gamma_ columns the evidence is read from
        "retain_intermediate_calculation_columns": False,
        "additional_columns_to_retain": ["id_number"],
    }


DAMAGED, KNOWN = "a_damaged", "b_known"  # Splink's source_dataset names


def _score(damaged: pa.Table, known: pa.Table, settings: dict[str, Any], min_probability: float) -> pa.Table:
    """Splink's scores of the blocked pairs above min_probability, on its own in-memory DuckDB."""
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    from transforms.config import connect

    con = connect()  # in memory, with the night's memory limit, threads and spill folder
    try:
        db_api = DuckDBAPI(connection=con)
        left = db_api.register(damaged, dataset_display_name=DAMAGED)
        right = db_api.register(known, dataset_display_name=KNOWN)
        linker = Linker([left, right], settings, log_level=None)
        predictions = linker.inference.predict(threshold_match_probability=min_probability, warning_mode="never")
        gammas = ", ".join(f"gamma_{c}" for c in LEVELS)
        # the damaged record on the left whichever way Splink ordered the pair
        return con.sql(f"""
            SELECT CASE WHEN source_dataset_l = '{DAMAGED}' THEN unique_id_l ELSE unique_id_r END AS uid,
                   CASE WHEN source_dataset_l = '{DAMAGED}' THEN id_number_r ELSE id_number_l END AS id_number,
                   match_weight, match_probability, {gammas}
            FROM {predictions.physical_name}""").to_arrow_table()
    finally:
        con.close()


# --- the decision ------------------------------------------------------------------------------

def _create_outputs(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("""
        CREATE OR REPLACE TABLE core.person_link (
            _source VARCHAR, _file VARCHAR, _row INTEGER, id_number VARCHAR, link_method VARCHAR,
            match_probability DOUBLE, evidence VARCHAR)""")
    con.execute("""
        CREATE OR REPLACE TABLE core.link_review (
            _source VARCHAR, _file VARCHAR, _row INTEGER, id_issue VARCHAR, candidate_id_number VARCHAR,
            match_probability DOUBLE, candidate_rank INTEGER, reason VARCHAR)""")


def _level_label_sql(comp: str) -> str:
    """Splink numbers a comparison's levels from the last (0) up; -1 is the null level."""
    levels = LEVELS[comp]
    whens = " ".join(f"WHEN {len(levels) - 1 - i} THEN '{level}'" for i, level in enumerate(levels))
    return f"CASE gamma_{comp} WHEN -1 THEN '-' {whens} END"


def _damaged_table(rows: list[tuple]) -> tuple[pa.Table, pa.Table]:
    """(Splink's left input, the records' lineage) from the damaged staging rows."""
    cols: dict[str, list] = {f.name: [] for f in INPUT_SCHEMA}
    lineage: dict[str, list] = {"uid": [], "_source": [], "_file": [], "_row": [], "id_issue": []}
    for uid, (source, file, row, issue, raw, name, birth, sex, house, village) in enumerate(rows):
        ev = id_evidence(raw)
        key = name_key(name)
        if issue is None and not clean_id_text(raw):
            issue = "missing"  # staging's name for an empty ID cell
        pinyin = toneless_pinyin(key)
        values = {
            "unique_id": uid, "name_key": key, "name_py": pinyin,
            "name_block": pinyin if ev.kind in NAME_BLOCK_KINDS else None,
            "id_kind": ev.kind, "id_digits": ev.digits, "prefix14": ev.prefix14, "first7": None,
            "first7_lo": ev.first7_lo, "first7_hi": ev.first7_hi, "birth_date": birth, "sex": sex,
            "household_no": house, "village_code": village, "id_number": None,
        }
        for k, v in values.items():
            cols[k].append(v)
        for k, v in (("uid", uid), ("_source", source), ("_file", file), ("_row", row), ("id_issue", issue)):
            lineage[k].append(v)
    return pa.table(cols, schema=INPUT_SCHEMA), pa.table({
        "uid": pa.array(lineage["uid"], pa.int64()), "_source": pa.array(lineage["_source"], pa.string()),
        "_file": pa.array(lineage["_file"], pa.string()), "_row": pa.array(lineage["_row"], pa.int32()),
        "id_issue": pa.array(lineage["id_issue"], pa.string())})


def _candidates(con: duckdb.DuckDBPyConnection, first_uid: int) -> pa.Table:
    """The known rows some damaged record (`_linkage_damaged`) blocks with, with every
    name of their ID: Splink's right input."""
    known = """
        SELECT k.id_number, k.name_key, p.name_py, p.name_py AS name_block,
               substr(k.id_number, 1, 14) AS prefix14, TRY_CAST(substr(k.id_number, 1, 7) AS BIGINT) AS first7
        FROM {names} AS k JOIN _linkage_pinyin AS p USING (name_key)"""
    by_digits = known.format(names="(SELECT * FROM _linkage_names WHERE substr(id_number, 1, 14) IN "
                                   "(SELECT prefix14 FROM _linkage_damaged))")
    by_name = known.format(names="(SELECT * FROM _linkage_names WHERE name_key IN (SELECT name_key FROM "
                                 "_linkage_pinyin WHERE name_py IN (SELECT name_block FROM _linkage_damaged)))")
    hits = " UNION ".join(f"SELECT r.id_number FROM _linkage_damaged AS l JOIN ({rows}) AS r ON {rule}"
                          for rows, rule in zip((by_digits, by_name), BLOCKING_RULES))
    return con.sql(f"""
        WITH hit AS ({hits})
        SELECT {first_uid} - 1 + row_number() OVER (ORDER BY k.id_number, k.name_key) AS unique_id,
               k.name_key, p.name_py, p.name_py AS name_block, 'known' AS id_kind, k.id_number AS id_digits,
               substr(k.id_number, 1, 14) AS prefix14, TRY_CAST(substr(k.id_number, 1, 7) AS BIGINT) AS first7,
               CAST(NULL AS BIGINT) AS first7_lo, CAST(NULL AS BIGINT) AS first7_hi,
               try_strptime(substr(k.id_number, 7, 8), '%Y%m%d')::DATE AS birth_date,
               CASE TRY_CAST(substr(k.id_number, 17, 1) AS INTEGER) % 2 WHEN 1 THEN '男' WHEN 0 THEN '女' END
                   AS sex,
               r.household_no, r.village_code, k.id_number
        FROM _linkage_names AS k
        SEMI JOIN hit USING (id_number)
        LEFT JOIN _linkage_pinyin AS p USING (name_key)
        LEFT JOIN _linkage_register AS r USING (id_number)
        ORDER BY unique_id""").to_arrow_table().cast(INPUT_SCHEMA)


def link_records(con: duckdb.DuckDBPyConnection, policy: Policy | None = None) -> dict:
    """Link staging records whose ID number is unusable to known IDs; write
    core.person_link and core.link_review; return counts only."""
    policy = policy or load_policy()
    con.execute("CREATE SCHEMA IF NOT EXISTS core")
    tables = _staging_columns(con)
    bad_sql = _bad_records_sql(tables)
    bad_rows = con.execute(bad_sql).fetchall() if bad_sql else []
    _create_outputs(con)
    summary: dict[str, Any] = {"records": len(bad_rows), "linked": 0, "review": 0, "by_source": {}}
    if not bad_rows:
        return summary
    damaged, lineage = _damaged_table(bad_rows)
    scored = None
    con.register("_linkage_damaged", damaged)
    con.register("_linkage_lineage", lineage)
    try:
        if _build_known(con, tables):
            n_known, u = _u_probabilities(con, policy)
            known = _candidates(con, damaged.num_rows)
            if known.num_rows:
                prior = min(0.5, policy.prior_share_known / max(n_known, 1))
                # Below this a pair can neither be shown to a clerk nor narrow a link's margin.
                weight_floor = math.log2(policy.link_threshold / (1 - policy.link_threshold)) - policy.margin_bits
                floor = min(policy.review_min_probability, 2 ** weight_floor / (1 + 2 ** weight_floor))
                scored = _score(damaged, known, splink_settings(policy, u, prior), floor)
        _decide(con, policy, scored, summary)
    finally:
        con.unregister("_linkage_damaged")
        con.unregister("_linkage_lineage")
        for table in ("_linkage_names", "_linkage_pinyin", "_linkage_register", "_linkage_ids"):
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    return summary


def _decide(con: duckdb.DuckDBPyConnection, policy: Policy, scored: pa.Table | None, summary: dict) -> None:
    """Rank each record's candidates, link the confident ones, send the rest to review."""
    if scored is None:
        scored = pa.table({"uid": pa.array([], pa.int64()), "id_number": pa.array([], pa.string()),
                           "match_weight": pa.array([], pa.float64()),
                           "match_probability": pa.array([], pa.float64()),
                           **{f"gamma_{c}": pa.array([], pa.int32()) for c in LEVELS}})
    labels = ", ".join(f"{_level_label_sql(c)} AS ev_{c}" for c in LEVELS)
    evidence = " || ', ' || ".join(f"'{c}=' || ev_{c}" for c in LEVELS)
    others = " AND ".join(f"ev_{c} <> 'else'" for c in LEVELS if c != "name")
    con.register("_linkage_scored", scored)
    try:
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _linkage_ranked AS
            WITH labelled AS (
                SELECT uid, id_number, match_weight, match_probability, {labels} FROM _linkage_scored
            ), best AS (   -- a known ID written with several names: its best-scoring name
                SELECT * FROM labelled
                QUALIFY row_number() OVER (PARTITION BY uid, id_number ORDER BY match_weight DESC, ev_name) = 1
            ), judged AS (
                SELECT *, ev_name IN {NAME_AGREES} AND {others} AS agrees,
                       ev_id_number IN {STRONG_ID_LEVELS} OR ev_birth_date = 'agree'
                           OR ev_household_no = 'agree' AS strong,
                       {evidence} AS evidence
                FROM best
            )
            SELECT *,
                   row_number() OVER (PARTITION BY uid ORDER BY agrees DESC, match_weight DESC, id_number) AS rank,
                   -- rank 1 agrees whenever any candidate does; the runner-up among those that agree
                   nth_value(match_weight, 2) OVER (
                       PARTITION BY uid, agrees ORDER BY match_weight DESC, id_number
                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS next_weight
            FROM judged""")
        con.execute(f"""
            CREATE OR REPLACE TEMP TABLE _linkage_decided AS
            SELECT b.uid, b._source, b._file, b._row, b.id_issue, t.id_number, t.match_probability, t.evidence,
                   CASE WHEN t.uid IS NULL THEN 'no_candidate'
                        WHEN NOT t.agrees THEN 'no_agreeing_candidate'
                        WHEN NOT t.strong THEN 'weak_evidence'
                        WHEN t.next_weight IS NOT NULL
                             AND t.match_weight - t.next_weight < {policy.margin_bits} THEN 'ambiguous'
                        WHEN t.match_probability < {policy.link_threshold} THEN 'low_probability'
                   END AS reason
            FROM _linkage_lineage AS b LEFT JOIN _linkage_ranked AS t ON t.uid = b.uid AND t.rank = 1""")
        con.execute(f"""
            INSERT INTO core.person_link
            SELECT _source, _file, _row, id_number, '{LINK_METHOD}', match_probability, evidence
            FROM _linkage_decided WHERE reason IS NULL
            ORDER BY _source, _file, _row""")
        con.execute(f"""
            INSERT INTO core.link_review
            SELECT r._source, r._file, r._row, r.id_issue, t.id_number, t.match_probability,
                   CAST(t.rank AS INTEGER), r.reason || coalesce(': ' || t.evidence, '')
            FROM _linkage_decided AS r
            LEFT JOIN _linkage_ranked AS t ON t.uid = r.uid AND t.rank <= {policy.review_candidates}
            WHERE r.reason IS NOT NULL
            ORDER BY r._source, r._file, r._row, t.rank NULLS FIRST""")
        rows = con.execute("""
            SELECT _source, count(*) FILTER (WHERE reason IS NULL), count(*) FILTER (WHERE reason IS NOT NULL)
            FROM _linkage_decided GROUP BY _source ORDER BY _source""").fetchall()
    finally:
        con.unregister("_linkage_scored")
        for table in ("_linkage_ranked", "_linkage_decided"):
            con.execute(f"DROP TABLE IF EXISTS temp.{table}")
    for source, linked, review in rows:
        summary["by_source"][source] = {"linked": linked, "review": review}
        summary["linked"] += linked
        summary["review"] += review
