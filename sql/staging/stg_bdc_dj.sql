-- staging.stg_bdc_dj: 不动产登记中心 不动产权 real estate ownership.
-- Typed, trimmed, ID normalised; one row per record key (unit_no, id_number).
-- Generated from sources/contracts/bdc_dj.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.bdc_dj

),

renamed as (

    select
        clean_missing(unit_no) as unit_no,                             -- 不动产单元号
        clean_missing(name) as name,                                   -- 权利人
        id_number_candidate(id_number) as id_number_candidate,         -- 权利人证件号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(usage) as usage,                                 -- 房屋用途 (住宅/商业/其他)
        parse_amount_cn(floor_area) as floor_area,                     -- 建筑面积
        parse_date_cn(registered_date) as registered_date,             -- 登记日期
        'bdc_dj' as _source,
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
        unit_no,
        name,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        usage,
        floor_area,
        registered_date,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify unit_no is null or id_number is null
        or row_number() over (
            partition by unit_no, id_number
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
