"""The policy scenarios of policies/tests/*.yaml, run end to end.

Each scenario (format: policies/tests/README.md) becomes one pytest case named
`<file stem>::<scenario name>`. The scenarios of one run date share one in-memory
warehouse, each in its own namespace (see "running scenarios side by side"); it is built from the
scenario's rows (staging -> ref -> core -> labels -> rules, as the night does)
and compares rules.finding with the scenario's `expect`, `only` and `none`.

Rules arrive one at a time, so a scenario about a rule the engine does not
implement yet is skipped with the rule named, not failed; the worked examples
(`example: E1`...) always run, checking the part the engine implements. What
ran and what was skipped per rule is printed by test_scenarios_per_rule.
"""
from __future__ import annotations

import re
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from conftest_helpers import REPO, create_ref, create_staging, records, run_layers  # noqa: E402
from sources.contracts import load_contracts  # noqa: E402
from transforms.id_number import check_digit  # noqa: E402
from transforms.parameters import load_parameter_file, load_parameters  # noqa: E402

SCENARIO_DIR = REPO / "policies" / "tests"
DEFAULT_DATE = date(2026, 3, 15)
DEFAULT_HOUSEHOLD = "H1"
DEFAULT_VILLAGE = "371426102201"  # 前曹村, rural (digits 10-12: 201)

# The outputs policies.md asks scenarios for: every discoverable policy (§3,
# disc Y) and every REVIEW, WARNING and YELLOW rule (§4-§6).
DISCOVERABLE = (
    "DB_URBAN DB_RURAL DB_EDGE TK_URBAN TK_RURAL TEMP_EXPENSE TEMP_EMERGENCY ORPHAN "
    "FACT_UNSUPPORTED_CHILD CHILD_DIFFICULTY HIGH_AGE ELDER_ECON ELDER_CARE COLLEGE_NEW_DB "
    "DIS_LIVING DIS_NURSING DIS_CHILD_REHAB DIS_STUDENT MED_INPATIENT MED_OUTPATIENT_CHRONIC "
    "MED_CRITICAL_TILT MED_ILLNESS_POOR EDU_PRESCHOOL EDU_COMPULSORY EDU_HIGHSCHOOL EDU_VOC "
    "EDU_COLLEGE YULU PENSION_PREMIUM PUBLIC_JOB EMPLOY_HARD HOUSING_RURAL_RENO RENT_SUBSIDY "
    "MONITOR_AID UNION_POOR_WORKER VETERAN_HARDSHIP DISASTER_LIVING"
).split()
RULES = (
    "R_DECEASED_PAID R_JAIL_PAID R_MOVED_PAID R_DB_VEHICLE R_DB_PROPERTY R_DB_BUSINESS R_DB_GJJ "
    "R_DB_INCOME R_DB_TK R_ORPHAN_FUC R_TK_DIS_LIVING R_EXCLUSIVE R_CHILD_AGED_OUT R_FUC_LAPSED "
    "R_DIS_CERT R_DEBTOR_DB R_AMOUNT "
    "W_MED_POVERTY W_DISASTER_HOUSE W_EARNER_DEATH W_UNEMPLOY_MON W_DROPOUT W_NEW_SEVERE_DIS "
    "Y_JOB_REFUSAL Y_NO_REFERRAL"
).split()
CATALOGUE = DISCOVERABLE + RULES

KIND_OF_PREFIX = {"R_": "review", "W_": "warning", "Y_": "yellow"}

# Key columns a scenario need not write: filled with a running number.
AUTO_KEYS = {
    "jtj_xs": ("student_no", "XJ{n:04d}"), "bzs_hh": ("cremation_no", "HH{n:04d}"),
    "ybj_js": ("settlement_no", "JS{n:04d}"), "scjg_zt": ("credit_code", "91371426MA{n:08d}"),
    "bdc_dj": ("unit_no", "371426{n:06d}GB00001F0001"), "cgs_cl": ("plate_no", "鲁N{n:05d}"),
    "fy_sxr": ("case_no", "(2025)鲁1426执{n}号"), "yjj_sz": ("disaster_no", "ZQ{n:04d}"),
}
# Columns that almost every row of a source has the same way: written only when they differ.
DEFAULTS = {
    "mzj_jzdx": {"start_month": date(2024, 1, 1)},
    "swj_sr": {"tax_year": 2025},
    "clh_cjr": {"cert_status": "有效", "issue_date": date(2018, 1, 1)},
}


# --- reading scenarios -----------------------------------------------------------

@lru_cache(maxsize=1)
def column_names() -> dict[str, dict[str, tuple[str, str]]]:
    """source -> {header, alias or canonical name -> (canonical name, type)}."""
    out: dict[str, dict[str, tuple[str, str]]] = {}
    for code, contract in load_contracts().items():
        names: dict[str, tuple[str, str]] = {}
        for c in contract.columns:
            for key in (c.name, c.header, *c.aliases):
                names.setdefault(key, (c.name, c.type))
        # every source's person-name column answers to 姓名 too (逝者姓名, 权利人, ...)
        names.setdefault("姓名", ("name", "text"))
        out[code] = names
    return out


def valid_id(value: Any, where: str) -> str:
    """An ID written in a scenario: 17 digits get their GB 11643 check digit;
    18 characters must carry the right one (a typo would test the wrong thing)."""
    text = str(value).strip().upper()
    if re.fullmatch(r"\d{17}", text):
        return text + check_digit(text)
    if not re.fullmatch(r"\d{17}[\dX]", text):
        raise ValueError(f"{where}: {value!r} is not an ID number (17 digits, or 18 with check digit)")
    if check_digit(text[:17]) != text[17]:
        raise ValueError(f"{where}: {text} has check digit {text[17]}, GB 11643 gives {check_digit(text[:17])}")
    return text


def made_up_id(birth: date, number: int, sex: str) -> str:
    """A synthetic ID for a person written with 出生日期 only: the county code of
    the birth year (372422 before 1994, policies.md §7), a sequence number whose
    parity gives the sex, and the check digit."""
    prefix = "372422" if birth.year < 1994 else "371426"
    order = 2 * (10 + number) + (1 if sex == "男" else 0)
    first17 = f"{prefix}{birth:%Y%m%d}{order:03d}"
    return first17 + check_digit(first17)


def typed(value: Any, kind: str, where: str) -> Any:
    if value is None:
        return None
    if kind in ("date", "yearmonth"):
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value.replace(day=1) if kind == "yearmonth" else value
        text = str(value).strip()
        m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", text)
        if not m:
            raise ValueError(f"{where}: {value!r} is not a date (YYYY-MM-DD or YYYY-MM)")
        return date(int(m[1]), int(m[2]), int(m[3] or 1))
    if kind == "id_number":
        return valid_id(value, where)
    if kind == "integer":
        return int(value)
    if kind == "amount":
        return float(value)
    return str(value)


PERSON_KEYS = {"户籍", "出生", "关系"}


@dataclass
class Scenario:
    file: str
    name: str
    raw: dict[str, Any]
    run_date: date = DEFAULT_DATE
    rule: str | None = None
    example: str | None = None
    rows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    ids: dict[str, str] = field(default_factory=dict)  # 姓名 -> ID
    households: set[str] = field(default_factory=set)

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"

    def name_of(self, id_number: str | None) -> str:
        for name, i in self.ids.items():
            if i == id_number:
                return name
        return id_number or "?"


def canonical_row(source: str, given: dict[str, Any], where: str) -> dict[str, Any]:
    names = column_names().get(source)
    if names is None:
        raise ValueError(f"{where}: no source {source!r} (sources/contracts)")
    row: dict[str, Any] = {}
    for key, value in given.items():
        if key in ("id_number_raw", "_file", "_row"):
            row[key] = value
            continue
        if key not in names:
            raise ValueError(f"{where}: {source} has no column {key!r}")
        name, kind = names[key]
        row[name] = typed(value, kind, f"{where} {source}.{key}")
    return row


def build_scenario(file: str, raw: dict[str, Any]) -> Scenario:
    name = str(raw.get("name") or "").strip()
    if not name:
        raise ValueError(f"{file}: a scenario without a name")
    sc = Scenario(file=file, name=name, raw=raw, rule=raw.get("rule"), example=raw.get("example"))
    where = f"{file} / {name}"
    sc.run_date = typed(raw.get("date", DEFAULT_DATE), "date", where)
    household = str(raw.get("户号", DEFAULT_HOUSEHOLD))
    village = str(raw.get("村居代码", DEFAULT_VILLAGE))
    rows: dict[str, list[dict[str, Any]]] = {}
    pending: list[tuple[str, str, dict[str, Any]]] = []  # (source, person, row) to attach IDs to

    for number, person in enumerate(raw.get("people") or []):
        person = dict(person)
        pname = str(person.get("姓名") or "")
        if not pname:
            raise ValueError(f"{where}: a person without 姓名")
        pwhere = f"{where} / {pname}"
        inline = {k: person.pop(k) for k in list(person) if k in column_names()}
        in_register = person.pop("户籍", "有") != "无"
        birth = typed(person.pop("出生", person.get("出生日期")), "date", pwhere)
        if birth is not None:
            person["出生日期"] = birth
        sex = person.get("性别")
        id_given = next((person.pop(k) for k in ("身份证号", "公民身份号码", "id_number") if k in person), None)
        if id_given is not None:
            id_number = valid_id(id_given, pwhere)
        elif birth is not None:
            id_number = made_up_id(birth, number, sex or "男")
        else:
            raise ValueError(f"{pwhere}: give 身份证号 or 出生")
        if pname in sc.ids:
            raise ValueError(f"{where}: two people named {pname}")
        sc.ids[pname] = id_number
        if "关系" in person:
            person["与户主关系"] = person.pop("关系")
        if in_register:
            gaj = {"户号": household, "村居代码": village, "人员状态": "正常", "民族": "汉族"}
            gaj.update(person)
            gaj["公民身份号码"] = id_number
            gaj.setdefault("乡镇街道代码", str(gaj["村居代码"])[:9])
            gaj.setdefault("性别", "男" if int(id_number[16]) % 2 else "女")
            gaj.setdefault("住址", f"平原县{gaj['村居代码']}")
            if "与户主关系" not in gaj:
                raise ValueError(f"{pwhere}: give 关系 (与户主关系)")
            row = canonical_row("gaj_hjrk", gaj, pwhere)
            sc.households.add(row["household_no"])
            rows.setdefault("gaj_hjrk", []).append(row)
        for source, given in inline.items():
            for r in given if isinstance(given, list) else [given]:
                pending.append((source, pname, dict(r or {})))

    for source, given in (raw.get("rows") or {}).items():
        for r in given:
            pending.append((source, "", dict(r)))

    counters: dict[str, int] = {}
    for source, pname, given in pending:
        rwhere = f"{where} / {source}"
        row = canonical_row(source, given, rwhere)
        person = pname or row.get("name")
        if pname:
            row.setdefault("name", pname)
        if "id_number" not in row:
            if person not in sc.ids:
                raise ValueError(f"{rwhere}: row for {person!r}, who is not among the people")
            row["id_number"] = sc.ids[person]
        for column, value in DEFAULTS.get(source, {}).items():
            row.setdefault(column, value)
        if source in AUTO_KEYS:
            key, pattern = AUTO_KEYS[source]
            counters[source] = counters.get(source, 0) + 1
            row.setdefault(key, pattern.format(n=counters[source]))
        if source in ("xczx_jc", "zjj_zf") and row.get("household_no"):
            sc.households.add(row["household_no"])
        rows.setdefault(source, []).append(row)
    sc.rows = rows
    return sc


def load_scenarios() -> list[Scenario]:
    scenarios: list[Scenario] = []
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or []
        if not isinstance(raw, list):
            raise ValueError(f"{path.name}: a scenario file is a list of scenarios")
        seen = set()
        for item in raw:
            sc = build_scenario(path.stem, item)
            if sc.name in seen:
                raise ValueError(f"{path.name}: two scenarios named {sc.name!r}")
            seen.add(sc.name)
            scenarios.append(sc)
    return scenarios


SCENARIOS = load_scenarios()


def scenario_ids(scenarios: list[Scenario]) -> list[str]:
    """`<file>::<the ASCII words of the name>`: pytest escapes Chinese in ids
    into \\u sequences nobody can read, so the codes in a name carry the id
    (the full name is in the failure message)."""
    ids, seen = [], set()
    for sc in scenarios:
        words = " ".join(re.findall(r"[A-Za-z0-9_.+<>=-]+", sc.name)) or "scenario"
        base = f"{sc.file}::{words}"
        tid, n = base, 1
        while tid in seen:
            n += 1
            tid = f"{base} #{n}"
        seen.add(tid)
        ids.append(tid)
    return ids


# --- what the engine implements --------------------------------------------------

def code_of(rule_code: str, policy_code: str | None) -> str:
    """The catalogue code a finding belongs to: its policy for a DISCOVER, else the rule."""
    return policy_code if rule_code == "DISCOVER" else rule_code


def _codes_from(obj: Any) -> set[str]:
    if obj is None:
        return set()
    if callable(obj):
        obj = obj()
    if isinstance(obj, dict):
        obj = list(obj)
    codes = set()
    for item in obj:
        code = item if isinstance(item, str) else getattr(item, "code", None) or (
            item.get("code") if isinstance(item, dict) else None)
        if code:
            codes.add(str(code))
    return codes


def _sql_rule_codes() -> set[str]:
    """Codes of today's hand-written rule tables: discover_<policy>, review_<rule>, ..."""
    prefix = {"discover": "", "review": "R_", "warning": "W_", "yellow": "Y_"}
    codes = set()
    for path in (REPO / "sql" / "rules").glob("*.sql"):
        kind, _, rest = path.stem.partition("_")
        if kind in prefix and rest:
            codes.add(prefix[kind] + rest.upper())
    return codes


def _yaml_rule_codes() -> set[str]:
    codes = set()
    for path in sorted((REPO / "policies" / "rules").glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        docs = data if isinstance(data, list) else [data]
        for doc in docs:
            if isinstance(doc, dict):
                for key in ("code", "rule_code", "policy_code"):
                    if isinstance(doc.get(key), str):
                        codes.add(doc[key])
                        break
                for item in doc.get("rules", []) or []:
                    if isinstance(item, dict) and isinstance(item.get("code"), str):
                        codes.add(item["code"])
    return codes


def engine():
    try:
        from transforms import rules
    except ImportError:
        return None
    return rules if hasattr(rules, "run_rules") else None


@lru_cache(maxsize=1)
def implemented_codes() -> frozenset[str]:
    """The catalogue codes the rules layer produces today: what the engine says
    it implements, else its YAML rules and today's SQL rule tables."""
    rules = engine()
    if rules is not None:
        for attr in ("implemented_codes", "IMPLEMENTED_CODES", "load_rules"):
            if hasattr(rules, attr):
                codes = _codes_from(getattr(rules, attr))
                if codes:
                    return frozenset(codes)
        return frozenset(_yaml_rule_codes() | _sql_rule_codes())
    return frozenset(_sql_rule_codes())


# --- running a scenario ------------------------------------------------------------

def apply_parameter_overrides(con: duckdb.DuckDBPyConnection, run_date: date,
                              overrides: dict[str, Any], tmp_dir: Path) -> None:
    """`NAME: value` holds on every date; `NAME: [{effective_from, value}, ...]`
    adds dated entries to the parameter's history, read as the night reads it."""
    dated = {k: v for k, v in overrides.items()
             if isinstance(v, list) and v and all(isinstance(e, dict) for e in v)}
    if dated:
        merged = {k: dict(v, values=list(v["values"])) for k, v in load_parameter_file().items()}
        for name, entries in dated.items():
            if name not in merged:
                raise KeyError(f"parameter {name} is not in policies/parameters.yaml")
            for e in entries:
                merged[name]["values"].append({"effective_from": typed(e["effective_from"], "date", name),
                                               "value": e["value"]})
        path = tmp_dir / "parameters.yaml"
        path.write_text(yaml.safe_dump(merged, allow_unicode=True, sort_keys=True), encoding="utf-8")
        load_parameters(con, run_date, path)
    for name, value in overrides.items():
        if name in dated:
            continue
        known = con.execute("SELECT count(*) FROM ref.parameter WHERE name = ?", [name]).fetchall()[0][0]
        if not known:
            raise KeyError(f"parameter {name} is not in force on {run_date}")
        if isinstance(value, list):
            con.execute("UPDATE ref.parameter SET value = NULL, text_value = ? WHERE name = ?",
                        ["|".join(str(v) for v in value), name])
        else:
            con.execute("UPDATE ref.parameter SET value = ?, text_value = NULL WHERE name = ?",
                        [float(value), name])


def _build_and_run(rows: dict[str, list[dict[str, Any]]], run_date: date,
                   parameters: dict[str, Any] | None, tmp_dir: Path) -> list[dict[str, Any]]:
    con = duckdb.connect()
    create_staging(con, rows, extract_date=date.fromordinal(run_date.toordinal() - 1))
    create_ref(con, run_date)
    if parameters:
        apply_parameter_overrides(con, run_date, parameters, tmp_dir)
    run_layers(con, ("core", "labels"))
    rules = engine()
    if rules is not None:
        rules.run_rules(con)
    else:
        run_layers(con, ("rules",))
    return records(con, "SELECT * FROM rules.finding ORDER BY rule_code, policy_code, id_number, household_no")


# --- running scenarios side by side ------------------------------------------------
#
# Every rule reads one person, their household or their parents (policies.md
# §2): nothing compares households with each other. So the scenarios of one
# run date without parameter overrides run together in one warehouse, each in
# its own namespace: ID digits 3-6 (the region code, which no rule reads) and
# the 户号 and record keys carry the scenario's number. A night's findings are
# then dealt back to the scenarios and renamed to what each scenario wrote.
# This keeps ~150 scenarios to a few warehouses instead of one each.

def _id_in(index: int, id_number: str) -> str:
    first17 = f"{id_number[:2]}{index:04d}{id_number[6:17]}"
    return first17 + check_digit(first17)


def _household_in(index: int, household_no: str) -> str:
    return f"S{index:04d}-{household_no}"


@lru_cache(maxsize=1)
def _id_columns() -> dict[str, set[str]]:
    return {code: {c.name for c in contract.columns if c.type == "id_number"}
            for code, contract in load_contracts().items()}


def _namespaced_rows(index: int, sc: Scenario) -> dict[str, list[dict[str, Any]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for source, rows in sc.rows.items():
        key = AUTO_KEYS.get(source, (None,))[0]
        for row in rows:
            row = dict(row)
            for column in _id_columns()[source]:
                if row.get(column):
                    row[column] = _id_in(index, row[column])
            if row.get("household_no"):
                row["household_no"] = _household_in(index, row["household_no"])
            if key and row.get(key):
                row[key] = f"S{index:04d}-{row[key]}"
            out.setdefault(source, []).append(row)
    return out


def batchable(sc: Scenario) -> bool:
    return not sc.raw.get("parameters")


@lru_cache(maxsize=None)
def _batch_findings(run_date: date) -> dict[str, list[dict[str, Any]]]:
    """scenario id -> its findings, for every batchable scenario of `run_date`."""
    members = [sc for sc in SCENARIOS if batchable(sc) and sc.run_date == run_date and not skip_reason(sc)]
    rows: dict[str, list[dict[str, Any]]] = {}
    owner_of_id: dict[str, tuple[Scenario, str]] = {}
    owner_of_household: dict[str, tuple[Scenario, str]] = {}
    for index, sc in enumerate(members):
        for source, source_rows in _namespaced_rows(index, sc).items():
            rows.setdefault(source, []).extend(source_rows)
        for source, source_rows in sc.rows.items():
            for row in source_rows:
                for column in _id_columns()[source]:
                    if row.get(column):
                        owner_of_id[_id_in(index, row[column])] = (sc, row[column])
                if row.get("household_no"):
                    owner_of_household[_household_in(index, row["household_no"])] = (sc, row["household_no"])
    found: dict[str, list[dict[str, Any]]] = {sc.id: [] for sc in members}
    for f in _build_and_run(rows, run_date, None, Path(".")):
        owner = owner_of_id.get(f["id_number"]) or owner_of_household.get(f["household_no"])
        if owner is None:
            raise AssertionError(f"a finding nobody's scenario owns: {f['rule_code']} {f['policy_code']}")
        sc = owner[0]
        f = dict(f)
        if f["id_number"] in owner_of_id:
            f["id_number"] = owner_of_id[f["id_number"]][1]
        if f["household_no"] in owner_of_household:
            f["household_no"] = owner_of_household[f["household_no"]][1]
        found[sc.id].append(f)
    return found


def run_scenario(sc: Scenario, tmp_dir: Path) -> list[dict[str, Any]]:
    if batchable(sc):
        return _batch_findings(sc.run_date)[sc.id]
    return _build_and_run(sc.rows, sc.run_date, sc.raw.get("parameters"), tmp_dir)


def kind_of(rule_code: str) -> str:
    return KIND_OF_PREFIX.get(rule_code[:2], "discover")


def describe(f: dict[str, Any], who: str) -> str:
    amount = f.get("amount")
    money = "" if amount is None else f" {float(amount):,.2f}/{f.get('amount_period') or '?'}"
    pri = f" pri {f['priority']}" if f.get("priority") is not None else ""
    policy = f" {f['policy_code']}" if f.get("policy_code") else ""
    return f"{f.get('rule_code')}{policy} {who}{money}{pri}"


def matches(exp: dict[str, Any], f: dict[str, Any], sc: Scenario) -> bool:
    if f["rule_code"] != exp["rule_code"]:
        return False
    if exp.get("policy_code") and f["policy_code"] != exp["policy_code"]:
        return False
    if "kind" in exp and f["kind"] != exp["kind"]:
        return False
    who = exp.get("who")
    if who is not None:
        who = str(who)
        if who in sc.ids and who not in sc.households:
            if f["id_number"] != sc.ids[who] or f["target"] == "household":
                return False
        elif f["target"] != "household" or f["household_no"] != who:
            return False
    if "amount" in exp:
        if exp["amount"] is None:
            if f["amount"] is not None:
                return False
        elif f["amount"] is None or abs(float(f["amount"]) - float(exp["amount"])) > 0.005:
            return False
    for key in ("amount_period", "priority", "time_limit", "target"):
        if key in exp and f.get(key) != exp[key]:
            return False
    if "reason_contains" in exp:
        texts = exp["reason_contains"] if isinstance(exp["reason_contains"], list) else [exp["reason_contains"]]
        if not all(str(t) in (f.get("reason") or "") for t in texts):
            return False
    return True


def who_of(f: dict[str, Any], sc: Scenario) -> str:
    return f["household_no"] if f["target"] == "household" else sc.name_of(f["id_number"])


def none_entries(value: Any) -> list[tuple[str, str | None]]:
    """`none: [R_DB_VEHICLE, DISCOVER DB_RURAL]` -> [(rule, policy or None)]."""
    out = []
    for entry in value if isinstance(value, list) else [value]:
        parts = str(entry).split()
        out.append((parts[0], parts[1] if len(parts) > 1 else None))
    return out


def check(sc: Scenario, found: list[dict[str, Any]]) -> list[str]:
    implemented = set(implemented_codes()) | {code_of(f["rule_code"], f["policy_code"]) for f in found}
    problems: list[str] = []
    expected = [dict(e) for e in sc.raw.get("expect") or []]
    checked = [e for e in expected if code_of(e["rule_code"], e.get("policy_code")) in implemented]
    unmatched = list(found)
    for exp in checked:
        if "kind" in exp and exp["kind"] != kind_of(exp["rule_code"]):
            problems.append(f"expectation {exp} names kind {exp['kind']}, its rule says {kind_of(exp['rule_code'])}")
        hit = next((f for f in unmatched if matches(exp, f, sc)), None)
        if hit is None:
            want = describe(exp, str(exp.get("who", "")))
            if exp.get("reason_contains"):
                want += f" reason containing {exp['reason_contains']!r}"
            problems.append(f"missing:  {want}")
        else:
            unmatched.remove(hit)
    if sc.raw.get("only"):
        for f in unmatched:
            problems.append(f"unexpected: {describe(f, who_of(f, sc))} — {f.get('reason')}")
    none = sc.raw.get("none")
    if none is True:
        for f in found:
            problems.append(f"unexpected: {describe(f, who_of(f, sc))} — {f.get('reason')}")
    elif none:
        for rule, policy in none_entries(none):
            for f in found:
                if f["rule_code"] == rule and (policy is None or f["policy_code"] == policy):
                    problems.append(f"unexpected: {describe(f, who_of(f, sc))} — {f.get('reason')}")
    if problems:
        shown = "\n".join(f"    {describe(f, who_of(f, sc))}" for f in found) or "    (none)"
        wanted = "\n".join(f"    {describe(e, str(e.get('who', '')))}" for e in checked) or "    (none)"
        problems.append(f"expected:\n{wanted}\n  found:\n{shown}")
    return problems


def skip_reason(sc: Scenario) -> str | None:
    if sc.example:
        return None
    if not sc.rule:
        return None
    if sc.rule not in implemented_codes():
        return f"{sc.rule} is not implemented by the rules engine yet"
    return None


@pytest.mark.parametrize("sc", SCENARIOS, ids=scenario_ids(SCENARIOS))
def test_scenario(sc: Scenario, tmp_path):
    reason = skip_reason(sc)
    if reason:
        pytest.skip(reason)
    found = run_scenario(sc, tmp_path)
    problems = check(sc, found)
    if problems:
        pytest.fail(f"{sc.id}\n  " + "\n  ".join(problems), pytrace=False)


# --- the scenario files themselves ----------------------------------------------

def scenario_codes(sc: Scenario) -> tuple[set[str], set[str]]:
    """(codes the scenario expects findings of, codes it expects none of)."""
    positive = {code_of(e["rule_code"], e.get("policy_code")) for e in sc.raw.get("expect") or []}
    negative: set[str] = set()
    none = sc.raw.get("none")
    if none is True:
        negative.add(sc.rule) if sc.rule else None
    elif none:
        negative |= {code_of(r, p) for r, p in none_entries(none)}
    if sc.raw.get("only") and sc.rule and sc.rule not in positive:
        negative.add(sc.rule)
    return positive, negative


def test_every_scenario_names_known_codes_and_keys():
    allowed = {"name", "rule", "example", "date", "parameters", "户号", "村居代码", "people", "rows",
               "expect", "only", "none"}
    exp_keys = {"kind", "rule_code", "policy_code", "who", "amount", "amount_period", "priority",
                "time_limit", "target", "reason_contains"}
    problems = []
    for sc in SCENARIOS:
        if set(sc.raw) - allowed:
            problems.append(f"{sc.id}: unknown keys {sorted(set(sc.raw) - allowed)}")
        if not sc.example and sc.rule not in CATALOGUE:
            problems.append(f"{sc.id}: rule {sc.rule!r} is not a catalogue code")
        for e in sc.raw.get("expect") or []:
            if set(e) - exp_keys or "rule_code" not in e:
                problems.append(f"{sc.id}: expectation {e} (keys: {sorted(exp_keys)})")
            elif code_of(e["rule_code"], e.get("policy_code")) not in CATALOGUE:
                problems.append(f"{sc.id}: expectation of unknown code {e}")
            elif e.get("who") is not None and str(e["who"]) not in sc.ids and str(e["who"]) not in sc.households:
                problems.append(f"{sc.id}: expectation for {e['who']!r}, who is not in the scenario")
        if not sc.raw.get("expect") and not sc.raw.get("none") and not sc.raw.get("only"):
            problems.append(f"{sc.id}: expects nothing (give expect, only or none)")
    assert not problems, "\n".join(problems)


def test_worked_examples_e1_to_e7_are_all_there():
    assert sorted(sc.example for sc in SCENARIOS if sc.example) == [f"E{i}" for i in range(1, 8)]


def test_every_rule_has_a_positive_and_a_negative_scenario():
    positive: dict[str, int] = {c: 0 for c in CATALOGUE}
    negative: dict[str, int] = {c: 0 for c in CATALOGUE}
    for sc in SCENARIOS:
        if sc.example:
            continue
        pos, neg = scenario_codes(sc)
        if sc.rule in pos:
            positive[sc.rule] += 1
        if sc.rule in neg:
            negative[sc.rule] += 1
    missing = [f"{c}: {positive[c]} positive, {negative[c]} negative"
               for c in CATALOGUE if not positive[c] or not negative[c]]
    assert not missing, "rules without both a positive and a negative scenario:\n" + "\n".join(missing)


def test_scenarios_per_rule(capsys):
    """Not a check: the table of scenarios per rule and which of them run tonight."""
    implemented = implemented_codes()
    lines = [f"{'code':<24} {'scen':>4} {'run':>4} {'skip':>4}"]
    for code in CATALOGUE:
        mine = [sc for sc in SCENARIOS if sc.rule == code]
        ran = sum(1 for sc in mine if code in implemented)
        lines.append(f"{code:<24} {len(mine):>4} {ran:>4} {len(mine) - ran:>4}")
    examples = [sc for sc in SCENARIOS if sc.example]
    lines.append(f"{'worked examples':<24} {len(examples):>4} {len(examples):>4} {0:>4}")
    with capsys.disabled():
        print("\nscenarios per rule (policies/tests):\n" + "\n".join(lines))
