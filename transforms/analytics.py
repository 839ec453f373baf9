"""The analysts' copy (`analytics.duckdb`) and the run record.

Built from the freshly swapped warehouse into `analytics.duckdb.building`,
then renamed over the old file: an analyst's open read-only connection keeps
the old inode (a consistent old night) and never blocks the build. Persons
and households are keyed by a keyed hash; no ID number, name, phone or address
is copied. Every table and column carries a comment: the data dictionary
lives in the database.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import duckdb
import pyarrow as pa

from sources.home import Home
from transforms import build
from transforms.pseudonym import hmac_pads, key_table_sql, load_or_create_key

# view -> (comment, [(column, sql expression over the warehouse, comment)], FROM clause)
ANALYTICS_TABLES: dict[str, tuple[str, list[tuple[str, str, str]], str]] = {
    "person": (
        "One row per person in the register (deduplicated by ID number), pseudonymised.",
        [
            ("person_key", "pk.hashed", "keyed hash (HMAC-SHA-256) of the ID number; stable across nights"),
            ("household_key", "hk.hashed", "keyed hash of the household number (户号)"),
            ("sex", "p.sex", "性别: 男 or 女"),
            ("birth_year", "year(p.birth_date)", "year of birth"),
            ("age", "date_diff('year', p.birth_date, r.run_date) - "
                    "CASE WHEN strftime(r.run_date, '%m%d') < strftime(p.birth_date, '%m%d') THEN 1 ELSE 0 END",
             "full years on the run date"),
            ("township_code", "p.township_code", "乡镇街道代码 (9 digits)"),
            ("village_code", "p.village_code", "村居代码 (12 digits)"),
            ("is_urban", "p.is_urban", "true when the village code is an urban community (digits 10-12 001-099)"),
            ("life_status", "p.life_status", "alive, deceased, moved_out, cancelled, incarcerated or not_in_register"),
            ("life_status_date", "p.life_status_date",
             "date the life status took effect (death, move, cancellation, prison start); NULL when alive"),
            ("in_household_register", "p.in_household_register",
             "false for IDs seen only in other departments' data"),
        ],
        "w.core.person p CROSS JOIN w.ref.run r LEFT JOIN pk ON pk.value = p.id_number "
        "LEFT JOIN hk ON hk.value = p.household_no",
    ),
    "household": (
        "One row per household (户号) of the register, pseudonymised.",
        [
            ("household_key", "hk.hashed", "keyed hash of the household number (户号)"),
            ("head_person_key", "pk.hashed", "person_key of the head of household (户主)"),
            ("township_code", "h.township_code", "乡镇街道代码 of the head"),
            ("village_code", "h.village_code", "村居代码 of the head"),
            ("is_urban", "h.is_urban", "urban community (true) or rural village (false)"),
            ("size", "h.size", "n of policies.md: living members with status 正常, not in prison"),
            ("members_registered", "h.members_registered", "members in the household register, living or not"),
            ("yearly_income", "h.yearly_income", "INC of policies.md: the household's yearly income (yuan)"),
            ("per_capita_monthly_income", "h.per_capita_monthly_income",
             "PCI of policies.md: yearly household income / 12 / n (yuan)"),
        ],
        "w.core.household h LEFT JOIN hk ON hk.value = h.household_no LEFT JOIN pk ON pk.value = h.head_id_number",
    ),
    "person_label": (
        "One row per person and label (seven categories).",
        [
            ("person_key", "pk.hashed", "keyed hash of the ID number"),
            ("category", "l.category", "demographic, disability, health, economic, employment, education or assistance"),
            ("label", "l.label", "label name (see the label catalogue)"),
            ("value", "l.value", "label value as text"),
            ("source_code", "l.source_code", "source the label was derived from"),
            ("as_of", "l.as_of", "date the label's facts refer to"),
        ],
        "w.labels.person_label l LEFT JOIN pk ON pk.value = l.id_number",
    ),
    "household_label": (
        "One row per household and label.",
        [
            ("household_key", "hk.hashed", "keyed hash of the household number"),
            ("category", "l.category", "label category"),
            ("label", "l.label", "label name"),
            ("value", "l.value", "label value as text"),
            ("as_of", "l.as_of", "date the label's facts refer to"),
        ],
        "w.labels.household_label l LEFT JOIN hk ON hk.value = l.household_no",
    ),
    "label_catalogue": (
        "The label catalogue (sql/labels/catalogue.yaml): what each label of person_label and "
        "household_label means and which departments' data it rests on.",
        [
            ("position", "c.position", "order in the catalogue"),
            ("label", "c.name", "label name as in person_label.label and household_label.label"),
            ("category", "c.category", "demographic, disability, health, economic, employment, education or assistance"),
            ("target", "c.target", "person or household"),
            ("definition", "c.definition", "what the label means, in Chinese, as a clerk reads it"),
            ("source_codes", "c.source", "source codes (sources.md) the label is derived from"),
            ("departments", "c.departments", "the departments delivering those sources"),
        ],
        "w.labels.catalogue c",
    ),
    "benefit": (
        "One row per benefit now paid (民政 list, public-welfare jobs).",
        [
            ("person_key", "pk.hashed", "keyed hash of the ID number"),
            ("policy_code", "b.policy_code", "policy code of policies.md §3"),
            ("monthly_amount", "b.monthly_amount", "amount paid per month (yuan)"),
            ("since", "b.since", "first month paid (起始年月)"),
        ],
        "w.core.benefit b LEFT JOIN pk ON pk.value = b.id_number",
    ),
    "worklist": (
        "One row per worklist item of the night, with its state.",
        [
            ("item_id", "wl.item_id", "stable item id (kind, rule, policy, target)"),
            ("run_date", "wl.run_date", "night the row was computed"),
            ("kind", "wl.kind", "discover, review, warning or yellow"),
            ("policy_code", "wl.policy_code", "policy of policies.md §3"),
            ("rule_code", "wl.rule_code", "DISCOVER or the R_/W_/Y_ rule"),
            ("target", "wl.target", "person or household: whom the item is about"),
            ("person_key", "pk.hashed", "keyed hash of the person's (or head's) ID number"),
            ("household_key", "hk.hashed", "keyed hash of the household number"),
            ("township_code", "wl.township_code", "township the item is assigned to (<county code>000, e.g. 371426000, = the county office, 县级待分派)"),
            ("village_code", "wl.village_code", "village the item is assigned to"),
            ("reason", "wl.reason", "why, in words a township clerk understands"),
            ("evidence", "wl.evidence", "JSON list of source, file and row of each record used"),
            ("amount", "wl.amount", "estimated amount (yuan) for the period"),
            ("amount_period", "wl.amount_period", "month, year or once"),
            ("priority", "wl.priority", "1 urgent, 2 normal, 3 routine"),
            ("first_seen", "wl.first_seen", "night the finding was first made"),
            ("dispatched_on", "wl.dispatched_on", "night the item was first sent to the township"),
            ("due_date", "wl.due_date", "due date, fixed at first dispatch (working days)"),
            ("status", "wl.status",
             "new, dispatched (open); verified_eligible, not_eligible, already_covered, confirmed, "
             "not_confirmed, unreachable, refused (township feedback); closed_by_data"),
            ("status_date", "wl.status_date", "date the status was last set"),
            ("overdue", "wl.overdue", "due date passed while the item is open"),
        ],
        "w.marts.worklist wl LEFT JOIN pk ON pk.value = wl.id_number LEFT JOIN hk ON hk.value = wl.household_no",
    ),
    "source_delivery": (
        "One row per delivered file, accepted or quarantined.",
        [
            ("source_code", "d.source_code", "source code of sources.md"),
            ("file_name", "d.file_name", "file name as delivered"),
            ("sha256", "d.sha256", "SHA-256 of the file's bytes"),
            ("extract_date", "d.extract_date", "extract date from the file name"),
            ("rows", "d.rows", "data rows read"),
            ("rows_rejected", "d.rows_rejected", "rows rejected with a reason (meta.reject)"),
            ("accepted", "d.accepted", "true: taken into the lake; false: quarantined (see reason); NULL: the same bytes as a file already taken"),
            ("reason", "d.reason", "why a file was quarantined or skipped"),
        ],
        "w.meta.delivery d",
    ),
    "run": (
        "One row per nightly run.",
        [
            ("run_id", "r.run_id", "run id (the run date; a rerun replaces its row)"),
            ("run_date", "r.run_date", "the night's run date"),
            ("started_at", "r.started_at", "UTC start time"),
            ("finished_at", "r.finished_at", "UTC time the warehouse was published"),
            ("status", "r.status", "published or failed"),
            ("sources_ok", "r.sources_ok", "sources whose delivery in force is fresh"),
            ("sources_failed", "r.sources_failed", "sources with a quarantined file tonight or stale"),
            ("items_new", "r.items_new", "worklist items dispatched for the first time tonight"),
            ("items_open", "r.items_open", "open worklist items after tonight"),
        ],
        "w.meta.run r",
    ),
    "expectation_result": (
        "Data-quality checks (Great Expectations) of each accepted delivery: counts and percentages only.",
        [
            ("run_date", "e.run_date", "night the delivery was checked"),
            ("source_code", "e.source_code", "source code of sources.md"),
            ("file_name", "e.file_name", "file name as delivered"),
            ("expectation", "e.expectation", "the check, e.g. column_values_to_not_be_null"),
            ("column_name", "e.column_name", "canonical column checked; NULL for table-level checks"),
            ("success", "e.success", "true when the delivery met the expectation"),
            ("unexpected_percent", "e.unexpected_percent", "share of rows not meeting it (percent)"),
            ("element_count", "e.element_count", "rows checked"),
        ],
        "w.meta.expectation_result e",
    ),
    "rejected_value": (
        "Values rejected from deliveries, counted by file, column and kind (the values themselves stay out).",
        [
            ("run_date", "j.run_date", "night the file was read"),
            ("source_code", "j.source_code", "source code of sources.md"),
            ("file_name", "j.file_name", "file name as delivered"),
            ("column_header", "j.\"column\"", "column as headed in the delivered file"),
            ("value_kind", "j.value_kind", "what was wrong, e.g. wrong_check_digit, id_mangled_by_excel, missing"),
            ("rows", "count(*)", "rows rejected for this reason"),
        ],
        "w.meta.reject j GROUP BY ALL ORDER BY ALL",
    ),
    "division": (
        "Townships and villages of the county (reference/divisions.csv): names for the codes.",
        [
            ("code", "d.code", "division code: 9 digits for a township, 12 for a village"),
            ("name", "d.name", "division name"),
            ("township_code", "d.township_code", "the township the division belongs to"),
            ("level", "d.level", "township or village"),
        ],
        "w.ref.division d",
    ),
    "parameter": (
        "Policy parameters in force on the night (policies/parameters.yaml): amounts, standards, thresholds.",
        [
            ("name", "pa.name", "parameter name, e.g. DB_STD_RURAL"),
            ("value", "pa.value", "numeric value; NULL for a list parameter"),
            ("text_value", "pa.text_value", "value of a list parameter, | separated"),
            ("unit", "pa.unit", "unit of the value"),
            ("effective_from", "pa.effective_from", "date this value took effect"),
            ("description", "pa.description", "what the parameter is"),
            ("reference", "pa.reference", "where the value is published"),
        ],
        "w.ref.parameter pa",
    ),
    "policy": (
        "The policy catalogue of policies.md §3: code and name.",
        [
            ("policy_code", "po.policy_code", "policy code as in benefit.policy_code and worklist.policy_code"),
            ("policy_name", "po.policy_name", "政策名称, as on the township worklists"),
        ],
        "policy_names po",
    ),
}


def record_run(con: duckdb.DuckDBPyConnection, run_date: date, started_at: str, stages: dict) -> dict:
    """Write tonight's row of meta.run (a rerun of the same night replaces it)."""
    con.execute("""CREATE TABLE IF NOT EXISTS meta.run (
        run_id VARCHAR PRIMARY KEY, run_date DATE, started_at VARCHAR, finished_at VARCHAR,
        status VARCHAR, sources_ok INTEGER, sources_failed INTEGER, items_new INTEGER,
        items_open INTEGER, stages VARCHAR)""")
    ingest = stages.get("ingest", {})
    quarantined = {s for s, v in ingest.get("sources", {}).items() if v.get("quarantined")}
    stale = set(ingest.get("stale", []))
    total_sources = len(ingest.get("sources", {})) or 20
    failed = len(quarantined | stale)
    items_new, items_open = con.execute("""
        SELECT count(*) FILTER (WHERE dispatched_on = ?), count(*) FILTER (WHERE status IN ('new', 'dispatched'))
        FROM meta.worklist_state""", [run_date]).fetchone()
    run = dict(run_id=run_date.isoformat(), run_date=run_date, started_at=started_at,
               finished_at=datetime.now(timezone.utc).isoformat(timespec="seconds"), status="published",
               sources_ok=total_sources - failed, sources_failed=failed,
               items_new=items_new, items_open=items_open,
               stages=json.dumps(stages, default=str, ensure_ascii=False, sort_keys=True))
    con.execute("DELETE FROM meta.run WHERE run_id = ?", [run["run_id"]])
    con.execute("INSERT INTO meta.run VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", list(run.values()))
    run.pop("stages")
    run["run_date"] = run_date.isoformat()
    return run


def policy_table() -> pa.Table:
    """Policy codes and the names the township worklists print (transforms.worklist.POLICY_NAMES)."""
    from transforms.worklist import POLICY_NAMES

    codes = sorted(POLICY_NAMES)
    return pa.table({"policy_code": codes, "policy_name": [POLICY_NAMES[c] for c in codes]})


def data_dictionary_markdown() -> str:
    """The data dictionary of docs/analysts.md, from the same comments the database carries."""
    out = []
    for view, (comment, columns, _) in ANALYTICS_TABLES.items():
        out += [f"### `{view}`", "", comment, "", "| column | meaning |", "|---|---|"]
        out += [f"| `{name}` | {text.replace('|', '&#124;')} |" for name, _, text in columns]
        out.append("")
    return "\n".join(out).rstrip() + "\n"


def _comment(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def analytics_sql(view: str) -> str:
    _, columns, source = ANALYTICS_TABLES[view]
    select = ",\n  ".join(f"{expr} AS {name}" for name, expr, _ in columns)
    return f"CREATE TABLE {view} AS SELECT\n  {select}\nFROM {source}"


def publish_analytics(home: Home) -> None:
    key = load_or_create_key(home)
    target = home.analytics
    path = build.building_path(target)
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)  # a crashed build is never resumed half-way
    with build.connect_file(home, path) as con:  # the home's memory limit, threads, spill folder
        con.execute(f"ATTACH '{home.warehouse}' AS w (READ_ONLY)")
        ids = ("SELECT id_number FROM w.core.person UNION SELECT id_number FROM w.marts.worklist "
               "UNION SELECT id_number FROM w.core.benefit UNION SELECT id_number FROM w.labels.person_label "
               "UNION SELECT head_id_number FROM w.core.household")
        households = ("SELECT household_no FROM w.core.person UNION SELECT household_no FROM w.core.household "
                      "UNION SELECT household_no FROM w.marts.worklist")
        # The key tables live only in this connection (temporary tables, never written to the file),
        # hashed by DuckDB: the same keys as person_key, without millions of IDs passing through Python.
        pads = list(hmac_pads(key))
        con.execute(f"CREATE TEMP TABLE pk AS {key_table_sql(ids, 'P')}", pads)
        con.execute(f"CREATE TEMP TABLE hk AS {key_table_sql(households, 'H')}", pads)
        con.register("policy_names", policy_table())
        for view, (comment, columns, _) in ANALYTICS_TABLES.items():
            con.execute(analytics_sql(view))
            con.execute(f"COMMENT ON TABLE {view} IS {_comment(comment)}")
            for name, _, col_comment in columns:
                con.execute(f"COMMENT ON COLUMN {view}.{name} IS {_comment(col_comment)}")
        for name in ("pk", "hk"):
            con.execute(f"DROP TABLE {name}")
        con.unregister("policy_names")
        con.execute("DETACH w")
    build.swap_in(path, target)


DICTIONARY_BEGIN = "<!-- data dictionary: begin (generated by `python -m transforms.analytics`; do not edit by hand) -->"
DICTIONARY_END = "<!-- data dictionary: end -->"


def with_dictionary(doc: str) -> str:
    """`doc` with the text between the dictionary markers replaced by the current dictionary."""
    head, found, rest = doc.partition(DICTIONARY_BEGIN)
    _, found_end, tail = rest.partition(DICTIONARY_END)
    if not (found and found_end):
        raise ValueError("the data dictionary markers are missing")
    return f"{head}{DICTIONARY_BEGIN}\n\n{data_dictionary_markdown()}\n{DICTIONARY_END}{tail}"


if __name__ == "__main__":
    # `python -m transforms.analytics` prints the data dictionary;
    # `python -m transforms.analytics docs/analysts.md` rewrites that file's dictionary section.
    import sys
    from pathlib import Path

    if len(sys.argv) > 1:
        doc = Path(sys.argv[1])
        doc.write_text(with_dictionary(doc.read_text(encoding="utf-8")), encoding="utf-8")
    else:
        print(data_dictionary_markdown(), end="")
