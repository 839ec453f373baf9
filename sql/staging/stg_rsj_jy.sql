-- staging.stg_rsj_jy: 人社局 就业失业登记与社保 employment, unemployment registration, pension.
-- Typed, trimmed, ID normalised; one row per record key (id_number).
-- Generated from sources/contracts/rsj_jy.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.rsj_jy

),

renamed as (

    select
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(name) as name,                                   -- 姓名
        clean_missing(employment_status) as employment_status,         -- 就业状态 (就业/失业登记/灵活就业/未就业)
        parse_date_cn(unemployment_date) as unemployment_date,         -- 失业登记日期
        clean_missing(pension_type) as pension_type,                   -- 养老保险类型 (职工/城乡居民/未参保)
        parse_amount_cn(monthly_pension) as monthly_pension,           -- 月养老金
        clean_missing(public_job) as public_job,                       -- 公益性岗位 (是/否)
        parse_integer_cn(referrals) as referrals,                      -- 岗位推荐次数
        parse_integer_cn(refusals) as refusals,                        -- 拒绝推荐次数
        'rsj_jy' as _source,
        _file,
        _row,
        _extract_date,
        _delivery_seq
    from source

),

checked as (

    select
        *,
        id_number_issue_of_candidate(id_number_candidate, _extract_date) as id_issue
    from renamed

),

final as (

    select
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        name,
        employment_status,
        unemployment_date,
        pension_type,
        monthly_pension,
        public_job,
        referrals,
        refusals,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify id_number is null
        or row_number() over (
            partition by id_number
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
