"""The policy engine: policies/rules/*.yaml compiled to DuckDB SQL, run set-based.

A rule file is what a civil-affairs officer reads and changes (format:
policies/rules/README.md): who it targets, its conditions as SQL boolean
expressions over the facts of policies.md §2 (sql/rules/person_facts.sql,
household_facts.sql, benefit_facts.sql), each with the Chinese words the
reason is built from, the amount, priority, time limit, and which facts'
source rows to cite. Nothing is generated onto disk: every night reads the
YAML and compiles it afresh, so there is no SQL file to forget to regenerate.

Order (policies.md §2): the facts tables; then TK; then DB/DB_EDGE (TKP is
known: TKP members leave n); then ORPHAN, FACT_UNSUPPORTED_CHILD,
CHILD_DIFFICULTY; then W_*; then every other policy; then R_*, Y_*. Between
stages `rules.person_status` / `rules.household_status` are rebuilt so that a
later rule can read IN(p, X) (received or eligible tonight), DBH, TKP, HARD,
HARD_KID and the warnings of tonight.

Each discoverable policy X lands in `rules.eligible_<x>` (criteria hold, target
alive, in the county, not in prison); its DISCOVER findings are the eligible
rows that do not receive X, receive no code exclusive with X, and are not
outranked by an exclusive code also eligible (higher amount; tie: lower
catalogue number). REVIEW / WARNING / YELLOW rules land in `rules.hit_<code>`.
`rules.rule_output` unions them and sql/rules/finding.sql names the items.

Parameters: `param('X')` in a rule is the value of X in force on the run date
(ref.parameter, filled from policies/parameters.yaml); a parameter whose first
value is dated after the run date is NULL, so every condition that reads it is
false and every amount NULL: it changes nothing before its date.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

import duckdb
import yaml

from transforms.parameters import load_parameter_file, parameters_in_force
from transforms.warehouse import SQL_DIR, build_models, build_sql, models_in_order, side_by_side

REPO = Path(__file__).resolve().parents[1]
RULES_DIR = REPO / "policies" / "rules"
# libyaml's loader where PyYAML has it: every night and every test process reads ~70 rule files
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

KINDS = ("discover", "review", "warning", "yellow")
TARGETS = ("person", "household")
OVERS = ("person", "household", "benefit")
PERIODS = ("month", "year", "once")
CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9_]*")
TIME_LIMIT_PATTERN = re.compile(r"\d+(wd|h)")
PARAM_CALL = re.compile(r"param\(\s*'([A-Za-z0-9_]+)'\s*\)")
IN_CALL = re.compile(r"\b(in_|rcv|eligible)\(\s*'([A-Z0-9_]+)'\s*\)")
PLACEHOLDER = re.compile(r"\{([^{}]+)\}")

# policies.md §3, in catalogue order (catalogue number = position + 1)
POLICY_CODES = (
    "DB_URBAN", "DB_RURAL", "DB_EDGE", "TK_URBAN", "TK_RURAL", "TEMP_EXPENSE", "TEMP_EMERGENCY", "ORPHAN",
    "FACT_UNSUPPORTED_CHILD", "CHILD_DIFFICULTY", "HIGH_AGE", "ELDER_ECON", "ELDER_CARE", "COLLEGE_NEW_DB",
    "FUNERAL_BENEFIT", "DIS_LIVING", "DIS_NURSING", "DIS_CHILD_REHAB", "DIS_ASSISTIVE", "DIS_HOME_ACCESS",
    "DIS_STUDENT", "MED_PREMIUM", "MED_INPATIENT", "MED_OUTPATIENT_CHRONIC", "MED_CRITICAL_TILT",
    "MED_ILLNESS_POOR", "EDU_PRESCHOOL", "EDU_COMPULSORY", "EDU_HIGHSCHOOL", "EDU_VOC", "EDU_COLLEGE", "YULU",
    "PENSION_PREMIUM", "PUBLIC_JOB", "EMPLOY_HARD", "HOUSING_RURAL_RENO", "PUBLIC_RENTAL", "RENT_SUBSIDY",
    "MONITOR_AID", "MICROCREDIT", "UNION_POOR_WORKER", "VETERAN_HARDSHIP", "DISASTER_LIVING", "LEGAL_AID",
)

# TK runs first so that TKP(p) is known when DB and DB_EDGE leave TKP members out of n
STAGE_0 = ("TK_URBAN", "TK_RURAL")
STAGE_1 = ("DB_URBAN", "DB_RURAL", "DB_EDGE")
STAGE_2 = ("ORPHAN", "FACT_UNSUPPORTED_CHILD", "CHILD_DIFFICULTY")
STAGE_NAMES = {0: "TK", 1: "DB/DB_EDGE", 2: "ORPHAN/FUC/CHILD_DIFFICULTY", 3: "warnings", 4: "other policies",
               5: "reviews and yellow lights"}

REQUIRED = ("code", "kind", "target", "priority", "time_limit", "reference", "conditions", "reason",
            "evidence")
KNOWN_FIELDS = set(REQUIRED) | {"名称", "name", "policy", "number", "department", "discoverable", "receipt",
                                "received_when", "exclusive_with", "amount", "let", "fingerprint", "over",
                                "allow_jail", "note", "reviewed", "receipt_in_conditions"}

# Connections a stage's rules run on at once (see _side_by_side); 1 runs them one by one.
RULE_CONNECTIONS = 2

# The rules' working tables (the joined facts, each stage's status) live in an in-memory
# database attached for the run: they are read many times and thrown away, and writing a
# table of half a million rows into the warehouse file (compressed, checkpointed) costs two
# to four times building it. Attached, not TEMP: the stage's rules run on other connections
# (cursors) of the same database, which see attached databases but not each other's TEMP
# tables. What outlives the run (the final status, the views) is written to `rules` at the end.
SCRATCH = "rules_scratch"


def scratch(name: str) -> str:
    return f"{SCRATCH}.{name}"

OUTPUT_COLUMNS = ("kind", "rule_code", "policy_code", "target", "id_number", "household_no", "amount",
                  "amount_period", "priority", "time_limit", "reason", "evidence", "facts_fingerprint")


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    kind: str
    policy: str | None  # None: no single policy; "benefit": the benefit reviewed
    target: str
    over: str
    priority: str  # an SQL expression (usually a number)
    time_limit: str  # an SQL expression (usually a quoted literal)
    reference: str
    conditions: tuple[tuple[str, str], ...]  # (SQL boolean expression, Chinese text)
    reason: str
    evidence: tuple[str, ...]
    path: Path
    number: int | None = None
    department: str | None = None
    discoverable: bool = True
    receipt: str | None = None
    received_when: str | None = None
    exclusive_with: tuple[str, ...] = ()
    amount: str | None = None
    period: str | None = None
    let: tuple[tuple[str, str], ...] = ()
    fingerprint: tuple[str, ...] = ()
    allow_jail: bool = False
    reviewed: tuple[str, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def table(self) -> str:
        prefix = "eligible" if self.kind == "discover" else "hit"
        return f"rules.{prefix}_{self.code.lower()}"

    @property
    def stage(self) -> int:
        if self.kind == "discover":
            if self.code in STAGE_0:
                return 0
            if self.code in STAGE_1:
                return 1
            if self.code in STAGE_2:
                return 2
            return 4
        if self.kind == "warning":
            return 3
        return 5

    def parameters(self) -> list[str]:
        text = " ".join(self.expressions())
        return sorted(set(PARAM_CALL.findall(text)))

    def expressions(self) -> list[str]:
        out = [c for c, _ in self.conditions] + [e for _, e in self.let] + list(self.fingerprint)
        out += [self.amount or "", self.priority, self.time_limit, self.received_when or ""]
        out += PLACEHOLDER.findall(self.reason)
        return out


# --- loading and validation ------------------------------------------------------

def _fail(path: Path, field_name: str, message: str) -> RuleError:
    return RuleError(f"{path.name}: {field_name}: {message}")


def _known_parameters(parameters_file: Path | None = None) -> dict[str, bool]:
    """name -> is a list parameter, over every dated value of the file."""
    out = {}
    for name, spec in load_parameter_file(parameters_file).items():
        out[name] = any(isinstance(v.get("value"), (list, tuple)) for v in spec["values"])
    return out


def _literal_or_expression(value: Any, path: Path, field_name: str, pattern: re.Pattern | None = None) -> str:
    if isinstance(value, bool):
        raise _fail(path, field_name, "must be a number, a word or an SQL expression")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str) and value.strip():
        if pattern is not None and pattern.fullmatch(value.strip()):
            return "'" + value.strip() + "'"
        return value.strip()
    raise _fail(path, field_name, "is empty")


def parse_rule(raw: Any, path: Path, known_parameters: dict[str, bool] | None = None) -> Rule:
    """One rule file's YAML -> Rule, or a RuleError naming the file and field."""
    if not isinstance(raw, dict):
        raise RuleError(f"{path.name}: the file must be a mapping of fields (code, kind, conditions ...)")
    for key in REQUIRED:
        if key not in raw or raw[key] in (None, "", []):
            raise _fail(path, key, "is missing")
    unknown = set(raw) - KNOWN_FIELDS
    if unknown:
        raise _fail(path, sorted(unknown)[0], f"is not a field of a rule (known: {', '.join(sorted(KNOWN_FIELDS))})")
    code = str(raw["code"])
    if not CODE_PATTERN.fullmatch(code):
        raise _fail(path, "code", f"{code!r} is not an UPPER_SNAKE code")
    if path.suffix == ".yaml" and path.stem != code:
        raise _fail(path, "code", f"{code} differs from the file name {path.stem}")
    name = raw.get("名称") or raw.get("name")
    if not name:
        raise _fail(path, "名称", "is missing")
    kind = raw["kind"]
    if kind not in KINDS:
        raise _fail(path, "kind", f"{kind!r} is not one of {', '.join(KINDS)}")
    target = raw["target"]
    if target not in TARGETS:
        raise _fail(path, "target", f"{target!r} is not one of {', '.join(TARGETS)}")
    over = raw.get("over", target)
    if over not in OVERS:
        raise _fail(path, "over", f"{over!r} is not one of {', '.join(OVERS)}")
    if over == "benefit" and target != "person":
        raise _fail(path, "over", "a rule over each benefit targets the person paid")
    if over == "household" and target != "household" or over == "person" and target != "person":
        raise _fail(path, "over", f"{over!r} does not match target {target!r}")
    policy = raw.get("policy")
    if kind == "discover":
        policy = policy or code
        if policy != code:
            raise _fail(path, "policy", "a discover rule's policy is its code")
        if code not in POLICY_CODES:
            raise _fail(path, "code", f"{code} is not a policy of policies.md §3")
        if raw.get("number") != POLICY_CODES.index(code) + 1:
            raise _fail(path, "number", f"{code} is number {POLICY_CODES.index(code) + 1} of policies.md §3")
        if raw.get("discoverable", "Y") not in ("Y", "N", True, False):
            raise _fail(path, "discoverable", "must be Y or N")
    if policy == "benefit" and over != "benefit":
        raise _fail(path, "policy", "'benefit' needs `over: benefit`")
    reviewed = raw.get("reviewed") or []
    if policy == "reviewed":
        if not reviewed or not isinstance(reviewed, list) or not all(x in POLICY_CODES for x in reviewed):
            raise _fail(path, "reviewed", "`policy: reviewed` needs the list of policies reviewed (policy codes)")
    elif reviewed:
        raise _fail(path, "reviewed", "is read only with `policy: reviewed`")
    if policy is not None and policy not in ("benefit", "reviewed") and not CODE_PATTERN.fullmatch(str(policy)):
        raise _fail(path, "policy", f"{policy!r} is not a policy code")

    conditions = raw["conditions"]
    if not isinstance(conditions, list):
        raise _fail(path, "conditions", "must be a list of {when, text}")
    parsed_conditions = []
    for i, cond in enumerate(conditions, start=1):
        if not isinstance(cond, dict) or not str(cond.get("when") or "").strip():
            raise _fail(path, f"conditions[{i}].when", "is missing")
        if not str(cond.get("text") or "").strip():
            raise _fail(path, f"conditions[{i}].text", "is missing (the words a clerk reads)")
        extra = set(cond) - {"when", "text"}
        if extra:
            raise _fail(path, f"conditions[{i}].{sorted(extra)[0]}", "is not a field of a condition (when, text)")
        parsed_conditions.append((str(cond["when"]).strip(), str(cond["text"]).strip()))

    amount = period = None
    if "amount" in raw and raw["amount"] is not None:
        spec = raw["amount"]
        if not isinstance(spec, dict) or "value" not in spec or "period" not in spec:
            raise _fail(path, "amount", "must give value and period")
        amount = str(spec["value"]).strip()
        period = spec["period"]
        if period not in PERIODS:
            raise _fail(path, "amount.period", f"{period!r} is not one of {', '.join(PERIODS)}")
        if kind in ("warning", "yellow"):
            raise _fail(path, "amount", "warnings and yellow lights carry no amount (policies.md §2)")
    elif kind in ("discover", "review"):
        pass  # status-only policies (DB_EDGE) and reviews of no amount carry none

    let = raw.get("let") or {}
    if not isinstance(let, dict):
        raise _fail(path, "let", "must map names to SQL expressions")
    for key in let:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", str(key)):
            raise _fail(path, f"let.{key}", "names are lower_snake")

    evidence = raw["evidence"]
    if isinstance(evidence, str):
        evidence = [evidence]
    if not isinstance(evidence, list) or not all(isinstance(e, str) and re.fullmatch(r"[a-z][a-z0-9_]*", e)
                                                 for e in evidence):
        raise _fail(path, "evidence", "must be a list of fact names (person, parents, dis, ...)")

    reason = str(raw["reason"])
    if reason.count("{") != reason.count("}"):
        raise _fail(path, "reason", "has an unbalanced { }")

    exclusive = raw.get("exclusive_with") or []
    if not isinstance(exclusive, list) or not all(CODE_PATTERN.fullmatch(str(x)) for x in exclusive):
        raise _fail(path, "exclusive_with", "must be a list of policy codes")

    fingerprint = raw.get("fingerprint") or []
    if not isinstance(fingerprint, list):
        raise _fail(path, "fingerprint", "must be a list of fact names or expressions")

    rule = Rule(
        code=code, name=str(name), kind=kind, policy=policy, target=target, over=over,
        priority=_literal_or_expression(raw["priority"], path, "priority"),
        time_limit=_literal_or_expression(raw["time_limit"], path, "time_limit", TIME_LIMIT_PATTERN),
        reference=str(raw["reference"]), conditions=tuple(parsed_conditions), reason=reason,
        evidence=tuple(evidence), path=path, number=raw.get("number"), department=raw.get("department"),
        discoverable=raw.get("discoverable", "Y") in ("Y", True), receipt=raw.get("receipt"),
        received_when=(str(raw["received_when"]).strip() if raw.get("received_when") else None),
        exclusive_with=tuple(str(x) for x in exclusive), amount=amount, period=period,
        let=tuple((str(k), str(v).strip()) for k, v in let.items()),
        fingerprint=tuple(str(x) for x in fingerprint), allow_jail=bool(raw.get("allow_jail", False)),
        reviewed=tuple(reviewed), raw=raw,
    )
    known = known_parameters if known_parameters is not None else _known_parameters()
    for name_ in rule.parameters():
        if name_ not in known:
            where = next((f for f, text in _fields_text(rule) if f"'{name_}'" in text), "conditions")
            raise _fail(path, where, f"parameter {name_} is not in policies/parameters.yaml")
    return rule


def _fields_text(rule: Rule) -> list[tuple[str, str]]:
    out = [(f"conditions[{i}].when", c) for i, (c, _) in enumerate(rule.conditions, start=1)]
    out += [("amount.value", rule.amount or ""), ("reason", rule.reason), ("priority", rule.priority),
            ("time_limit", rule.time_limit)]
    out += [(f"let.{k}", v) for k, v in rule.let]
    return out


def load_rules(rules_dir: Path | None = None, parameters_file: Path | None = None) -> list[Rule]:
    """Every rule of the directory, validated, in the order they run (§2)."""
    rules_dir = Path(rules_dir or RULES_DIR)
    known = _known_parameters(parameters_file)
    rules: list[Rule] = []
    for path in sorted(rules_dir.glob("*.yaml")):
        try:
            raw = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
        except yaml.YAMLError as exc:
            raise RuleError(f"{path.name}: not valid YAML: {exc}") from None
        rules.append(parse_rule(raw, path, known))
    codes = [r.code for r in rules]
    duplicated = {c for c in codes if codes.count(c) > 1}
    if duplicated:
        raise RuleError(f"rule code(s) {', '.join(sorted(duplicated))} defined twice in {rules_dir}")
    for rule in rules:
        for other in rule.exclusive_with:
            if other not in POLICY_CODES:
                raise _fail(rule.path, "exclusive_with", f"{other} is not a policy of policies.md §3")
        for text in rule.expressions():
            for fn, code in IN_CALL.findall(text):
                if code not in POLICY_CODES:
                    raise _fail(rule.path, "conditions", f"{fn}('{code}'): {code} is not a policy of policies.md §3")
    return sorted(rules, key=lambda r: (r.stage, r.number or 0, r.code))


@lru_cache(maxsize=8)
def _cached_rules(rules_dir: str, parameters_file: str | None) -> tuple[Rule, ...]:
    return tuple(load_rules(Path(rules_dir), Path(parameters_file) if parameters_file else None))


# --- compiling -------------------------------------------------------------------

def param_column(name: str) -> str:
    return f"param_{name.lower()}"


def expand_sql(text: str) -> str:
    """The rule language's macros -> DuckDB SQL over the base relation.

    param('X')    the parameter in force (a column of rules.param)
    rcv('X')      the target receives X (RCV)
    in_('X')      the target receives X or is eligible for it tonight (IN)
    eligible('X') eligible for X tonight (criteria hold)
    """
    text = PARAM_CALL.sub(lambda m: param_column(m.group(1)), text)

    def status(m: re.Match) -> str:
        fn, code = m.group(1), m.group(2)
        if fn == "rcv":
            return f"list_contains(receives, '{code}')"
        if fn == "eligible":
            return f"list_contains(eligible_codes, '{code}')"
        return f"(list_contains(receives, '{code}') OR list_contains(eligible_codes, '{code}'))"

    return IN_CALL.sub(status, text)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def reason_sql(template: str) -> str:
    """'{parents_text}，本人未满18周岁' -> concat(coalesce(CAST((parents_text) AS VARCHAR), ''), '，本人未满18周岁')."""
    parts: list[str] = []
    pos = 0
    for m in PLACEHOLDER.finditer(template):
        if m.start() > pos:
            parts.append(_quote(template[pos:m.start()]))
        parts.append(f"coalesce(CAST(({expand_sql(m.group(1))}) AS VARCHAR), '')")
        pos = m.end()
    if pos < len(template):
        parts.append(_quote(template[pos:]))
    return "concat(" + ", ".join(parts or ["''"]) + ")"


def evidence_sql(rule: Rule, lists: list[str] | None = None) -> str:
    """The rule's evidence as JSON: the source rows its `evidence` facts cite, sorted, once each.
    `lists`: SQL list expressions to gather instead of the rule's own ev_* columns."""
    if lists is None:
        lists = [f"coalesce(ev_{name}, [])" for name in rule.evidence]
    return ("to_json(list_sort(list_distinct(list_filter(flatten([" + ", ".join(lists) + "]), "
            "lambda e: e.file IS NOT NULL))))::VARCHAR")


def _inline_evidence(rule: Rule, deferred: frozenset[str]) -> list[str]:
    """The rule's evidence columns its facts row still carries (not left for the output)."""
    return [f"ev_{name}" for name in rule.evidence if f"ev_{name}" not in deferred]


def base_relation_sql(rule: Rule) -> str:
    return {"person": "rules.v_person", "household": "rules.v_household", "benefit": "rules.v_benefit"}[rule.over]


def compile_rule(rule: Rule, columns: list[str] | None = None, deferred: frozenset[str] | None = None) -> str:
    """The SELECT that gives the rule's rows (before DISCOVER's receipt and exclusion filters).

    `columns`: the facts the rule reads (see _execute_rule); all when None.
    `deferred`: evidence columns the facts relation leaves out (see _deferred_evidence); the
    rule then gives `evidence_rows`, the rows its remaining evidence columns cite, and
    rules.rule_output completes the evidence; None gives the `evidence` JSON here."""
    lets = "".join(f",\n        ({expand_sql(expr)}) AS {name}" for name, expr in rule.let)
    conditions = list(rule.conditions)
    if rule.policy == "reviewed":
        receives = "receives" if rule.target == "household" else "household_receives"
        codes = ", ".join(_quote(c) for c in rule.reviewed)
        lets = f",\n        list_filter([{codes}], lambda x: list_contains({receives}, x))[1] AS reviewed_policy" + lets
        conditions.insert(0, ("reviewed_policy IS NOT NULL", "户内有人享受" + "、".join(rule.reviewed)))
    where = "\n      AND ".join(f"({expand_sql(c)})  -- {text}" for c, text in conditions)
    if rule.kind == "discover":
        alive = "NOT dead AND NOT gone" + ("" if rule.allow_jail else " AND NOT jail") \
            if rule.target == "person" else "n > 0"
        where += f"\n      AND ({alive})  -- 本人在世、户籍在本县且未服刑"
    if rule.policy == "benefit":
        policy = "policy_code"
    elif rule.policy == "reviewed":
        policy = "reviewed_policy"
    elif rule.policy is None:
        policy = "NULL::VARCHAR"
    else:
        policy = _quote(rule.policy)
    id_number = "id_number" if rule.target == "person" else "head_id_number"
    amount = f"({expand_sql(rule.amount)})::DECIMAL(14, 2)" if rule.amount else "NULL::DECIMAL(14, 2)"
    period = _quote(rule.period) if rule.period else "NULL::VARCHAR"
    fingerprint_parts = [_quote(rule.code), policy]
    # Default: the reason less the person's age, which moves with the date alone (a birthday is
    # no new fact; a threshold it crosses makes or ends the finding by itself).
    fingerprint_parts += [f"coalesce(CAST(({expand_sql(f)}) AS VARCHAR), '')" for f in rule.fingerprint] \
        or [reason_sql(rule.reason.replace("{age}", ""))]
    fingerprint_parts.append("coalesce(CAST(amount AS VARCHAR), '')")
    facts = "*" if columns is None else ", ".join(["param.*", *(f"facts.{c}" for c in columns)])
    if deferred is None:
        evidence_column = f"{evidence_sql(rule)} AS evidence"
    else:
        inline = _inline_evidence(rule, deferred)
        evidence_column = f"flatten([{', '.join(f'coalesce({c}, [])' for c in inline)}]) AS evidence_rows" \
            if inline else "NULL AS evidence_rows"
    return f"""WITH base AS (
    SELECT {facts}{lets}
    FROM {base_relation_sql(rule)} AS facts
    CROSS JOIN rules.param AS param
),

hit AS (
    SELECT
        *,
        {amount} AS amount,
        {reason_sql(rule.reason)} AS reason
    FROM base
    WHERE {where}
)

SELECT
    {_quote(rule.kind)} AS kind,
    {_quote('DISCOVER' if rule.kind == 'discover' else rule.code)} AS rule_code,
    {policy} AS policy_code,
    {_quote(rule.target)} AS target,
    {id_number} AS id_number,
    household_no,
    amount,
    {period} AS amount_period,
    ({expand_sql(rule.priority)})::INTEGER AS priority,
    ({expand_sql(rule.time_limit)})::VARCHAR AS time_limit,
    reason,
    {evidence_column},
    md5(concat_ws('|', {', '.join(fingerprint_parts)})) AS facts_fingerprint
FROM hit"""


def _target_key(rule: Rule) -> str:
    return "id_number" if rule.target == "person" else "household_no"


def discover_sql(rule: Rule, rules: list[Rule]) -> str:
    """DISCOVER(X): eligible, not RCV(X), no exclusive code RCV, not outranked by an exclusive code eligible."""
    by_code = {r.code: r for r in rules}
    key = _target_key(rule)
    status = scratch("person_status") if rule.target == "person" else scratch("household_status")
    received = f"list_contains(s.receives, '{rule.code}')"
    if rule.raw.get("receipt_in_conditions"):  # the conditions read the receipt (e.g. within a window)
        received = "false"
    if rule.received_when:
        received = f"({received} OR e.{key} IN (SELECT {key} FROM {base_relation_sql(rule)} "\
                   f"CROSS JOIN rules.param WHERE {expand_sql(rule.received_when)}))"
    clauses = [f"NOT coalesce({received}, false)"]
    for other_code in rule.exclusive_with:
        clauses.append(f"NOT coalesce(list_contains(s.receives, '{other_code}'), false)")
        other = by_code.get(other_code)
        if other is None or other.kind != "discover" or other.target != rule.target:
            continue  # exclusivity across person and household targets is left to the township
        clauses.append(
            f"NOT EXISTS (SELECT 1 FROM {other.table} AS x WHERE x.{key} = e.{key} AND "
            f"(coalesce(x.amount, 0) > coalesce(e.amount, 0) OR (coalesce(x.amount, 0) = coalesce(e.amount, 0) "
            f"AND {other.number} < {rule.number})))")
    where = "\n  AND ".join(clauses)
    return f"""SELECT e.* EXCLUDE ({'household_key' if rule.target == 'household' else 'id_key'})
FROM (SELECT *, {'household_no AS household_key' if rule.target == 'household' else 'id_number AS id_key'}
      FROM {rule.table}) AS e
LEFT JOIN {status} AS s ON s.{key} = e.{'household_key' if rule.target == 'household' else 'id_key'}
WHERE {where}"""


# --- running ---------------------------------------------------------------------

MACROS = (
    "CREATE OR REPLACE TEMP MACRO money(x) AS format('{:,.2f}', x)",
    "CREATE OR REPLACE TEMP MACRO ymd(d) AS strftime(d, '%Y-%m-%d')",
    "CREATE OR REPLACE TEMP MACRO ym(d) AS strftime(d, '%Y年%-m月')",
)


def param_table_sql(parameters_file: Path | None = None) -> str:
    """One row: run_date and one column per parameter of the file, NULL when not in force."""
    cols = ["(SELECT max(run_date) FROM ref.run) AS run_date"]
    for name, is_list in sorted(_known_parameters(parameters_file).items()):
        if is_list:
            cols.append(f"list_transform(string_split(max(text_value) FILTER (WHERE name = '{name}'), '|'), "
                        f"lambda x: trim(x)) AS {param_column(name)}")
        else:
            cols.append(f"max(value) FILTER (WHERE name = '{name}') AS {param_column(name)}")
    return "SELECT\n    " + ",\n    ".join(cols) + "\nFROM ref.parameter"


def _columns(con, table: str) -> list[str]:
    return [r[0] for r in con.execute(f"DESCRIBE {table}").fetchall()]


def _extension_tables(con, stem: str) -> list[str]:
    """Extra fact tables of a family (sql/rules/<stem>_<family>.sql), joined into the views."""
    rows = con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'rules' "
        f"AND table_name LIKE '{stem}\\_%' ESCAPE '\\' ORDER BY table_name").fetchall()
    return [f"rules.{r[0]}" for r in rows]


def _extension_sql(con, stem: str, key: str, alias: str, taken: set[str]) -> tuple[str, str]:
    """(select list, joins) adding the columns of every <stem>_<family> table once."""
    cols, joins = [], []
    for i, table in enumerate(_extension_tables(con, stem)):
        a = f"{alias}{i}"
        for c in _columns(con, table):
            if c == key or c in taken:
                continue
            taken.add(c)
            cols.append(f"{a}.{c}")
        joins.append(f"LEFT JOIN {table} AS {a} ON {a}.{key} = {alias}.{key}")
    return "".join(f", {c}" for c in cols), "\n        ".join(joins)


# The columns rules.person_status / household_status add to the facts: all that changes between stages.
PERSON_STATUS_COLUMNS = ("eligible_codes", "dbh", "tkp", "hard", "hard_kid", "household_receives",
                         "household_tkp", "warned")
HOUSEHOLD_STATUS_COLUMNS = ("receives", "eligible_codes", "dbh", "tkp", "hard", "warned", "warned_codes")


def _deferred_evidence(con, rules: list[Rule]) -> frozenset[str]:
    """Evidence columns of the person and household facts that no rule reads but to cite them.

    They are most of the facts' bytes (a list of source rows per fact, for every
    person), yet only the few rows a rule finds need them: the joined facts leave
    them out, and rules.rule_output gathers them for its rows alone."""
    lists = {c for rel in ("rules.vdef_person", "rules.vdef_household")
             for c, t in con.execute(f"SELECT column_name, column_type FROM (DESCRIBE {rel})").fetchall()
             if (c.startswith("ev_") or c.startswith("hh_ev_")) and t.endswith("[]")}
    read = set()
    for rule in rules:
        text = compile_rule(rule).replace(evidence_sql(rule), "")
        read |= set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return frozenset(lists - read)


def _create_views(con, rules: list[Rule]) -> frozenset[str]:
    """The relations rules read: person + household facts + tonight's status, joined once.

    A family of rules may add its own facts as sql/rules/person_facts_<family>.sql
    (keyed by id_number) or household_facts_<family>.sql (keyed by household_no):
    their columns join the views like the main facts' do.

    `rules.vdef_person` / `vdef_household` / `vdef_benefit` define the facts
    joins. For the run they are materialised once (`joined_*` in the scratch
    database: several hundred columns, the evidence lists among them), and
    `rules.v_person` / `v_household` / `v_benefit` are views adding the few
    status columns, which change between stages. A rule reads a dozen columns
    of them, so its join with the status costs little, while copying the wide
    facts again at every stage cost seconds each on a large county. When the
    run ends, `_publish_views` points the views at the warehouse's own tables.

    Returns the evidence columns the joined facts leave out (_deferred_evidence)."""
    _define_facts_views(con)
    deferred = _deferred_evidence(con, rules)
    for name in ("person", "household"):
        left_out = [c for c in _columns(con, f"rules.vdef_{name}") if c in deferred]
        columns = f"* EXCLUDE ({', '.join(left_out)})" if left_out else "*"
        con.execute(f"CREATE OR REPLACE TABLE {scratch('joined_' + name)} AS SELECT {columns} FROM rules.vdef_{name}")
    person_cols = [c for c in _columns(con, scratch("joined_person")) if c != "id_number"]
    clash = _benefit_clash(con, scratch("joined_person"))

    def benefit_sql(person_relation: str) -> str:
        return f"""SELECT b.*, {', '.join(f'p.{c}' for c in person_cols if c not in clash)}
        FROM rules.benefit_facts AS b
        JOIN {person_relation} AS p ON p.id_number = b.id_number"""

    con.execute(f"CREATE OR REPLACE VIEW rules.vdef_benefit AS {benefit_sql('rules.vdef_person')}")
    con.execute(f"CREATE OR REPLACE TABLE {scratch('joined_benefit')} AS {benefit_sql(scratch('joined_person'))}")
    tables = {r[0] for r in con.execute(
        "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'rules' "
        "AND database_name = current_database()").fetchall()}
    for name in ("v_person", "v_household", "v_benefit", "joined_person", "joined_household", "joined_benefit",
                 "person_status", "household_status"):
        if name in tables:  # a warehouse from before the scratch database
            con.execute(f"DROP TABLE rules.{name}")
    _status_views(con, {name: scratch(f"joined_{name}") for name in ("person", "household", "benefit")},
                  scratch("person_status"), scratch("household_status"), clash)
    return deferred


def _define_facts_views(con) -> None:
    """rules.vdef_person / vdef_household: the facts models and their families' tables joined."""
    person = _columns(con, "rules.person_facts")
    household = [c for c in _columns(con, "rules.household_facts") if c != "household_no"]
    taken = set(person) | set(household) | set(PERSON_STATUS_COLUMNS) | set(HOUSEHOLD_STATUS_COLUMNS)
    p_ext, p_joins = _extension_sql(con, "person_facts", "id_number", "p", taken)
    h_ext, h_joins = _extension_sql(con, "household_facts", "household_no", "h", taken)
    hh_cols = ", ".join(f"h.{c} AS hh_{c}" if c in person else f"h.{c}" for c in household)
    con.execute(f"""CREATE OR REPLACE VIEW rules.vdef_person AS
        SELECT p.*{p_ext}, {hh_cols}{h_ext}
        FROM rules.person_facts AS p
        LEFT JOIN rules.household_facts AS h ON h.household_no = p.household_no
        {p_joins}
        {h_joins}""")
    con.execute(f"""CREATE OR REPLACE VIEW rules.vdef_household AS
        SELECT h.*{h_ext}
        FROM rules.household_facts AS h
        {h_joins}""")


def _status_views(con, facts: dict[str, str], person_status: str, household_status: str, clash: set[str]) -> None:
    """rules.v_person / v_household / v_benefit: the facts relations plus the status columns."""
    person = ", ".join(f"s.{c}" for c in PERSON_STATUS_COLUMNS)
    household = ", ".join(f"s.{c}" for c in HOUSEHOLD_STATUS_COLUMNS)
    benefit = ", ".join(f"s.{c}" for c in PERSON_STATUS_COLUMNS if c not in clash)
    views = {
        "person": f"""SELECT f.*, {person} FROM {facts['person']} AS f
            LEFT JOIN {person_status} AS s ON s.id_number = f.id_number""",
        "household": f"""SELECT f.*, {household} FROM {facts['household']} AS f
            LEFT JOIN {household_status} AS s ON s.household_no = f.household_no""",
        "benefit": f"""SELECT f.*{', ' + benefit if benefit else ''} FROM {facts['benefit']} AS f
            LEFT JOIN {person_status} AS s ON s.id_number = f.id_number""",
    }
    for name, sql in views.items():
        con.execute(f"CREATE OR REPLACE VIEW rules.v_{name} AS {sql}")


def _publish_views(con) -> None:
    """The run's end: the views read the warehouse's own tables (the facts, and the final status
    written there), for `explain`, tests and anyone reading them after the scratch is gone."""
    _define_facts_views(con)
    _status_views(con, {name: f"rules.vdef_{name}" for name in ("person", "household", "benefit")},
                  "rules.person_status", "rules.household_status", _benefit_clash(con, "rules.vdef_person"))


def _benefit_clash(con, person_relation: str) -> set[str]:
    """Columns of the benefit facts that the person facts or the status also have (the benefit's own win)."""
    benefit = {c for c in _columns(con, "rules.benefit_facts") if c != "id_number"}
    return benefit & (set(_columns(con, person_relation)) | set(PERSON_STATUS_COLUMNS))


def _build_status(con, rules: list[Rule], built: set[str]) -> None:
    """IN(p, X) for the codes decided so far, and the §2 terms that rest on them.

    rules.household_status: what the members receive, the codes the household or
    a member is eligible for tonight, DBH, TKP (a member), HARD, warned tonight or within
    WIN_RECENT days before (warned_codes: which W_* rules).
    rules.person_status: the person's own eligible codes plus the household's
    (IN(p, DB_EDGE) is the household's), DBH, TKP, HARD and HARD_KID."""
    eligible_person = [f"SELECT id_number, '{r.code}' AS code FROM {r.table}" for r in rules
                       if r.kind == "discover" and r.code in built and r.target == "person"]
    eligible_household = [f"SELECT household_no, '{r.code}' AS code FROM {r.table}" for r in rules
                          if r.kind == "discover" and r.code in built and r.target == "household"]
    warned = [f"SELECT household_no, '{r.code}' AS code FROM {r.table}" for r in rules
              if r.kind == "warning" and r.code in built]
    if warned and con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'meta' "
                              "AND table_name = 'worklist_state' AND database_name = current_database()"
                              ).fetchall()[0][0]:
        # policies.md §2: warnings raised for h tonight or on an earlier night within WIN_RECENT
        # days; the worklist state remembers the nights each warning was last found
        warned.append(f"""SELECT s.household_no, s.rule_code AS code
            FROM meta.worklist_state AS s CROSS JOIN rules.param AS param
            WHERE s.kind = 'warning' AND s.household_no IS NOT NULL
              AND s.last_seen < (SELECT max(run_date) FROM ref.run)
              AND s.last_seen >= (SELECT max(run_date) FROM ref.run)
                                 - CAST({param_column('WIN_RECENT')} AS INTEGER)""")
    none_person = "SELECT NULL::VARCHAR AS id_number, NULL::VARCHAR AS code WHERE false"
    none_household = "SELECT NULL::VARCHAR AS household_no, NULL::VARCHAR AS code WHERE false"
    none_warned = "SELECT NULL::VARCHAR AS household_no, NULL::VARCHAR AS code WHERE false"
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _eligible_person AS
        SELECT id_number, list(DISTINCT code ORDER BY code) AS codes
        FROM ({' UNION ALL '.join(eligible_person) or none_person}) GROUP BY id_number""")
    con.execute(f"""CREATE OR REPLACE TEMP TABLE _eligible_household AS
        SELECT household_no, list(DISTINCT code ORDER BY code) AS codes
        FROM ({' UNION ALL '.join(eligible_household) or none_household}) GROUP BY household_no""")
    if not built:
        # what the members receive does not change between stages: gathered once
        con.execute("""CREATE OR REPLACE TEMP TABLE _household_receives AS
            SELECT h.household_no, h.mon, coalesce(m.receives, []) AS receives
            FROM rules.household_facts AS h
            LEFT JOIN (
                SELECT m.household_no, list_sort(list_distinct(flatten(list(f.receives)))) AS receives
                FROM core.membership AS m
                JOIN rules.person_facts AS f ON f.id_number = m.id_number
                WHERE m.in_hh
                GROUP BY m.household_no
            ) AS m ON m.household_no = h.household_no""")
    con.execute(f"""CREATE OR REPLACE TABLE {scratch('household_status')} AS
        WITH warned AS ({' UNION ALL '.join(warned) or none_warned}),
        members AS (  -- the few members eligible for something tonight (all of them are in person_facts)
            SELECT m.household_no, list_sort(list_distinct(flatten(list(e.codes)))) AS member_codes
            FROM _eligible_person AS e
            JOIN core.membership AS m ON m.id_number = e.id_number
            WHERE m.in_hh
            GROUP BY m.household_no
        ),
        joined AS (
            SELECT h.household_no, h.mon, h.receives,
                   coalesce(eh.codes, []) AS household_eligible,
                   list_concat(coalesce(m.member_codes, []), coalesce(eh.codes, [])) AS eligible_codes
            FROM _household_receives AS h
            LEFT JOIN members AS m ON m.household_no = h.household_no
            LEFT JOIN _eligible_household AS eh ON eh.household_no = h.household_no
        )
        SELECT household_no, receives, household_eligible, eligible_codes,
               list_has_any(list_concat(receives, eligible_codes), ['DB_URBAN', 'DB_RURAL']) AS dbh,
               list_has_any(list_concat(receives, eligible_codes), ['TK_URBAN', 'TK_RURAL']) AS tkp,
               list_has_any(list_concat(receives, eligible_codes),
                            ['DB_URBAN', 'DB_RURAL', 'TK_URBAN', 'TK_RURAL', 'DB_EDGE']) OR mon AS hard,
               household_no IN (SELECT household_no FROM warned) AS warned,
               coalesce((SELECT list(DISTINCT w.code ORDER BY w.code) FROM warned AS w
                         WHERE w.household_no = joined.household_no), []) AS warned_codes
        FROM joined""")
    con.execute(f"""CREATE OR REPLACE TABLE {scratch('person_status')} AS
        SELECT f.id_number,
               f.receives,
               list_concat(coalesce(e.codes, []), coalesce(hs.household_eligible, [])) AS eligible_codes,
               coalesce(hs.dbh, false) AS dbh,
               list_has_any(list_concat(f.receives, coalesce(e.codes, [])), ['TK_URBAN', 'TK_RURAL']) AS tkp,
               coalesce(hs.hard, false) AS hard,
               (f.minor OR f.student) AND (
                   coalesce(hs.hard, false) OR f.dis OR f.parent_sev
                   OR list_has_any(list_concat(f.receives, coalesce(e.codes, [])),
                                   ['ORPHAN', 'FACT_UNSUPPORTED_CHILD', 'CHILD_DIFFICULTY'])) AS hard_kid,
               coalesce(hs.receives, []) AS household_receives,
               coalesce(hs.tkp, false) AS household_tkp,
               coalesce(hs.warned, false) AS warned
        FROM rules.person_facts AS f
        LEFT JOIN _eligible_person AS e ON e.id_number = f.id_number
        LEFT JOIN {scratch('household_status')} AS hs ON hs.household_no = f.household_no""")


def _run_facts(con, sql_dir: Path = SQL_DIR) -> dict[str, int]:
    """The facts models of sql/rules (rules.finding comes last, after the rules)."""
    return build_models(con, [m for m in models_in_order("rules", sql_dir) if m.name != "finding"], sql_dir)


def _facts_read(con, rule: Rule) -> list[str]:
    """The columns of the rule's facts relation that its SQL names: the facts
    relations are several hundred columns wide, and carrying them all through
    every rule's query costs more than the query itself."""
    named = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", compile_rule(rule)))
    return [c for c in _columns(con, base_relation_sql(rule)) if c in named]


def _execute_rule(con, rule: Rule, deferred: frozenset[str] | None = None) -> int:
    try:
        con.execute(f"CREATE OR REPLACE TABLE {rule.table} AS\n"
                    f"{compile_rule(rule, _facts_read(con, rule), deferred)}")
    except duckdb.Error as exc:
        raise RuleError(f"{rule.path.name}: the rule does not compile against the facts: {exc}") from None
    return con.execute(f"SELECT count(*) FROM {rule.table}").fetchall()[0][0]


def _create_counted(con, table: str, sql: str) -> int:
    con.execute(f"CREATE OR REPLACE TABLE {table} AS\n{sql}")
    return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def _side_by_side(con: duckdb.DuckDBPyConnection, jobs: list) -> list:
    """Run independent jobs (each `job(connection)`, creating its own table) on RULE_CONNECTIONS
    connections to the same database at once; results in the jobs' order, and the first job's
    error (in that order) is raised. A rule is a small query that keeps two cores busy only part
    of its time: side by side, a stage of forty rules takes about half as long."""
    return side_by_side(con, jobs, RULE_CONNECTIONS, "datapool-rules", setup=MACROS)


def run_rules(con: duckdb.DuckDBPyConnection, rules_dir: Path | None = None,
              parameters_file: Path | None = None) -> dict[str, int]:
    """Build every rules.* table, rules.finding last; returns row counts by table.

    Reads ref.run, ref.parameter, core.* and labels.* (built before)."""
    rules = list(_cached_rules(str(rules_dir or RULES_DIR), str(parameters_file) if parameters_file else None))
    con.execute("CREATE SCHEMA IF NOT EXISTS rules")
    for macro in MACROS:
        con.execute(macro)
    con.execute(f"DETACH DATABASE IF EXISTS {SCRATCH}")
    con.execute(f"ATTACH ':memory:' AS {SCRATCH}")
    try:
        return _run_rules(con, rules, parameters_file)
    finally:
        con.execute(f"DETACH DATABASE IF EXISTS {SCRATCH}")


def _run_rules(con: duckdb.DuckDBPyConnection, rules: list[Rule], parameters_file: Path | None) -> dict[str, int]:
    counts = _run_facts(con)
    con.execute(f"CREATE OR REPLACE TABLE rules.param AS {param_table_sql(parameters_file)}")
    built: set[str] = set()
    _build_status(con, rules, built)
    deferred = _create_views(con, rules)
    for stage in sorted({r.stage for r in rules}):
        stage_rules = [r for r in rules if r.stage == stage]
        jobs = [partial(_execute_rule, rule=r, deferred=deferred) for r in stage_rules]
        for rule, n in zip(stage_rules, _side_by_side(con, jobs)):
            counts[rule.table] = n
            built.add(rule.code)
        _build_status(con, rules, built)
    outputs = []
    discover = []
    for rule in rules:
        if rule.kind == "discover":
            if not rule.discoverable:
                continue
            table = f"rules.discover_{rule.code.lower()}"
            discover.append((table, partial(_create_counted, table=table, sql=discover_sql(rule, rules))))
            outputs.append((table, rule))
        else:
            outputs.append((rule.table, rule))
    for (table, _), n in zip(discover, _side_by_side(con, [job for _, job in discover])):
        counts[table] = n
    union = "\nUNION ALL BY NAME\n".join(_gather_evidence(con, outputs, deferred))
    if not union:
        union = ("SELECT NULL::VARCHAR AS kind, NULL::VARCHAR AS rule_code, NULL::VARCHAR AS policy_code, "
                 "NULL::VARCHAR AS target, NULL::VARCHAR AS id_number, NULL::VARCHAR AS household_no, "
                 "NULL::DECIMAL(14,2) AS amount, NULL::VARCHAR AS amount_period, NULL::INTEGER AS priority, "
                 "NULL::VARCHAR AS time_limit, NULL::VARCHAR AS reason, NULL::VARCHAR AS evidence, "
                 "NULL::VARCHAR AS facts_fingerprint WHERE false")
    con.execute(f"CREATE OR REPLACE TABLE rules.rule_output AS\n{union}")
    counts["rules.rule_output"] = con.execute("SELECT count(*) FROM rules.rule_output").fetchall()[0][0]
    finding = next(m for m in models_in_order("rules") if m.name == "finding")
    con.execute(build_sql(finding))
    counts["rules.finding"] = con.execute("SELECT count(*) FROM rules.finding").fetchall()[0][0]
    for name in ("person_status", "household_status"):
        con.execute(f"CREATE OR REPLACE TABLE rules.{name} AS SELECT * FROM {scratch(name)}")
    _publish_views(con)
    return counts


def _gather_evidence(con, outputs: list[tuple[str, Rule]], deferred: frozenset[str]) -> list[str]:
    """The output tables' SELECTs for rules.rule_output, each row's evidence completed: the
    deferred evidence columns are gathered once, for the people and households found only."""
    by_key = {"id_number": [(t, r) for t, r in outputs if r.over in ("person", "benefit")],
              "household_no": [(t, r) for t, r in outputs if r.over == "household"]}
    source = {"id_number": "rules.vdef_person", "household_no": "rules.vdef_household"}
    gathered: dict[str, list[str]] = {}
    for key, tables in by_key.items():
        wanted = sorted({f"ev_{n}" for _, r in tables for n in r.evidence} & deferred)
        gathered[key] = wanted
        if not tables or not wanted:
            continue
        keys = " UNION ".join(f"SELECT {key} FROM {t}" for t, _ in tables)
        con.execute(f"""CREATE OR REPLACE TABLE {scratch('evidence_' + key)} AS
            SELECT {key}, {', '.join(wanted)} FROM {source[key]} WHERE {key} IN ({keys})""")
    selects = []
    for table, rule in outputs:
        key = "household_no" if rule.over == "household" else "id_number"
        inline = _inline_evidence(rule, deferred)
        lists = (["coalesce(t.evidence_rows, [])"] if inline else []) + \
            [f"coalesce(ev.ev_{n}, [])" for n in rule.evidence if f"ev_{n}" in deferred]
        columns = ", ".join(f"t.{c}" if c != "evidence" else f"{evidence_sql(rule, lists)} AS evidence"
                            for c in OUTPUT_COLUMNS)
        join = f"LEFT JOIN {scratch('evidence_' + key)} AS ev ON ev.{key} = t.{key}" \
            if any(f"ev_{n}" in deferred for n in rule.evidence) else ""
        selects.append(f"SELECT {columns} FROM {table} AS t {join}")
    return selects


# --- explain -----------------------------------------------------------------------

def find_rule(code: str, rules_dir: Path | None = None) -> Rule:
    rules = load_rules(rules_dir)
    for rule in rules:
        if rule.code == code.upper():
            return rule
    raise KeyError(f"no rule {code}; known: {', '.join(r.code for r in rules)}")


def explain(code: str, on: date, rules_dir: Path | None = None, parameters_file: Path | None = None) -> str:
    """A rule as the officer wrote it, its parameters in force on `on`, and the SQL it compiles to."""
    rule = find_rule(code, rules_dir)
    rules = load_rules(rules_dir)
    in_force = {p["name"]: p for p in parameters_in_force(on, parameters_file)}
    lines = [f"{rule.code}  {rule.name}",
             f"  kind {rule.kind}; policy {rule.policy or '—'}; target {rule.target}"
             + (f" (one item per {rule.over})" if rule.over == "benefit" else "")
             + f"; priority {rule.priority.strip(chr(39))}; time limit {rule.time_limit.strip(chr(39))}",
             f"  reference: {rule.reference}"]
    if rule.kind == "discover":
        lines.append(f"  catalogue #{rule.number}; discoverable {'Y' if rule.discoverable else 'N (information only)'}"
                     f"; receipt {rule.receipt or '—'}")
        if rule.exclusive_with:
            lines.append(f"  exclusive with: {', '.join(rule.exclusive_with)}")
    lines.append("  conditions (all must hold):")
    for i, (cond, text) in enumerate(rule.conditions, start=1):
        lines.append(f"    {i}. {text}    [{cond}]")
    if rule.amount:
        lines.append(f"  amount: {rule.amount} per {rule.period}")
    lines.append(f"  reason: {rule.reason}")
    lines.append(f"  evidence: source rows of {', '.join(rule.evidence)}")
    lines.append(f"parameters in force on {on.isoformat()}:")
    for name in rule.parameters():
        p = in_force.get(name)
        if p is None:
            lines.append(f"  {name}: not in force on this date")
        else:
            value = p["text_value"] if p["value"] is None else f"{p['value']:g}"
            lines.append(f"  {name} = {value} {p['unit']} (from {p['effective_from'].isoformat()}; {p['reference']})")
    if not rule.parameters():
        lines.append("  (none)")
    lines.append("SQL:")
    lines.append(f"CREATE OR REPLACE TABLE {rule.table} AS")
    lines.append(compile_rule(rule) + ";")
    if rule.kind == "discover" and rule.discoverable:
        lines.append(f"-- DISCOVER findings: rules.discover_{rule.code.lower()}")
        lines.append(discover_sql(rule, rules) + ";")
    return "\n".join(lines)


# --- simulate ----------------------------------------------------------------------

MONTHLY_EQUIVALENT = "CASE amount_period WHEN 'month' THEN amount WHEN 'year' THEN amount / 12 ELSE 0 END"


def parse_setting(text: str, parameters_file: Path | None = None) -> tuple[str, float | list[str]]:
    """'DB_STD_RURAL=760' -> ('DB_STD_RURAL', 760.0); a list parameter takes words joined by , or |."""
    if "=" not in text:
        raise ValueError(f"--set {text!r}: write NAME=VALUE")
    name, value = (part.strip() for part in text.split("=", 1))
    known = _known_parameters(parameters_file)
    if name not in known:
        raise ValueError(f"--set {name}: no such parameter in policies/parameters.yaml")
    if known[name]:
        return name, [w.strip() for w in re.split(r"[,|，、]", value) if w.strip()]
    try:
        return name, float(value)
    except ValueError:
        raise ValueError(f"--set {name}={value}: {name} takes a number") from None


def _set_parameters(con, changes: dict[str, float | list[str]], on: date,
                    parameters_file: Path | None = None) -> None:
    from transforms.parameters import LIST_SEPARATOR, load_parameters

    load_parameters(con, on, parameters_file)
    for name, value in changes.items():
        number, text = (None, LIST_SEPARATOR.join(value)) if isinstance(value, list) else (float(value), None)
        con.execute("DELETE FROM ref.parameter WHERE name = ?", [name])
        con.execute("INSERT INTO ref.parameter (name, value, text_value, unit, effective_from, description, "
                    "reference) VALUES (?, ?, ?, 'simulated', ?, 'simulate --set', 'simulate')",
                    [name, number, text, on])


def _eligibility_sql(rules: list[Rule]) -> str:
    """Every target eligible for a discoverable policy, with its township and monthly cost."""
    parts = []
    for r in rules:
        if r.kind != "discover" or not r.discoverable:
            continue
        if r.target == "person":
            parts.append(f"""SELECT '{r.code}' AS code, 'person' AS target, e.id_number AS target_key,
                   e.household_no, coalesce(p.township_code, h.township_code) AS township_code,
                   [e.id_number] AS people, {MONTHLY_EQUIVALENT} AS monthly
                FROM {r.table} AS e
                LEFT JOIN rules.person_facts AS p ON p.id_number = e.id_number
                LEFT JOIN rules.household_facts AS h ON h.household_no = e.household_no""")
        else:
            parts.append(f"""SELECT '{r.code}' AS code, 'household' AS target, e.household_no AS target_key,
                   e.household_no, h.township_code,
                   (SELECT list(m.id_number ORDER BY m.id_number) FROM core.membership AS m
                    WHERE m.household_no = e.household_no AND m.counts_in_n AND m.id_number IS NOT NULL) AS people,
                   {MONTHLY_EQUIVALENT} AS monthly
                FROM {r.table} AS e
                LEFT JOIN rules.household_facts AS h ON h.household_no = e.household_no""")
    if not parts:
        return ("SELECT NULL::VARCHAR AS code, NULL::VARCHAR AS target, NULL::VARCHAR AS target_key, "
                "NULL::VARCHAR AS household_no, NULL::VARCHAR AS township_code, []::VARCHAR[] AS people, "
                "NULL::DECIMAL(14,2) AS monthly WHERE false")
    return "\nUNION ALL\n".join(parts)


def _core_reads_parameters(names: list[str]) -> bool:
    """Whether a changed parameter is read below the rules layer (then core and labels are rebuilt)."""
    text = "".join(p.read_text(encoding="utf-8") for layer in ("core", "labels")
                   for p in sorted((SQL_DIR / layer).glob("*.sql")))
    return any(f"'{n}'" in text for n in names)


def _in_memory_night(warehouse: Path, on: date | None, changed: list[str], rules_dir: Path | None,
                     parameters_file: Path | None):
    """An in-memory copy of a night's warehouse (read-only attachment; HOME's file is never
    written) ready to run the rules on `on` with changed parameters. Core and labels are rebuilt
    from staging only when a changed parameter is read below the rules layer or `on` is not the
    warehouse's night. Returns (con, on, tables copied, run(settings)); run.rebuild tells which."""
    from transforms.warehouse import run_layers

    con = duckdb.connect()
    con.execute(f"ATTACH '{Path(warehouse)}' AS w (READ_ONLY)")
    night = con.execute("SELECT max(run_date) FROM w.ref.run").fetchall()[0][0]
    on = on or night
    rebuild = on != night or _core_reads_parameters(changed)
    tables = con.execute("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'w' "
                         "AND schema_name IN ('ref', 'staging', 'core', 'labels')").fetchall()
    for schema in ("ref", "staging", "core", "labels", "rules"):
        con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
    for schema, table in tables:
        if schema in ("core", "labels") and rebuild and table not in ("person_link", "link_review"):
            continue
        if schema in ("ref",) and table in ("run", "parameter"):
            continue
        # the facts of some rule families read staging directly: a view is enough unless rebuilt
        kind = "TABLE" if schema == "ref" or rebuild else "VIEW"
        con.execute(f"CREATE {kind} {schema}.{table} AS SELECT * FROM w.{schema}.{table}")
    con.execute("CREATE TABLE ref.run AS SELECT ?::DATE AS run_date", [on])

    def run(settings: dict) -> None:
        _set_parameters(con, settings, on, parameters_file)
        if rebuild:
            run_layers(con, ("core", "labels"))
        run_rules(con, rules_dir, parameters_file)

    run.rebuild = rebuild
    return con, on, tables, run


def evaluate_on(warehouse: Path, on: date, rules_dir: Path | None = None,
                parameters_file: Path | None = None) -> duckdb.DuckDBPyConnection:
    """The rules of a night's data evaluated as of another date, in memory: what the date alone
    changes (an age threshold crossed, a window moved), since the data stay the night's. The
    connection holds rules.finding and the facts (rules.v_person, v_household); close it."""
    con, _, _, run = _in_memory_night(warehouse, on, [], rules_dir, parameters_file)
    try:
        run({})
    except Exception:
        con.close()
        raise
    return con


def simulate(warehouse: Path, changes: dict[str, float | list[str]], on: date | None = None,
             rules_dir: Path | None = None, parameters_file: Path | None = None) -> dict[str, Any]:
    """What if parameters changed: households and people newly eligible / no longer eligible, by
    township, and the change in monthly cost (month amounts + year amounts / 12, one-offs apart).

    Works in memory on a read-only attachment of the warehouse: HOME's file is never written.
    The baseline is the parameters in force on `on` (default: the warehouse's run date); the
    scenario is the same with `changes`. Core and labels are rebuilt from staging only when a
    changed parameter is read below the rules layer or `on` is not the warehouse's night.
    """
    t0 = time.perf_counter()
    rules = list(_cached_rules(str(rules_dir or RULES_DIR), str(parameters_file) if parameters_file else None))
    con, on, tables, night_eligibility = _in_memory_night(warehouse, on, list(changes), rules_dir,
                                                          parameters_file)
    try:
        night_eligibility({})
        con.execute(f"CREATE TEMP TABLE base AS {_eligibility_sql(rules)}")
        night_eligibility(changes)
        con.execute(f"CREATE TEMP TABLE scenario AS {_eligibility_sql(rules)}")
        rows = con.execute("""
            WITH joined AS (
                SELECT coalesce(s.code, b.code) AS code,
                       coalesce(s.township_code, b.township_code,
                                (SELECT coalesce(substr(min(code), 1, 6) || '000', '371426000')
                                 FROM ref.division WHERE length(code) = 9)) AS township_code,
                       coalesce(s.household_no, b.household_no) AS household_no,
                       coalesce(s.people, b.people) AS people,
                       b.code IS NULL AS is_new, s.code IS NULL AS is_lost,
                       coalesce(s.monthly, 0) - coalesce(b.monthly, 0) AS monthly_change
                FROM scenario AS s
                FULL OUTER JOIN base AS b ON b.code = s.code AND b.target_key = s.target_key
            )
            SELECT township_code,
                   count(DISTINCT household_no) FILTER (WHERE is_new) AS households_new,
                   count(DISTINCT p) FILTER (WHERE is_new) AS people_new,
                   count(DISTINCT household_no) FILTER (WHERE is_lost) AS households_lost,
                   count(DISTINCT p) FILTER (WHERE is_lost) AS people_lost,
                   coalesce(any_value(cost.monthly_change), 0)::DECIMAL(14, 2) AS monthly_cost_change
            FROM (SELECT *, unnest(CASE WHEN len(people) = 0 THEN [NULL] ELSE people END) AS p FROM joined)
            LEFT JOIN (SELECT township_code, sum(monthly_change) AS monthly_change FROM joined GROUP BY ALL) AS cost
                USING (township_code)
            GROUP BY township_code
            HAVING households_new + people_new + households_lost + people_lost > 0 OR monthly_cost_change <> 0
            ORDER BY township_code""").fetchall()
        names = dict(con.execute("SELECT code, min(name) FROM ref.division GROUP BY code").fetchall()) \
            if ("ref", "division") in tables else {}
        by_policy = con.execute("""
            SELECT coalesce(s.code, b.code) AS code,
                   count(*) FILTER (WHERE b.code IS NULL) AS new,
                   count(*) FILTER (WHERE s.code IS NULL) AS lost,
                   (sum(coalesce(s.monthly, 0)) - sum(coalesce(b.monthly, 0)))::DECIMAL(14, 2) AS monthly_change
            FROM scenario AS s FULL OUTER JOIN base AS b ON b.code = s.code AND b.target_key = s.target_key
            GROUP BY ALL HAVING new + lost > 0 OR monthly_change <> 0 ORDER BY 1""").fetchall()
        totals = con.execute("SELECT (SELECT coalesce(sum(monthly), 0) FROM base)::DECIMAL(14, 2), "
                             "(SELECT coalesce(sum(monthly), 0) FROM scenario)::DECIMAL(14, 2)").fetchall()[0]
    finally:
        con.close()
    townships = [{"township_code": r[0], "township_name": names.get(r[0]), "households_new": r[1],
                  "people_new": r[2], "households_lost": r[3], "people_lost": r[4],
                  "monthly_cost_change": float(r[5])} for r in rows]
    return {
        "run_date": on,
        "changes": changes,
        "rebuilt_core": night_eligibility.rebuild,
        "townships": townships,
        "policies": [{"policy_code": r[0], "new": r[1], "lost": r[2], "monthly_cost_change": float(r[3])}
                     for r in by_policy],
        "total": {k: sum(t[k] for t in townships) for k in
                  ("households_new", "people_new", "households_lost", "people_lost", "monthly_cost_change")},
        "monthly_cost_before": float(totals[0]),
        "monthly_cost_after": float(totals[1]),
        "seconds": round(time.perf_counter() - t0, 1),
    }
