-- core.student: STUDENT(p) of policies.md §2, one row per person enrolled
-- (教体 jtj_xs). Should a person hold two 学籍 (a transfer not yet closed),
-- the higher stage, then the later enrolment, wins. `aid_programme` is
-- 资助项目 as typed (several joined with 、); AID(p, kw) = it contains kw.
WITH source AS (
    SELECT * FROM staging.stg_jtj_xs
    WHERE id_number IS NOT NULL
),

final AS (
    SELECT
        id_number,
        name,
        student_no,
        school_level,
        CASE school_level
            WHEN '学前' THEN 0 WHEN '小学' THEN 1 WHEN '初中' THEN 2
            WHEN '高中' THEN 3 WHEN '中职' THEN 3 WHEN '高校' THEN 4
        END AS level_rank,
        grade,
        school,
        enrol_year,
        aid_programme,
        coalesce(is_new_student = '是', false) AS is_new_student,
        _source,
        _file,
        _row
    FROM source
    QUALIFY row_number() OVER (
        PARTITION BY id_number
        ORDER BY level_rank DESC NULLS LAST, enrol_year DESC NULLS LAST, student_no, _file, _row
    ) = 1
)

SELECT * FROM final
ORDER BY id_number
