-- labels.person_label: facts about a person, one row per (person, label),
-- in the seven categories of interfaces.md. A label holds only while its fact
-- holds on D; `value` is the detail a reader needs (age, grade, disease,
-- monthly amount, date), `source_code`/_file/_row the record it rests on.
--
--   demographic  minor, aged_60_plus, aged_80_plus, deceased, in_prison,
--                moved_away, not_in_register
--   disability   disabled, severe_disability (SEV), nursing_grade (NG)
--   health       serious_illness (ILL)
--   assistance   receives_<policy code in lower case>
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

person AS (
    SELECT * FROM core.person
),

demographic AS (
    SELECT id_number, 'demographic' AS category, 'minor' AS label, age::VARCHAR AS value,
           _source AS source_code, _file, _row
    FROM person WHERE age < 18
    UNION ALL
    SELECT id_number, 'demographic', 'aged_60_plus', age::VARCHAR, _source, _file, _row
    FROM person WHERE age >= 60
    UNION ALL
    SELECT id_number, 'demographic', 'aged_80_plus', age::VARCHAR, _source, _file, _row
    FROM person WHERE age >= 80
    UNION ALL
    SELECT id_number, 'demographic', 'deceased', strftime(death_date, '%Y-%m-%d'),
           death_source, death_file, death_row
    FROM person WHERE is_dead
    UNION ALL
    SELECT id_number, 'demographic', 'in_prison', strftime(start_date, '%Y-%m-%d'), _source, _file, _row
    FROM core.jail
    QUALIFY row_number() OVER (PARTITION BY id_number ORDER BY start_date DESC, _file, _row) = 1
    UNION ALL
    SELECT id_number, 'demographic', 'moved_away', register_status, _source, _file, _row
    FROM person
    WHERE in_household_register AND (register_status = '迁出' OR (register_status = '注销' AND NOT is_dead))
    UNION ALL
    SELECT id_number, 'demographic', 'not_in_register', _source, _source, _file, _row
    FROM person WHERE NOT in_household_register
),

disability AS (
    SELECT id_number, 'disability' AS category, 'disabled' AS label,
           disability_type || disability_grade AS value, _source AS source_code, _file, _row
    FROM core.disability
    UNION ALL
    SELECT id_number, 'disability', 'severe_disability', disability_grade, _source, _file, _row
    FROM core.disability WHERE is_severe
    UNION ALL
    SELECT id_number, 'disability', 'nursing_grade', disability_type || disability_grade, _source, _file, _row
    FROM core.disability WHERE is_nursing_grade
),

health AS (
    SELECT id_number, 'health' AS category, 'serious_illness' AS label, disease AS value,
           _source AS source_code, _file, _row
    FROM core.illness
    -- the chronic-disease register names the disease; a settlement only shows it was 大病
    QUALIFY row_number() OVER (
        PARTITION BY id_number ORDER BY illness_source DESC, evidence_date DESC NULLS LAST, _file, _row
    ) = 1
),

assistance AS (
    SELECT id_number, 'assistance' AS category, 'receives_' || lower(policy_code) AS label,
           monthly_amount::VARCHAR AS value, _source AS source_code, _file, _row
    FROM core.benefit
    WHERE policy_code IS NOT NULL
),

final AS (
    SELECT * FROM demographic
    UNION ALL SELECT * FROM disability
    UNION ALL SELECT * FROM health
    UNION ALL SELECT * FROM assistance
)

SELECT
    f.id_number,
    f.category,
    f.label,
    f.value,
    f.source_code,
    run.run_date AS as_of,
    f._file,
    f._row
FROM final AS f
CROSS JOIN run
WHERE f.id_number IS NOT NULL
ORDER BY f.id_number, f.category, f.label
