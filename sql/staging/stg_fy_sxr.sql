-- staging.stg_fy_sxr: 人民法院 失信被执行人 dishonest judgment debtors.
-- Typed, trimmed, ID normalised; one row per record key (case_no, id_number).
-- Generated from sources/contracts/fy_sxr.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.fy_sxr

),

renamed as (

    select
        clean_missing(case_no) as case_no,                             -- 案号
        clean_missing(name) as name,                                   -- 被执行人
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        parse_date_cn(filed_date) as filed_date,                       -- 立案日期
        clean_missing(performance) as performance,                     -- 履行情况 (未履行/部分履行)
        'fy_sxr' as _source,
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
        case_no,
        name,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        filed_date,
        performance,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify case_no is null or id_number is null
        or row_number() over (
            partition by case_no, id_number
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
