-- core.illness: the evidence of ILL(p), policies.md §2, one row per record:
-- a wjw_mb 病种 in SERIOUS_ILLNESS whose 管理状态 is still active (not 结案 or
-- 死亡), or a ybj_js settlement with 是否大病 是 dated in the last WIN_YEAR
-- days (出院日期, 入院日期 when empty). ILL(p) = p has a row here.
WITH serious_illness AS (
    SELECT DISTINCT trim(unnest(string_split(text_value, '|'))) AS disease
    FROM ref.parameter
    WHERE name = 'SERIOUS_ILLNESS'
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
    -- core.medical_settlement already holds the WIN_YEAR window of OOP(p)
    SELECT
        m.id_number,
        'ybj_js' AS illness_source,
        coalesce(m.diagnosis, '医保大病结算') AS disease,
        m.settlement_date AS evidence_date,
        m._source,
        m._file,
        m._row
    FROM core.medical_settlement AS m
    WHERE m.is_critical_illness
)

SELECT * FROM chronic_register
UNION ALL
SELECT * FROM critical_settlements
ORDER BY id_number, illness_source DESC, evidence_date DESC, _file, _row
