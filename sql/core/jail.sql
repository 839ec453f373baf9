-- core.jail: JAIL(p) of policies.md §2, one row per sentence in force on D:
-- sfj_jz 类型 服刑, 开始日期 <= D, 结束日期 empty or after D. A 服刑 row without
-- a start date is not in force (the manual asks for 开始日期 <= D).
WITH source AS (
    SELECT * FROM staging.stg_sfj_jz
),

run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

final AS (
    SELECT
        s.id_number,
        s.name,
        s.correction_type,
        s.start_date,
        s.end_date,
        s._source,
        s._file,
        s._row
    FROM source AS s
    CROSS JOIN run
    WHERE s.id_number IS NOT NULL
      AND s.correction_type = '服刑'
      AND s.start_date <= run.run_date
      AND (s.end_date IS NULL OR s.end_date > run.run_date)
)

SELECT * FROM final
ORDER BY id_number, start_date, _file, _row
