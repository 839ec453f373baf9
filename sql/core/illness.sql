-- core.illness: the evidence of ILL(p), policies.md §2, one row per record:
-- a wjw_mb 病种 in SERIOUS_ILLNESS whose 管理状态 is still active (not 结案 or
-- 死亡), or a ybj_js settlement with 是否大病 是 dated in the last WIN_YEAR
-- days (出院日期, 入院日期 when empty). ILL(p) = p has a row here.
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

serious_illness AS (
    SELECT DISTINCT trim(unnest(string_split(text_value, '|'))) AS disease
    FROM ref.parameter
    WHERE name = 'SERIOUS_ILLNESS'
),

window_days AS (
    SELECT max(value)::INTEGER AS days FROM ref.parameter WHERE name = 'WIN_YEAR'
),

chronic_register AS (
    SELECT
        w.id_number,
        'wjw_mb' AS illness_source,
        w.disease,
        w.registered_date AS evidence_date,
        w._source,
        w._file,
        w._row
    FROM staging.stg_wjw_mb AS w
    WHERE w.id_number IS NOT NULL
      AND w.disease IN (SELECT disease FROM serious_illness)
      AND NOT coalesce(w.management_status LIKE '%结案%' OR w.management_status LIKE '%死亡%', false)
),

critical_settlements AS (
    SELECT
        y.id_number,
        'ybj_js' AS illness_source,
        coalesce(y.diagnosis, '医保大病结算') AS disease,
        coalesce(y.discharge_date, y.admission_date) AS evidence_date,
        y._source,
        y._file,
        y._row
    FROM staging.stg_ybj_js AS y
    CROSS JOIN run
    CROSS JOIN window_days
    WHERE y.id_number IS NOT NULL
      AND y.is_critical_illness = '是'
      AND coalesce(y.discharge_date, y.admission_date) > run.run_date - window_days.days
      AND coalesce(y.discharge_date, y.admission_date) <= run.run_date
)

SELECT * FROM chronic_register
UNION ALL
SELECT * FROM critical_settlements
ORDER BY id_number, illness_source DESC, evidence_date DESC, _file, _row
