-- marts.worklist: the worklist of the run date, one row per worklist item.
--
-- Tonight's findings (rules.finding) with the state carried across nights
-- (meta.worklist_state, which transforms/worklist.py:update_worklist_state
-- brings to tonight before this table is built), placed in a township and a
-- village: the person's, or for a household target its head's (core.household).
-- An item whose township cannot be told goes to the county office, the county
-- code of ref.division + 000 (371426000 for 平原县; 县级待分派).
-- Items of earlier nights that no finding supports any more stay visible with
-- their status (closed_by_data, or what township feedback made of them); the
-- reason, evidence and amount of an item are tonight's, so those are empty.
-- `to_export`: the item goes into tonight's township files (first dispatch,
-- facts changed, or overdue; a rerun of the night exports the same).
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

state AS (
    SELECT * FROM meta.worklist_state
),

finding AS (
    SELECT * FROM rules.finding
),

division AS (
    SELECT code, min(name) AS name FROM ref.division GROUP BY code
),

county_office AS (
    SELECT coalesce(substr(min(code), 1, 6) || '000', '371426000') AS code
    FROM ref.division
    WHERE length(code) = 9
),

items AS (
    SELECT
        coalesce(f.item_id, s.item_id) AS item_id,
        coalesce(f.kind, s.kind) AS kind,
        coalesce(f.rule_code, s.rule_code) AS rule_code,
        coalesce(f.policy_code, s.policy_code) AS policy_code,
        coalesce(f.target, s.target) AS target,
        coalesce(f.id_number, s.id_number) AS id_number,
        coalesce(f.household_no, s.household_no) AS household_no,
        f.reason,
        f.evidence,
        f.amount,
        f.amount_period,
        f.priority,
        f.time_limit,
        coalesce(f.facts_fingerprint, s.facts_fingerprint) AS facts_fingerprint,
        f.item_id IS NOT NULL AS is_current,
        s.first_seen,
        s.dispatched_on,
        s.due_date,
        coalesce(s.status, 'new') AS status,
        s.status_date,
        s.last_exported_on,
        s.export_reason
    FROM finding AS f
    FULL OUTER JOIN state AS s ON s.item_id = f.item_id
),

placed AS (
    SELECT
        i.*,
        CASE WHEN i.target = 'household' THEN h.township_code ELSE p.township_code END AS raw_township_code,
        CASE WHEN i.target = 'household' THEN h.village_code ELSE p.village_code END AS village_code,
        CASE WHEN i.target = 'household' THEN h.head_name ELSE p.name END AS name,
        CASE WHEN i.target = 'household' THEN coalesce(h.contact_phone, p.phone)
             ELSE coalesce(p.phone, hp.contact_phone) END AS phone,
        p.address AS address,
        CASE WHEN i.target = 'household' THEN h.head_id_number ELSE i.id_number END AS shown_id_number
    FROM items AS i
    LEFT JOIN core.household AS h
      ON i.target = 'household' AND h.household_no = i.household_no
    LEFT JOIN core.person AS p
      ON p.id_number = CASE WHEN i.target = 'household' THEN coalesce(h.head_id_number, i.id_number)
                            ELSE i.id_number END
    LEFT JOIN core.household AS hp
      ON i.target <> 'household' AND hp.household_no = p.household_no
),

final AS (
    SELECT
        p.item_id,
        run.run_date,
        p.kind,
        p.rule_code,
        p.policy_code,
        p.target,
        p.shown_id_number AS id_number,
        p.household_no,
        p.name,
        p.phone,
        p.address,
        coalesce(
            CASE WHEN regexp_full_match(p.raw_township_code, '[0-9]{9}') THEN p.raw_township_code END,
            (SELECT code FROM county_office)) AS township_code,
        t.name AS township_name,
        p.village_code,
        v.name AS village_name,
        p.reason,
        p.evidence,
        p.amount,
        p.amount_period,
        p.priority,
        p.time_limit,
        p.first_seen,
        p.dispatched_on,
        p.due_date,
        p.status,
        p.status_date,
        p.status IN ('new', 'dispatched') AND p.due_date < run.run_date AS overdue,
        p.is_current,
        p.is_current AND p.last_exported_on = run.run_date AS to_export,
        p.export_reason,
        p.facts_fingerprint
    FROM placed AS p
    CROSS JOIN run
    LEFT JOIN division AS t
      ON t.code = coalesce(
            CASE WHEN regexp_full_match(p.raw_township_code, '[0-9]{9}') THEN p.raw_township_code END,
            (SELECT code FROM county_office))
    LEFT JOIN division AS v ON v.code = p.village_code
)

SELECT * FROM final
ORDER BY township_code, priority NULLS LAST, due_date NULLS LAST, item_id
