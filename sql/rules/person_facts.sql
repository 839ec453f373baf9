-- rules.person_facts: the person terms of policies.md §2 as one wide row per
-- person of core.person, the columns the policy rules (policies/rules/*.yaml)
-- name in their conditions. Each fact a rule may cite has an `ev_<fact>`
-- column beside it: the list of source rows ({source, file, row}) it rests on
-- (never an ID number, plate or unit number).
--
-- Terms: age, minor, wa (18-59), dead / gone / jail (DEAD, GONE, JAIL), dis /
-- sev / ng (DIS, SEV, NG) with the certificate's grade and kind, ill (ILL)
-- with the disease, emp (EMP) and the rest of 人社's row, student with 学段
-- and 资助项目, vehicle (a vehicle in force of a type not exempt), oop
-- (OOP(p) over WIN_YEAR), crit_last_year (是否大病 in the
-- window), receives (the policy codes p receives: RCV(p, X)), spouse_dis,
-- and parents(c) with each parent's circumstance (FC = SEV, JAIL or ILL of a
-- living parent; 已死亡) worded for a reason: `parents_text`.
WITH label AS (
    SELECT id_number, label, value, {'source': source_code, 'file': _file, 'row': _row} AS ev
    FROM labels.person_label
    WHERE label IN ('minor', 'deceased', 'in_prison', 'moved_away', 'not_in_register', 'disabled',
                    'severe_disability', 'nursing_grade', 'serious_illness', 'employed', 'student',
                    'owns_vehicle', 'job_refusals')
),

label_pivot AS (
    SELECT
        id_number,
        max(value) FILTER (WHERE label = 'deceased') AS death_value,
        list(ev) FILTER (WHERE label = 'deceased') AS ev_dead,
        list(ev) FILTER (WHERE label = 'in_prison') AS ev_jail,
        list(ev) FILTER (WHERE label = 'disabled') AS ev_dis,
        max(value) FILTER (WHERE label = 'severe_disability') AS sev_grade,
        list(ev) FILTER (WHERE label = 'severe_disability') AS ev_sev,
        list(ev) FILTER (WHERE label = 'nursing_grade') AS ev_ng,
        max(value) FILTER (WHERE label = 'serious_illness') AS illness,
        list(ev) FILTER (WHERE label = 'serious_illness') AS ev_ill,
        list(ev) FILTER (WHERE label = 'employed') AS ev_emp,
        list(ev) FILTER (WHERE label = 'student') AS ev_student,
        string_agg(value, '、' ORDER BY value) FILTER (WHERE label = 'owns_vehicle') AS vehicle,
        list(ev) FILTER (WHERE label = 'owns_vehicle') AS ev_vehicle,
        list(ev) FILTER (WHERE label = 'job_refusals') AS ev_job_refusals
    FROM label
    GROUP BY id_number
),

membership AS (
    SELECT id_number, household_no, in_hh, counts_in_n, relation_to_head
    FROM core.membership
    WHERE id_number IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY id_number ORDER BY in_hh DESC, _file DESC, _row DESC) = 1
),

receipts AS (
    SELECT
        id_number,
        list(DISTINCT policy_code ORDER BY policy_code) AS receives,
        list({'source': _source, 'file': _file, 'row': _row} ORDER BY _file, _row) AS ev_receives
    FROM core.benefit
    WHERE policy_code IS NOT NULL
    GROUP BY id_number
),

oop AS (
    SELECT
        id_number,
        sum(out_of_pocket) AS oop,
        bool_or(is_critical_illness) AS crit_last_year,
        list({'source': _source, 'file': _file, 'row': _row} ORDER BY _file, _row) AS ev_oop
    FROM core.medical_settlement
    GROUP BY id_number
),

-- spouse(p): the other of 户主/配偶 in the same 户号, living there (HH)
spouses AS (
    SELECT
        a.id_number,
        bool_or(d.id_number IS NOT NULL) AS spouse_dis,
        list({'source': b._source, 'file': b._file, 'row': b._row}) AS ev_spouse_row,
        list({'source': d._source, 'file': d._file, 'row': d._row}) FILTER (WHERE d.id_number IS NOT NULL)
            AS ev_spouse_dis_only
    FROM core.membership AS a
    JOIN core.membership AS b
      ON b.household_no = a.household_no
     AND b.in_hh
     AND b.id_number IS DISTINCT FROM a.id_number
     AND ((a.relation_to_head = '户主' AND b.relation_to_head = '配偶')
          OR (a.relation_to_head = '配偶' AND b.relation_to_head = '户主'))
    LEFT JOIN core.disability AS d ON d.id_number = b.id_number
    WHERE a.id_number IS NOT NULL
    GROUP BY a.id_number
),

-- parents(c), each parent's circumstance: dead, or FC (SEV, JAIL, ILL of a living parent)
parent_rows AS (
    SELECT
        pa.child_id_number,
        pa.parent_role,
        pa.parent_relation,
        pa.resolved,
        pa._source, pa._file, pa._row,
        coalesce(pa.parent_is_dead, false) OR pa.parent_register_status = '死亡' OR pv.death_value IS NOT NULL
            AS is_dead,
        pv.sev_grade, pv.illness,
        coalesce(len(pv.ev_jail), 0) > 0 AS is_jailed,
        coalesce(len(pv.ev_dis), 0) > 0 AS is_disabled,
        pv.ev_dead, pv.ev_sev, pv.ev_jail, pv.ev_ill, pv.ev_dis
    FROM core.parents AS pa
    LEFT JOIN label_pivot AS pv ON pv.id_number = pa.parent_id_number
),

parent_circumstances AS (
    SELECT
        *,
        NOT is_dead AND (sev_grade IS NOT NULL OR is_jailed OR illness IS NOT NULL) AS is_fc,
        CASE
            WHEN is_dead THEN '已死亡'
            ELSE concat_ws('、',
                CASE WHEN sev_grade IS NOT NULL THEN '持' || sev_grade || '残疾证' END,
                CASE WHEN is_jailed THEN '正在服刑' END,
                CASE WHEN illness IS NOT NULL THEN '患重特大疾病（' || illness || '）' END)
        END AS circumstance,
        CASE parent_role WHEN '父亲' THEN 1 WHEN '母亲' THEN 2 ELSE 3 END AS role_order,
        list_concat(
            [{'source': _source, 'file': _file, 'row': _row}],
            coalesce(ev_dead, []),
            CASE WHEN NOT is_dead THEN list_concat(coalesce(ev_sev, []), coalesce(ev_jail, []),
                                                   coalesce(ev_ill, [])) ELSE [] END
        ) AS ev_circumstance
    FROM parent_rows
),

parents AS (
    SELECT
        child_id_number AS id_number,
        bool_and(resolved) AS parents_resolved,
        count(*) FILTER (WHERE is_fc) AS parents_fc,
        count(*) FILTER (WHERE is_dead) AS parents_dead,
        bool_or(NOT is_dead AND sev_grade IS NOT NULL) AS parent_sev,
        bool_or(NOT is_dead AND is_disabled) AS parent_dis,
        CASE
            WHEN count(DISTINCT circumstance) = 1 AND list_sort(list(parent_role)) = ['母亲', '父亲']
                 AND min(circumstance) <> ''
                THEN '父母均' || min(circumstance)
            ELSE string_agg(parent_role || circumstance, '，'
                            ORDER BY role_order, parent_relation, _file, _row)
                     FILTER (WHERE circumstance <> '')
        END AS parents_text,
        string_agg(parent_role || ':' || circumstance, ';' ORDER BY role_order, circumstance) AS parents_facts,
        flatten(list(ev_circumstance)) AS ev_parents,
        flatten(list(coalesce(ev_sev, [])) FILTER (WHERE NOT is_dead)) AS ev_parent_sev,
        flatten(list(coalesce(ev_dis, [])) FILTER (WHERE NOT is_dead)) AS ev_parent_dis
    FROM parent_circumstances
    GROUP BY child_id_number
),

final AS (
    SELECT
        p.id_number,
        coalesce(m.household_no, p.household_no) AS household_no,
        p.sex,
        p.age,
        coalesce(p.age < 18, false) AS minor,
        coalesce(p.age BETWEEN 18 AND 59, false) AS wa,
        p.is_dead AS dead,
        p.death_date,
        p.death_evidence,
        p.is_gone AS gone,
        p.is_jailed AS jail,
        p.jail_start_date,
        p.register_status,
        p.in_household_register,
        coalesce(m.in_hh, false) AS in_hh,
        coalesce(m.counts_in_n, false) AS counts_in_n,
        p.relation_to_head,
        p.township_code,
        p.village_code,
        d.id_number IS NOT NULL AS dis,
        coalesce(d.is_severe, false) AS sev,
        coalesce(d.is_nursing_grade, false) AS ng,
        d.disability_grade,
        d.disability_type,
        d.grade_level AS disability_level,
        d.issue_date AS disability_issue_date,
        pv.illness IS NOT NULL AS ill,
        pv.illness,
        coalesce(e.is_employed, false) AS emp,
        e.id_number IS NOT NULL AS has_employment_record,
        e.employment_status,
        coalesce(e.is_registered_unemployed, false) AS registered_unemployed,
        e.unemployment_date,
        e.pension_type,
        e.monthly_pension,
        coalesce(e.has_public_job, false) AS public_job,
        coalesce(e.referrals, 0) AS referrals,
        coalesce(e.refusals, 0) AS refusals,
        s.id_number IS NOT NULL AS student,
        s.school_level,
        s.grade AS school_grade,
        s.school,
        s.enrol_year,
        s.aid_programme,
        coalesce(s.is_new_student, false) AS new_student,
        coalesce(o.oop, 0)::DECIMAL(14, 2) AS oop,
        coalesce(o.crit_last_year, false) AS crit_last_year,
        coalesce(r.receives, []) AS receives,
        coalesce(sp.spouse_dis, false) AS spouse_dis,
        coalesce(pa.parents_resolved, false) AS parents_resolved,
        coalesce(pa.parents_fc, 0) AS parents_fc,
        coalesce(pa.parents_dead, 0) AS parents_dead,
        coalesce(pa.parent_sev, false) AS parent_sev,
        coalesce(pa.parent_dis, false) AS parent_dis,
        pa.parents_text,
        pa.parents_facts,
        CASE WHEN p.in_household_register THEN [{'source': p._source, 'file': p._file, 'row': p._row}]
             ELSE [] END AS ev_person,
        coalesce(pv.ev_dead, []) AS ev_dead,
        coalesce(pv.ev_jail, []) AS ev_jail,
        coalesce(pv.ev_dis, []) AS ev_dis,
        coalesce(pv.ev_sev, []) AS ev_sev,
        coalesce(pv.ev_ng, []) AS ev_ng,
        coalesce(pv.ev_ill, []) AS ev_ill,
        CASE WHEN e.id_number IS NOT NULL THEN [{'source': e._source, 'file': e._file, 'row': e._row}]
             ELSE [] END AS ev_employment,
        coalesce(pv.ev_student, []) AS ev_student,
        pv.vehicle,
        coalesce(pv.ev_vehicle, []) AS ev_vehicle,
        coalesce(pv.ev_job_refusals, []) AS ev_job_refusals,
        coalesce(o.ev_oop, []) AS ev_oop,
        coalesce(r.ev_receives, []) AS ev_receives,
        list_concat(coalesce(sp.ev_spouse_row, []), coalesce(sp.ev_spouse_dis_only, [])) AS ev_spouse,
        coalesce(pa.ev_parents, []) AS ev_parents,
        coalesce(pa.ev_parent_sev, []) AS ev_parent_sev,
        coalesce(pa.ev_parent_dis, []) AS ev_parent_dis
    FROM core.person AS p
    LEFT JOIN membership AS m ON m.id_number = p.id_number
    LEFT JOIN label_pivot AS pv ON pv.id_number = p.id_number
    LEFT JOIN core.disability AS d ON d.id_number = p.id_number
    LEFT JOIN core.employment AS e ON e.id_number = p.id_number
    LEFT JOIN core.student AS s ON s.id_number = p.id_number
    LEFT JOIN oop AS o ON o.id_number = p.id_number
    LEFT JOIN receipts AS r ON r.id_number = p.id_number
    LEFT JOIN spouses AS sp ON sp.id_number = p.id_number
    LEFT JOIN parents AS pa ON pa.id_number = p.id_number
)

SELECT * FROM final
