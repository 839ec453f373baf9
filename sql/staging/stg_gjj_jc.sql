-- staging.stg_gjj_jc: 公积金中心 住房公积金缴存 housing provident fund.
-- Typed, trimmed, ID normalised; one row per record key (id_number).
-- Generated from sources/contracts/gjj_jc.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.gjj_jc

),

renamed as (

    select
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(name) as name,                                   -- 姓名
        clean_missing(employer) as employer,                           -- 单位名称
        parse_amount_cn(contribution_base) as contribution_base,       -- 缴存基数
        clean_missing(fund_status) as fund_status,                     -- 缴存状态 (正常/封存)
        parse_yearmonth_cn(last_paid_month) as last_paid_month,        -- 最近缴存年月
        'gjj_jc' as _source,
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
        employer,
        contribution_base,
        fund_status,
        last_paid_month,
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
