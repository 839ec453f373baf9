-- staging.stg_swj_sr: 税务局 个人所得 annual personal income.
-- Typed, trimmed, ID normalised; one row per record key (id_number, tax_year).
-- Generated from sources/contracts/swj_sr.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.swj_sr

),

renamed as (

    select
        id_number_candidate(id_number) as id_number_candidate,         -- 纳税人识别号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(name) as name,                                   -- 姓名
        parse_integer_cn(tax_year) as tax_year,                        -- 所属年度
        parse_amount_cn(income) as income,                             -- 收入额
        parse_amount_cn(tax_paid) as tax_paid,                         -- 已缴税额
        'swj_sr' as _source,
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
        tax_year,
        income,
        tax_paid,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify id_number is null or tax_year is null
        or row_number() over (
            partition by id_number, tax_year
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
