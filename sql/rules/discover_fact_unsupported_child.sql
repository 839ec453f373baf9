-- DISCOVER FACT_UNSUPPORTED_CHILD (事实无人抚养儿童基本生活费), policies.md §3 row 9:
--   minor; parents(c) resolved; each parent FC or DEAD, at least one FC, where
--   FC(q) = SEV or JAIL or ILL of a living parent (失联, 撤销监护, 强制戒毒,
--   遣送出境 are not in data: home visit);
--   exclusions ORPHAN, TK_*, CHILD_DIFFICULTY received; not already received;
--   never for a DEAD, GONE or JAIL child.
-- Both parents dead is ORPHAN, not this: a dead parent's certificate or
-- diagnosis makes no FC. Amount FUC_MONTHLY per month, priority 2, 15 wd.
WITH fuc AS (
    SELECT max(value)::DECIMAL(14, 2) AS monthly FROM ref.parameter WHERE name = 'FUC_MONTHLY'
),

person_label AS (
    SELECT * FROM labels.person_label
),

children AS (
    SELECT p.id_number, p.household_no, p._source, p._file, p._row
    FROM core.person AS p
    WHERE p.id_number IN (SELECT id_number FROM person_label WHERE label = 'minor')
      AND p.id_number NOT IN (
          SELECT id_number FROM person_label
          WHERE label IN ('deceased', 'in_prison', 'moved_away', 'not_in_register',
                          'receives_fact_unsupported_child', 'receives_orphan',
                          'receives_tk_urban', 'receives_tk_rural', 'receives_child_difficulty')
      )
),

parents AS (
    SELECT pa.*
    FROM core.parents AS pa
    WHERE pa.resolved
      AND pa.child_id_number IN (SELECT id_number FROM children)
),

parent_facts AS (
    SELECT
        pa.child_id_number,
        pa.parent_role,
        pa.parent_relation,
        pa._source,
        pa._file,
        pa._row,
        coalesce(pa.parent_is_dead, false) OR pa.parent_register_status = '死亡'
            OR dead.id_number IS NOT NULL AS is_dead,
        sev.value AS disability_grade,
        jail.value AS jail_since,
        ill.value AS disease,
        dead.source_code AS dead_source, dead._file AS dead_file, dead._row AS dead_row,
        sev.source_code AS sev_source, sev._file AS sev_file, sev._row AS sev_row,
        jail.source_code AS jail_source, jail._file AS jail_file, jail._row AS jail_row,
        ill.source_code AS ill_source, ill._file AS ill_file, ill._row AS ill_row
    FROM parents AS pa
    LEFT JOIN person_label AS dead
      ON dead.id_number = pa.parent_id_number AND dead.label = 'deceased'
    LEFT JOIN person_label AS sev
      ON sev.id_number = pa.parent_id_number AND sev.label = 'severe_disability'
    LEFT JOIN person_label AS jail
      ON jail.id_number = pa.parent_id_number AND jail.label = 'in_prison'
    LEFT JOIN person_label AS ill
      ON ill.id_number = pa.parent_id_number AND ill.label = 'serious_illness'
),

circumstances AS (
    SELECT
        *,
        NOT is_dead AND (disability_grade IS NOT NULL OR jail_since IS NOT NULL OR disease IS NOT NULL)
            AS is_fc,
        CASE
            WHEN is_dead THEN '已死亡'
            ELSE concat_ws('、',
                CASE WHEN disability_grade IS NOT NULL THEN '持' || disability_grade || '残疾证' END,
                CASE WHEN jail_since IS NOT NULL THEN '正在服刑' END,
                CASE WHEN disease IS NOT NULL THEN '患重特大疾病（' || disease || '）' END)
        END AS circumstance,
        CASE parent_role WHEN '父亲' THEN 1 WHEN '母亲' THEN 2 ELSE 3 END AS role_order
    FROM parent_facts
),

eligible AS (
    SELECT
        child_id_number,
        CASE
            WHEN count(DISTINCT circumstance) = 1
                 AND list_sort(list(parent_role)) = ['母亲', '父亲']
                THEN '父母均' || min(circumstance)
            ELSE string_agg(parent_role || circumstance, '，' ORDER BY role_order, parent_relation, _file, _row)
        END AS parents_text,
        string_agg(parent_role || ':' || circumstance, ';' ORDER BY role_order, circumstance) AS facts
    FROM circumstances
    GROUP BY child_id_number
    HAVING count(*) = 2
       AND bool_and(is_fc OR is_dead)
       AND bool_or(is_fc)
),

evidence_rows AS (
    SELECT c.id_number AS child_id_number, c._source AS source, c._file AS file, c._row AS row
    FROM children AS c WHERE c.id_number IN (SELECT child_id_number FROM eligible)
    UNION
    SELECT child_id_number, _source, _file, _row FROM circumstances
    UNION
    SELECT child_id_number, dead_source, dead_file, dead_row FROM circumstances WHERE dead_file IS NOT NULL
    UNION
    SELECT child_id_number, sev_source, sev_file, sev_row FROM circumstances WHERE sev_file IS NOT NULL AND NOT is_dead
    UNION
    SELECT child_id_number, jail_source, jail_file, jail_row FROM circumstances WHERE jail_file IS NOT NULL AND NOT is_dead
    UNION
    SELECT child_id_number, ill_source, ill_file, ill_row FROM circumstances WHERE ill_file IS NOT NULL AND NOT is_dead
),

evidence AS (
    SELECT
        child_id_number,
        to_json(list({'source': source, 'file': file, 'row': row} ORDER BY source, file, row))::VARCHAR AS evidence
    FROM evidence_rows
    WHERE child_id_number IN (SELECT child_id_number FROM eligible)
    GROUP BY child_id_number
),

final AS (
    SELECT
        'discover' AS kind,
        'DISCOVER' AS rule_code,
        'FACT_UNSUPPORTED_CHILD' AS policy_code,
        'person' AS target,
        c.id_number,
        c.household_no,
        fuc.monthly AS amount,
        'month' AS amount_period,
        2 AS priority,
        '15wd' AS time_limit,
        e.parents_text || '，本人未满18周岁，未享受事实无人抚养儿童基本生活费' AS reason,
        ev.evidence,
        md5('FACT_UNSUPPORTED_CHILD|' || e.facts || '|' || fuc.monthly::VARCHAR) AS facts_fingerprint
    FROM eligible AS e
    JOIN children AS c ON c.id_number = e.child_id_number
    JOIN evidence AS ev ON ev.child_id_number = e.child_id_number
    CROSS JOIN fuc
)

SELECT * FROM final
ORDER BY id_number
