-- staging.stg_yjj_sz: 应急管理局 受灾人员 people affected by disasters.
-- Typed, trimmed, ID normalised; one row per record key (disaster_no, id_number).
-- Generated from sources/contracts/yjj_sz.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.yjj_sz

),

renamed as (

    select
        clean_missing(disaster_no) as disaster_no,                     -- 灾情编号
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(name) as name,                                   -- 姓名
        clean_missing(disaster_type) as disaster_type,                 -- 灾害类型 (洪涝/火灾/风雹/…)
        parse_date_cn(disaster_date) as disaster_date,                 -- 受灾日期
        clean_missing(loss_type) as loss_type,                         -- 损失类型 (房屋倒塌/严重损坏/农作物)
        parse_amount_cn(estimated_loss) as estimated_loss,             -- 估计损失(元)
        'yjj_sz' as _source,
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
        disaster_no,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        name,
        disaster_type,
        disaster_date,
        loss_type,
        estimated_loss,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify disaster_no is null or id_number is null
        or row_number() over (
            partition by disaster_no, id_number
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
