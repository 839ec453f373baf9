-- labels.household_label: facts about a household, one row per (household,
-- label), in the categories of interfaces.md; `value` carries the detail and
-- source_code/_file/_row the record it rests on.
--
--   demographic  size (n), lives_alone (n = 1), urban / rural
--   economic     per_capita_monthly_income (PCI)
--   assistance   dibao_household (DBH by receipt: a member receives DB_*),
--                tekun_member (a member receives TK_*)
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

household AS (
    SELECT * FROM core.household
),

members AS (
    SELECT * FROM core.membership WHERE in_hh AND id_number IS NOT NULL
),

demographic AS (
    SELECT household_no, 'demographic' AS category, 'size' AS label, size::VARCHAR AS value,
           _source AS source_code, _file, _row
    FROM household
    UNION ALL
    SELECT household_no, 'demographic', 'lives_alone', size::VARCHAR, _source, _file, _row
    FROM household WHERE size = 1
    UNION ALL
    SELECT household_no, 'demographic', area, village_code, _source, _file, _row
    FROM household WHERE area IS NOT NULL
),

economic AS (
    SELECT household_no, 'economic' AS category, 'per_capita_monthly_income' AS label,
           per_capita_monthly_income::VARCHAR AS value, _source AS source_code, _file, _row
    FROM household
    WHERE per_capita_monthly_income IS NOT NULL
),

receipts AS (
    SELECT m.household_no, b.policy_code, b.monthly_amount, b._source, b._file, b._row
    FROM members AS m
    JOIN core.benefit AS b ON b.id_number = m.id_number
),

assistance AS (
    SELECT household_no, 'assistance' AS category, 'dibao_household' AS label, policy_code AS value,
           _source AS source_code, _file, _row
    FROM receipts
    WHERE policy_code IN ('DB_URBAN', 'DB_RURAL')
    QUALIFY row_number() OVER (PARTITION BY household_no ORDER BY policy_code, _file, _row) = 1
    UNION ALL
    SELECT household_no, 'assistance', 'tekun_member', policy_code, _source, _file, _row
    FROM receipts
    WHERE policy_code IN ('TK_URBAN', 'TK_RURAL')
    QUALIFY row_number() OVER (PARTITION BY household_no ORDER BY policy_code, _file, _row) = 1
),

final AS (
    SELECT * FROM demographic
    UNION ALL SELECT * FROM economic
    UNION ALL SELECT * FROM assistance
)

SELECT
    f.household_no,
    f.category,
    f.label,
    f.value,
    f.source_code,
    run.run_date AS as_of,
    f._file,
    f._row
FROM final AS f
CROSS JOIN run
WHERE f.household_no IS NOT NULL
ORDER BY f.household_no, f.category, f.label
