-- staging.stg_wjw_mb: 卫健委 慢病与严重精神障碍登记 chronic disease and severe mental disorder register.
-- Typed, trimmed, ID normalised; one row per record key (id_number, disease).
-- Generated from sources/contracts/wjw_mb.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.wjw_mb

),

renamed as (

    select
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(name) as name,                                   -- 姓名
        clean_missing(disease) as disease,                             -- 病种
        parse_date_cn(registered_date) as registered_date,             -- 登记日期
        clean_missing(management_status) as management_status,         -- 管理状态
        'wjw_mb' as _source,
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
        disease,
        registered_date,
        management_status,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify id_number is null or disease is null
        or row_number() over (
            partition by id_number, disease
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
