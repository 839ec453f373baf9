-- core.benefit: benefits paid now. 民政's 在保 rows whose 起始年月 has come
-- (a row without 起始年月 is in the current-recipients list, so it is paid),
-- mapped to the policy they pay through ref.receipt (policies/receipts.yaml);
-- plus 人社's 公益性岗位 是 as PUBLIC_JOB at the PUBLIC_JOB_MONTHLY wage.
WITH run AS (
    SELECT max(run_date) AS run_date FROM ref.run
),

civil_affairs AS (
    SELECT
        m.id_number,
        r.policy_code,
        m.benefit_category,
        m.monthly_amount::DECIMAL(14, 2) AS monthly_amount,
        m.start_month AS since,
        m._source,
        m._file,
        m._row
    FROM staging.stg_mzj_jzdx AS m
    LEFT JOIN ref.receipt AS r ON r.benefit_category = m.benefit_category
    CROSS JOIN run
    WHERE m.id_number IS NOT NULL
      AND (m.start_month IS NULL OR m.start_month <= run.run_date)
),

public_jobs AS (
    SELECT
        j.id_number,
        'PUBLIC_JOB' AS policy_code,
        '公益性岗位' AS benefit_category,
        (SELECT max(value) FROM ref.parameter WHERE name = 'PUBLIC_JOB_MONTHLY')::DECIMAL(14, 2)
            AS monthly_amount,
        NULL::DATE AS since,
        j._source,
        j._file,
        j._row
    FROM staging.stg_rsj_jy AS j
    WHERE j.id_number IS NOT NULL
      AND j.public_job = '是'
),

final AS (
    SELECT * FROM civil_affairs
    UNION ALL
    SELECT * FROM public_jobs
)

SELECT * FROM final
QUALIFY row_number() OVER (
    PARTITION BY id_number, coalesce(policy_code, benefit_category)
    ORDER BY since DESC NULLS LAST, _file DESC, _row
) = 1
ORDER BY id_number, policy_code, benefit_category
