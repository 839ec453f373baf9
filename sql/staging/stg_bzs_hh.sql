-- staging.stg_bzs_hh: 殡葬管理所 火化记录 cremation records.
-- Typed, trimmed, ID normalised; one row per record key (cremation_no).
-- Generated from sources/contracts/bzs_hh.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.bzs_hh

),

renamed as (

    select
        clean_missing(cremation_no) as cremation_no,                   -- 火化证号
        clean_missing(name) as name,                                   -- 逝者姓名
        id_number_candidate(id_number) as id_number_candidate,         -- 逝者身份证号
        id_number as id_number_raw,                                    -- as delivered
        parse_date_cn(death_date) as death_date,                       -- 死亡日期
        parse_date_cn(cremation_date) as cremation_date,               -- 火化日期
        'bzs_hh' as _source,
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
        cremation_no,
        name,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        death_date,
        cremation_date,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify cremation_no is null
        or row_number() over (
            partition by cremation_no
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
