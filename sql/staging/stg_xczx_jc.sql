-- staging.stg_xczx_jc: 乡村振兴局 脱贫户与监测对象 households out of poverty and monitored households.
-- Typed, trimmed, ID normalised; one row per record key (household_no).
-- Generated from sources/contracts/xczx_jc.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.xczx_jc

),

renamed as (

    select
        pad_digits_cn(household_no, 10) as household_no,               -- 户号, 10 digits
        id_number_candidate(id_number) as id_number_candidate,         -- 户主身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(name) as name,                                   -- 户主姓名
        clean_missing(household_type) as household_type,               -- 户类型 (脱贫户/脱贫不稳定户/边缘易致贫户/突发严重困难户)
        clean_missing(risk_type) as risk_type,                         -- 风险类型 (因病/因残/因学/因灾/因意外/因失业)
        parse_date_cn(identified_date) as identified_date,             -- 识别日期
        clean_missing(risk_cleared) as risk_cleared,                   -- 风险是否消除 (是/否)
        'xczx_jc' as _source,
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
        household_no,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        name,
        household_type,
        risk_type,
        identified_date,
        risk_cleared,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify household_no is null
        or row_number() over (
            partition by household_no
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
