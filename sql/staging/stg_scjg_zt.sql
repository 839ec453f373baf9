-- staging.stg_scjg_zt: 市场监管局 市场主体登记 business registrations.
-- Typed, trimmed, ID normalised; one row per record key (credit_code).
-- Generated from sources/contracts/scjg_zt.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.scjg_zt

),

renamed as (

    select
        clean_missing(credit_code) as credit_code,                     -- 统一社会信用代码
        clean_missing(entity_name) as entity_name,                     -- 主体名称
        clean_missing(name) as name,                                   -- 法定代表人
        id_number_candidate(id_number) as id_number_candidate,         -- 法定代表人身份证号
        id_number as id_number_raw,                                    -- as delivered
        parse_amount_cn(registered_capital_wan) as registered_capital_wan, -- 注册资本(万元)
        parse_date_cn(established_date) as established_date,           -- 成立日期
        clean_missing(registration_status) as registration_status,     -- 登记状态 (存续/注销/吊销)
        'scjg_zt' as _source,
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
        credit_code,
        entity_name,
        name,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        registered_capital_wan,
        established_date,
        registration_status,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify credit_code is null
        or row_number() over (
            partition by credit_code
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
