-- rules.person_facts_work: facts of the work and housing family of rules
-- (PENSION_PREMIUM, PUBLIC_JOB, EMPLOY_HARD ...), one row per person of
-- rules.person_facts, joined into rules.v_person by id_number.
--
-- wk_unemployed_days: days since 人社's 失业登记日期 (NULL without one);
-- wk_long_unemployed: registered unemployed for at least WIN_YEAR days
-- (失业登记日期 <= D - WIN_YEAR); wk_hh_benefits: the 低保/特困/低保边缘
-- benefits the members of the person's household are paid, worded for a
-- reason, with ev_hh_benefit their 民政 rows (HARD(h) from receipts).
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

win AS (
    SELECT max(value) FILTER (WHERE name = 'WIN_YEAR') AS win_year FROM ref.parameter
),

household_benefits AS (
    SELECT
        m.household_no,
        string_agg(DISTINCT b.benefit_category, '、' ORDER BY b.benefit_category) AS wk_hh_benefits,
        list({'source': b._source, 'file': b._file, 'row': b._row} ORDER BY b._file, b._row) AS ev_hh_benefit
    FROM core.membership AS m
    JOIN core.benefit AS b ON b.id_number = m.id_number
    WHERE m.in_hh
      AND b.policy_code IN ('DB_URBAN', 'DB_RURAL', 'TK_URBAN', 'TK_RURAL', 'DB_EDGE')
    GROUP BY m.household_no
),

final AS (
    SELECT
        f.id_number,
        CASE WHEN e.unemployment_date IS NOT NULL
             THEN date_diff('day', e.unemployment_date, run.run_date) END AS wk_unemployed_days,
        coalesce(e.is_registered_unemployed AND e.unemployment_date <= run.run_date - win.win_year::INTEGER, false)
            AS wk_long_unemployed,
        hb.wk_hh_benefits,
        coalesce(hb.ev_hh_benefit, []) AS ev_hh_benefit
    FROM rules.person_facts AS f
    CROSS JOIN run
    CROSS JOIN win
    LEFT JOIN core.employment AS e ON e.id_number = f.id_number
    LEFT JOIN household_benefits AS hb ON hb.household_no = f.household_no
)

SELECT * FROM final
