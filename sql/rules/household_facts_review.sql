-- rules.household_facts_review: household facts of the REVIEW rules of
-- policies.md §4, one row per 户号 with a member in HH(h).
--
-- rv_newly_emp_h: a member newly EMP (EMP with a 失业登记日期 in the last
--   DB_TAPER_MONTHS months): R_DB_INCOME's 渐退 variant, priority 3;
--   ev_rv_newly_emp_h its 人社 rows.
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

p AS (
    SELECT max(value) FILTER (WHERE name = 'DB_TAPER_MONTHS')::INTEGER AS db_taper_months
    FROM ref.parameter
),

members AS (
    SELECT m.household_no, m.id_number, m.counts_in_n
    FROM core.membership AS m
    WHERE m.in_hh AND m.id_number IS NOT NULL
),

newly AS (
    SELECT e.id_number, {'source': e._source, 'file': e._file, 'row': e._row} AS ev
    FROM core.employment AS e
    CROSS JOIN p
    CROSS JOIN run
    WHERE e.is_employed
      AND e.unemployment_date IS NOT NULL
      AND e.unemployment_date > run.run_date - to_months(p.db_taper_months)
      AND e.unemployment_date <= run.run_date
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
ORDER BY household_no