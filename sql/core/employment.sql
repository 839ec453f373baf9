-- core.employment: what 人社 records of a person, one row per person: EMP(p)
-- of policies.md §2 (就业状态 就业 or 灵活就业), 失业登记 with its date,
-- pension insurance and the monthly pension, 公益性岗位, and the job
-- referrals offered and refused (Y_JOB_REFUSAL, Y_NO_REFERRAL).
WITH source AS (
    SELECT * FROM staging.stg_rsj_jy
    WHERE id_number IS NOT NULL
),

final AS (
    SELECT
        id_number,
        name,
        employment_status,
        coalesce(employment_status IN ('就业', '灵活就业'), false) AS is_employed,
        coalesce(employment_status = '失业登记', false) AS is_registered_unemployed,
        unemployment_date,
        pension_type,
        monthly_pension,
        coalesce(public_job = '是', false) AS has_public_job,
        referrals,
        refusals,
        _source,
        _file,
        _row
    FROM source
    -- the contract keys 人社 on the ID; should a snapshot still hold it twice, the later row wins
    QUALIFY row_number() OVER (PARTITION BY id_number ORDER BY _file DESC, _row DESC) = 1
)

SELECT * FROM final
ORDER BY id_number
