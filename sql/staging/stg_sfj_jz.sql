-- staging.stg_sfj_jz: 司法局 服刑与社区矫正 persons in prison or under community correction.
-- Typed, trimmed, ID normalised; one row per record key (id_number, start_date).
-- Generated from sources/contracts/sfj_jz.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.sfj_jz

),

renamed as (

    select
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(name) as name,                                   -- 姓名
        clean_missing(correction_type) as correction_type,             -- 类型 (服刑/社区矫正/刑满释放)
        parse_date_cn(start_date) as start_date,                       -- 开始日期
        parse_date_cn(end_date) as end_date,                           -- 结束日期
        'sfj_jz' as _source,
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
        correction_type,
        start_date,
        end_date,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify id_number is null or start_date is null
        or row_number() over (
            partition by id_number, start_date
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
