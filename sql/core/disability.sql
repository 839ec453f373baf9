-- core.disability: valid disability certificates (clh_cjr 证件状态 有效), with
-- DIS / SEV / NG of policies.md §2. One row per person (the contract's key);
-- should a snapshot still hold two, the newest certificate wins.
WITH source AS (
    SELECT * FROM staging.stg_clh_cjr
),

renamed AS (
    SELECT
        id_number,
        name,
        disability_type,
        disability_grade,
        CASE disability_grade
            WHEN '一级' THEN 1 WHEN '二级' THEN 2 WHEN '三级' THEN 3 WHEN '四级' THEN 4
        END AS grade_level,
        issue_date,
        cert_status,
        _source,
        _file,
        _row
    FROM source
    WHERE id_number IS NOT NULL
      AND cert_status = '有效'
),

final AS (
    SELECT
        id_number,
        name,
        disability_type,
        disability_grade,
        grade_level,
        issue_date,
        coalesce(grade_level IN (1, 2), false) AS is_severe,
        coalesce(grade_level IN (1, 2)
                 OR (grade_level = 3 AND disability_type IN ('智力', '精神')), false) AS is_nursing_grade,
        _source,
        _file,
        _row
    FROM renamed
    QUALIFY row_number() OVER (
        PARTITION BY id_number
        ORDER BY grade_level NULLS LAST, issue_date DESC NULLS LAST, _file DESC, _row
    ) = 1
)

SELECT * FROM final
ORDER BY id_number
