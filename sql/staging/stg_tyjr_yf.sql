-- staging.stg_tyjr_yf: 退役军人事务局 优抚对象 veterans and entitled groups.
-- Typed, trimmed, ID normalised; one row per record key (id_number).
-- Generated from sources/contracts/tyjr_yf.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.tyjr_yf

),

renamed as (

    select
        clean_missing(name) as name,                                   -- 姓名
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(veteran_category) as veteran_category,           -- 优抚类别 (伤残军人/在乡复员军人/带病回乡退伍军人/烈士遗属/…)
        parse_amount_cn(monthly_allowance) as monthly_allowance,       -- 月抚恤金
        'tyjr_yf' as _source,
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
        veteran_category,
        monthly_allowance,
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
