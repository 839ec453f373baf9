-- rules.household_facts_review: household facts of the REVIEW rules of
-- policies.md §4, one row per 户号 with a member in HH(h).
--
-- rv_tk_n / rv_tk_inc: the members counted in n who receive TK_* and their
--   yearly income: R_DB_INCOME reads PCI with TKP members left out of the
--   household (TK_* excludes DB_* for the same person, §3 row 1);
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

tk AS (
    SELECT DISTINCT id_number FROM core.benefit WHERE policy_code IN ('TK_URBAN', 'TK_RURAL')
),

income AS (
    SELECT id_number, sum(yearly_amount) AS yearly_amount FROM core.income GROUP BY id_number
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
        count(*) FILTER (WHERE m.counts_in_n AND tk.id_number IS NOT NULL) AS rv_tk_n,
        coalesce(sum(i.yearly_amount) FILTER (WHERE m.counts_in_n AND tk.id_number IS NOT NULL), 0)
            ::DECIMAL(14, 2) AS rv_tk_inc,
        bool_or(n.id_number IS NOT NULL) AS rv_newly_emp_h,
        coalesce(list(n.ev) FILTER (WHERE n.id_number IS NOT NULL), []) AS ev_rv_newly_emp_h
    FROM members AS m
    LEFT JOIN tk ON tk.id_number = m.id_number
    LEFT JOIN income AS i ON i.id_number = m.id_number
    LEFT JOIN newly AS n ON n.id_number = m.id_number
    GROUP BY m.household_no
)

SELECT * FROM final
ORDER BY household_no