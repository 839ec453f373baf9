-- rules.household_facts_review: household facts of the REVIEW rules of
-- policies.md §4, one row per 户号 with a member in HH(h).
--
-- rv_newly_emp_h: a member newly EMP (rules.person_facts_review's rv_newly_emp:
--   EMP with a 失业登记日期 in the last DB_TAPER_MONTHS months): R_DB_INCOME's
--   渐退 variant, priority 3; ev_rv_newly_emp_h its 人社 rows.
WITH members AS (
    SELECT m.household_no, m.id_number, m.counts_in_n
    FROM core.membership AS m
    WHERE m.in_hh AND m.id_number IS NOT NULL
),

newly AS (
    SELECT id_number, ev_rv_newly_emp[1] AS ev
    FROM rules.person_facts_review
    WHERE rv_newly_emp
),

final AS (
    SELECT
        m.household_no,
        bool_or(n.id_number IS NOT NULL) AS rv_newly_emp_h,
        coalesce(list(n.ev) FILTER (WHERE n.id_number IS NOT NULL), []) AS ev_rv_newly_emp_h
    FROM members AS m
    LEFT JOIN newly AS n ON n.id_number = m.id_number
    GROUP BY m.household_no
)

SELECT * FROM final
