-- rules.person_facts_education: "a parent" as the education and disability
-- student rules read it (policies.md §3 rows 21, 27-31: HARD_KID's "a parent
-- SEV", DIS_STUDENT's "a parent DIS"): a parent of parents(c) when c's
-- parents are resolved (exactly two found), read on the parent's valid
-- 残疾证 whatever the parent's life status (as FC(q) is read), one row per
-- child with resolved parents (and one per student with a 大学新生救助).
--
-- edu_parent_sev / edu_parent_dis with their source rows ev_edu_parent_sev /
-- ev_edu_parent_dis (the parent's 户籍 row and certificate).
--
-- college_new_received: COLLEGE_NEW_DB's exclusion "RCV since Sept 1 of
-- 入学年份": a 大学新生救助 payment (core.benefit) dated on or after 1
-- September of the student's 入学年份 (an older one does not block), with
-- its row in ev_college_new_received.
WITH college_new AS (
    SELECT
        s.id_number,
        true AS college_new_received,
        [{'source': b._source, 'file': b._file, 'row': b._row}] AS ev_college_new_received
    FROM core.student AS s
    JOIN core.benefit AS b ON b.id_number = s.id_number AND b.policy_code = 'COLLEGE_NEW_DB'
    WHERE b.since IS NULL OR s.enrol_year IS NULL OR b.since >= make_date(s.enrol_year::INTEGER, 9, 1)
),

parents AS (
    SELECT
        pa.child_id_number AS id_number,
        d.id_number IS NOT NULL AS parent_dis,
        coalesce(d.is_severe, false) AS parent_sev,
        [{'source': pa._source, 'file': pa._file, 'row': pa._row},
         {'source': d._source, 'file': d._file, 'row': d._row}] AS ev
    FROM core.parents AS pa
    LEFT JOIN core.disability AS d ON d.id_number = pa.parent_id_number
    WHERE pa.resolved
),

by_parents AS (
    SELECT
        id_number,
        bool_or(parent_sev) AS edu_parent_sev,
        bool_or(parent_dis) AS edu_parent_dis,
        coalesce(flatten(list(ev) FILTER (WHERE parent_sev)), []) AS ev_edu_parent_sev,
        coalesce(flatten(list(ev) FILTER (WHERE parent_dis)), []) AS ev_edu_parent_dis
    FROM parents
    GROUP BY id_number
),

final AS (
    SELECT
        coalesce(p.id_number, c.id_number) AS id_number,
        coalesce(p.edu_parent_sev, false) AS edu_parent_sev,
        coalesce(p.edu_parent_dis, false) AS edu_parent_dis,
        coalesce(p.ev_edu_parent_sev, []) AS ev_edu_parent_sev,
        coalesce(p.ev_edu_parent_dis, []) AS ev_edu_parent_dis,
        coalesce(c.college_new_received, false) AS college_new_received,
        coalesce(c.ev_college_new_received, []) AS ev_college_new_received
    FROM by_parents AS p
    FULL OUTER JOIN college_new AS c ON c.id_number = p.id_number
)

SELECT * FROM final
