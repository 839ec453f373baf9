-- staging.stg_zgh_knzg: 总工会 困难职工 registered poor workers.
-- Typed, trimmed, ID normalised; one row per record key (id_number).
-- Generated from sources/contracts/zgh_knzg.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.zgh_knzg

),

renamed as (

    select
        clean_missing(name) as name,                                   -- 姓名
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(employer) as employer,                           -- 单位
        clean_missing(hardship_type) as hardship_type,                 -- 困难类型 (深度困难/相对困难/意外致困)
        parse_date_cn(filed_date) as filed_date,                       -- 建档日期
        'zgh_knzg' as _source,
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
        name,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        employer,
        hardship_type,
        filed_date,
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
