"""Worklist state across nights (meta.worklist_state) and item ids.

A finding is dispatched once, not every night (interfaces.md). Each finding
has a stable `item_id` (same kind, rule, policy and target -> same id on every
night); the state table remembers, per item, when it was first seen and first
dispatched, its due date (fixed at first dispatch), its status, the
fingerprint of the facts behind it, and the night it was last exported.

The night, in order (see update_worklist_state):
- a finding never seen        -> status `new`, due date from the run date, exported tonight;
- `new`, not yet dispatched   -> exported tonight (due date recomputed: it is not fixed yet);
- `dispatched` and still open -> not exported again, unless its facts changed
                                 (re-exported, same due date) or it became overdue
                                 (re-exported once, 发现依据 starting 【逾期】);
- `closed_by_data` found again -> `new` again (a fresh dispatch and due date);
- an open item no finding supports any more -> `closed_by_data`;
- an item closed by township feedback stays as feedback left it (the feedback
  step decides when to propose it again).
Exporting marks tonight's `new` items `dispatched` (mark_dispatched, called
by transforms.exports.write_exports).

Rerunning a night (same run date, same inputs) reproduces it: an item
exported on that date (first dispatch, change or overdue) is exported again;
nothing else moves.
"""
from __future__ import annotations

import base64
import hashlib
from datetime import date

from transforms.calendar import WorkingCalendar, default_calendar

OPEN_STATUSES = ("new", "dispatched")
FEEDBACK_STATUSES = ("verified_eligible", "not_eligible", "already_covered", "confirmed",
                     "not_confirmed", "unreachable", "refused")
STATUSES = OPEN_STATUSES + FEEDBACK_STATUSES + ("closed_by_data",)
COUNTY_UNASSIGNED = "371426000"  # 县级待分派: items whose township cannot be told

KIND_LABELS = {"discover": "主动发现", "review": "待复核", "warning": "风险预警", "yellow": "黄灯提示"}
PERIOD_LABELS = {"month": "月", "year": "年", "once": "一次性"}

# 政策名称 of policies.md §3 (and the public-welfare job the receipts cite).
POLICY_NAMES = {
    "DB_URBAN": "城市最低生活保障", "DB_RURAL": "农村最低生活保障", "DB_EDGE": "低保边缘家庭认定",
    "TK_URBAN": "城市特困人员救助供养", "TK_RURAL": "农村特困人员救助供养",
    "TEMP_EXPENSE": "支出型临时救助", "TEMP_EMERGENCY": "急难型临时救助",
    "ORPHAN": "孤儿基本生活保障", "FACT_UNSUPPORTED_CHILD": "事实无人抚养儿童基本生活费",
    "CHILD_DIFFICULTY": "困境儿童基本生活保障", "HIGH_AGE": "高龄津贴",
    "ELDER_ECON": "经济困难老年人补贴", "ELDER_CARE": "老年人生活护理救助",
    "COLLEGE_NEW_DB": "低保家庭大学新生救助", "FUNERAL_BENEFIT": "殡葬惠民(基本殡葬服务费减免)",
    "DIS_LIVING": "困难残疾人生活补贴", "DIS_NURSING": "重度残疾人护理补贴",
    "DIS_CHILD_REHAB": "残疾儿童康复救助", "DIS_ASSISTIVE": "残疾人辅助器具适配补贴",
    "DIS_HOME_ACCESS": "困难重度残疾人家庭无障碍改造", "DIS_STUDENT": "残疾学生及残疾人家庭子女助学",
    "MED_PREMIUM": "城乡居民医保参保资助", "MED_INPATIENT": "住院医疗救助",
    "MED_OUTPATIENT_CHRONIC": "门诊慢特病医疗救助", "MED_CRITICAL_TILT": "大病保险倾斜支付",
    "MED_ILLNESS_POOR": "因病致贫重病患者医疗救助", "EDU_PRESCHOOL": "学前教育幼儿资助",
    "EDU_COMPULSORY": "义务教育家庭经济困难学生生活补助",
    "EDU_HIGHSCHOOL": "普通高中国家助学金及免学杂费", "EDU_VOC": "中职国家助学金及免学费",
    "EDU_COLLEGE": "高校新生入学资助/生源地信用助学贷款", "YULU": "雨露计划",
    "PENSION_PREMIUM": "城乡居民养老保险代缴", "PUBLIC_JOB": "公益性岗位安置",
    "EMPLOY_HARD": "就业困难人员就业援助", "HOUSING_RURAL_RENO": "农村危房改造",
    "PUBLIC_RENTAL": "公租房实物配租", "RENT_SUBSIDY": "公租房租赁补贴",
    "MONITOR_AID": "防止返贫监测帮扶", "MICROCREDIT": "脱贫人口小额信贷",
    "UNION_POOR_WORKER": "困难职工帮扶", "VETERAN_HARDSHIP": "困难退役军人帮扶援助",
    "DISASTER_LIVING": "自然灾害生活救助", "LEGAL_AID": "法律援助",
}

WORKLIST_STATE_DDL = """
CREATE TABLE IF NOT EXISTS meta.worklist_state (
    item_id VARCHAR PRIMARY KEY,
    kind VARCHAR,
    rule_code VARCHAR,
    policy_code VARCHAR,
    target VARCHAR,
    id_number VARCHAR,
    household_no VARCHAR,
    first_seen DATE,
    last_seen DATE,
    dispatched_on DATE,
    due_date DATE,
    status VARCHAR,
    status_date DATE,
    facts_fingerprint VARCHAR,
    last_exported_on DATE,
    export_reason VARCHAR,
    overdue_exported_on DATE,
    township_code VARCHAR,
    feedback_on DATE
)
"""
# Columns added after the first release: a warehouse from then gains them.
ADDED_COLUMNS = (("township_code", "VARCHAR"), ("feedback_on", "DATE"))

# Township feedback that keeps a finding away (interfaces.md, "Feedback"): `not_eligible` and
# `refused` for 180 days unless the facts behind it change. `unreachable` is tried again after
# 30 days (the specs are silent; a village assistant tries again next month). Other answers
# close the item for as long as the facts stay the same.
SUPPRESSION_DAYS = {"not_eligible": 180, "refused": 180, "unreachable": 30}
# Answers reconsidered when the facts change; `verified_eligible` (the family applied) and
# `confirmed` (a review acted on) stay closed while the finding persists.
REOPEN_ON_CHANGE = ("not_eligible", "refused", "unreachable", "already_covered", "not_confirmed")


def item_id(kind: str, rule_code: str, policy_code: str | None, target_key: str | None) -> str:
    """`WL-` + 8 base32 characters of md5('kind|rule|policy|target key').

    The target key is the person's ID number, or the 户号 for a household
    target. Deterministic and content-derived, so the same finding keeps its id
    on every night; it starts with letters so Excel never reads it as a number.
    sql/rules/finding.sql computes the same in SQL.
    """
    content = "|".join([kind, rule_code, policy_code or "", target_key or ""])
    digest = hashlib.md5(content.encode("utf-8")).digest()
    return "WL-" + base64.b32encode(digest).decode("ascii")[:8]


def ensure_worklist_state(con) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS meta")
    con.execute(WORKLIST_STATE_DDL)
    for column, kind in ADDED_COLUMNS:
        con.execute(f"ALTER TABLE meta.worklist_state ADD COLUMN IF NOT EXISTS {column} {kind}")


def _due_dates(con, run_date: date, calendar: WorkingCalendar) -> tuple[list[tuple[str, date | None]], list[str]]:
    """The due date, if dispatched tonight, of each time limit tonight's findings use."""
    limits = [r[0] for r in con.execute(
        "SELECT DISTINCT time_limit FROM rules.finding WHERE time_limit IS NOT NULL ORDER BY 1").fetchall()]
    dues, warnings = [], []
    for limit in limits:
        try:
            due, warning = calendar.due_date(run_date, limit)
        except ValueError as exc:
            due, warning = None, f"no due date: {exc}"
        dues.append((limit, due))
        if warning:
            warnings.append(warning)
    return dues, warnings


def update_worklist_state(con, run_date: date, calendar: WorkingCalendar | None = None,
                          rebuild_marts: bool = True) -> dict:
    """Carry meta.worklist_state to this night from rules.finding.

    Run after the rules layer. marts.worklist reads the state, so unless
    `rebuild_marts` is False the marts layer is (re)built here afterwards,
    whether or not the caller built it before. Returns counts by transition
    and the calendar warnings (a due date counted through a year without a
    confirmed holiday notice, an unknown time limit).
    """
    calendar = calendar or default_calendar()
    ensure_worklist_state(con)
    dues, warnings = _due_dates(con, run_date, calendar)
    con.execute("CREATE OR REPLACE TEMP TABLE worklist_due (time_limit VARCHAR, due_date DATE)")
    if dues:
        con.executemany("INSERT INTO worklist_due VALUES (?, ?)", dues)
    con.execute("""
        CREATE OR REPLACE TEMP TABLE worklist_tonight AS
        SELECT f.item_id, f.kind, f.rule_code, f.policy_code, f.target, f.id_number, f.household_no,
               f.facts_fingerprint, d.due_date AS due_if_dispatched
        FROM rules.finding AS f
        LEFT JOIN worklist_due AS d USING (time_limit)
    """)
    open_list = ", ".join(f"'{s}'" for s in OPEN_STATUSES)
    reopen_list = ", ".join(f"'{s}'" for s in REOPEN_ON_CHANGE)
    counts = {}
    own_transaction = _begin(con)
    try:
        # found, never dispatched yet (first night, or an export that never happened)
        counts["pending"] = _changes(con, """
            UPDATE meta.worklist_state AS s
            SET due_date = t.due_if_dispatched, last_seen = $d, facts_fingerprint = t.facts_fingerprint,
                last_exported_on = $d, export_reason = coalesce(s.export_reason, 'new')
            FROM worklist_tonight AS t
            WHERE s.item_id = t.item_id AND s.status = 'new'
        """, run_date)
        # closed_by_data, found again: a fresh item to dispatch
        counts["reopened"] = _changes(con, """
            UPDATE meta.worklist_state AS s
            SET status = 'new', status_date = $d, dispatched_on = NULL, due_date = t.due_if_dispatched,
                last_seen = $d, facts_fingerprint = t.facts_fingerprint, last_exported_on = $d,
                export_reason = 'reopened', overdue_exported_on = NULL
            FROM worklist_tonight AS t
            WHERE s.item_id = t.item_id AND s.status = 'closed_by_data'
        """, run_date)
        # answered by a township: proposed again once the facts behind it changed since the
        # answer, or once the answer's time is over (SUPPRESSION_DAYS); else it stays as answered
        suppress = " ".join(f"WHEN '{k}' THEN {v}" for k, v in SUPPRESSION_DAYS.items())
        counts["feedback_returned"] = _changes(con, f"""
            UPDATE meta.worklist_state AS s
            SET status = 'new', status_date = $d, dispatched_on = NULL, due_date = t.due_if_dispatched,
                last_seen = $d, last_exported_on = $d, overdue_exported_on = NULL,
                export_reason = CASE WHEN s.facts_fingerprint IS DISTINCT FROM t.facts_fingerprint
                                     THEN 'facts_changed_after_feedback' ELSE 'feedback_expired' END,
                facts_fingerprint = t.facts_fingerprint
            FROM worklist_tonight AS t
            WHERE s.item_id = t.item_id AND s.status IN ({reopen_list})
              AND (s.facts_fingerprint IS DISTINCT FROM t.facts_fingerprint
                   OR s.status_date + (CASE s.status {suppress} ELSE NULL END)::INTEGER <= $d)
        """, run_date)
        # dispatched, facts changed since (a rerun of the same night finds them equal)
        counts["changed"] = _changes(con, """
            UPDATE meta.worklist_state AS s
            SET facts_fingerprint = t.facts_fingerprint, last_seen = $d, last_exported_on = $d,
                export_reason = 'changed'
            FROM worklist_tonight AS t
            WHERE s.item_id = t.item_id AND s.status = 'dispatched'
              AND s.facts_fingerprint IS DISTINCT FROM t.facts_fingerprint
              AND s.last_exported_on IS DISTINCT FROM $d
        """, run_date)
        # dispatched, due date passed while open: re-exported once, as overdue
        counts["overdue"] = _changes(con, """
            UPDATE meta.worklist_state AS s
            SET last_seen = $d, last_exported_on = $d, export_reason = 'overdue', overdue_exported_on = $d
            FROM worklist_tonight AS t
            WHERE s.item_id = t.item_id AND s.status = 'dispatched'
              AND s.due_date < $d AND s.overdue_exported_on IS NULL
              AND s.last_exported_on IS DISTINCT FROM $d
        """, run_date)
        con.execute("""
            UPDATE meta.worklist_state AS s
            SET last_seen = $d
            FROM worklist_tonight AS t
            WHERE s.item_id = t.item_id
        """, {"d": run_date})
        counts["closed_by_data"] = _changes(con, f"""
            UPDATE meta.worklist_state AS s
            SET status = 'closed_by_data', status_date = $d
            WHERE s.status IN ({open_list})
              AND s.item_id NOT IN (SELECT item_id FROM worklist_tonight)
        """, run_date)
        counts["new"] = _changes(con, """
            INSERT INTO meta.worklist_state (item_id, kind, rule_code, policy_code, target, id_number,
                household_no, first_seen, last_seen, dispatched_on, due_date, status, status_date,
                facts_fingerprint, last_exported_on, export_reason, overdue_exported_on)
            SELECT t.item_id, t.kind, t.rule_code, t.policy_code, t.target, t.id_number, t.household_no,
                   $d, $d, NULL, t.due_if_dispatched, 'new', $d, t.facts_fingerprint, $d, 'new', NULL
            FROM worklist_tonight AS t
            WHERE t.item_id NOT IN (SELECT item_id FROM meta.worklist_state)
        """, run_date)
        if own_transaction:
            con.execute("COMMIT")
    except Exception:
        if own_transaction:
            con.execute("ROLLBACK")
        raise
    counts["to_export"] = con.execute(
        "SELECT count(*) FROM meta.worklist_state WHERE last_exported_on = ? AND item_id IN "
        "(SELECT item_id FROM worklist_tonight)", [run_date]).fetchone()[0]
    counts["open"] = con.execute(
        f"SELECT count(*) FROM meta.worklist_state WHERE status IN ({open_list})").fetchone()[0]
    if rebuild_marts:
        from transforms.warehouse import run_layer

        run_layer(con, "marts")
    return {"counts": counts, "warnings": warnings}


def _begin(con) -> bool:
    """Open a transaction unless the caller already holds one (then it is theirs to commit)."""
    try:
        con.execute("BEGIN TRANSACTION")
        return True
    except Exception as exc:  # duckdb: "cannot start a transaction within a transaction"
        if "transaction" in str(exc).lower():
            return False
        raise


def _changes(con, sql: str, run_date: date) -> int:
    """Run a DML statement with $d = run date; the number of rows it touched."""
    result = con.execute(sql, {"d": run_date}).fetchone()
    return int(result[0]) if result else 0


def mark_dispatched(con, run_date: date, item_ids: list[str] | None = None) -> int:
    """Tonight's exported `new` items become `dispatched` on the run date.

    Also brings marts.worklist (built before the export) up to date, so that
    what analysts see tonight matches what went out.
    """
    ensure_worklist_state(con)
    only = ""
    if item_ids is not None:
        if not item_ids:
            return 0
        con.execute("CREATE OR REPLACE TEMP TABLE worklist_exported AS "
                    "SELECT unnest(?::VARCHAR[]) AS item_id", [list(item_ids)])
        only = " AND item_id IN (SELECT item_id FROM worklist_exported)"
    n = _rowcount(con.execute(
        "UPDATE meta.worklist_state SET status = 'dispatched', dispatched_on = $d, status_date = $d "
        "WHERE status = 'new' AND last_exported_on = $d" + only, {"d": run_date}))
    has_mart = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'marts' "
        "AND table_name = 'worklist'").fetchone()[0]
    if has_mart:
        # the township an item went to: a returned file may answer only its own township's items
        con.execute("""
            UPDATE meta.worklist_state AS s SET township_code = w.township_code
            FROM marts.worklist AS w
            WHERE s.item_id = w.item_id AND w.to_export AND s.township_code IS DISTINCT FROM w.township_code
        """)
        con.execute("""
            UPDATE marts.worklist AS w
            SET status = s.status, dispatched_on = s.dispatched_on, status_date = s.status_date
            FROM meta.worklist_state AS s
            WHERE s.item_id = w.item_id AND s.dispatched_on = ?
        """, [run_date])
    return n


def _rowcount(cur) -> int:
    row = cur.fetchone()
    return int(row[0]) if row else 0
