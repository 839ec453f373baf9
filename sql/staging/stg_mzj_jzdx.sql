-- staging.stg_mzj_jzdx: 民政局 在保救助对象 people receiving civil-affairs assistance.
-- Typed, trimmed, ID normalised; one row per record key (id_number, benefit_category).
-- Generated from sources/contracts/mzj_jzdx.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.mzj_jzdx

),

renamed as (

    select
        clean_missing(name) as name,                                   -- 姓名
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(benefit_category) as benefit_category,           -- 救助类别 (城市低保/农村低保/城市特困/农村特困/低保边缘家庭/孤儿/事实无人抚养儿童/困境儿童/临时救助/高龄津贴/经济困难老年人补贴/老年人生活护理救助/困难残疾人生活补贴/重度残疾人护理补贴/大学新生救助)
        parse_amount_cn(monthly_amount) as monthly_amount,             -- 月发放金额
        parse_yearmonth_cn(start_month) as start_month,                -- 起始年月
        pad_digits_cn(household_no, 10) as household_no,               -- 户号, 10 digits
        clean_missing(township_name) as township_name,                 -- 乡镇
        'mzj_jzdx' as _source,
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
        benefit_category,
        monthly_amount,
        start_month,
        household_no,
        township_name,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify id_number is null or benefit_category is null
        or row_number() over (
            partition by id_number, benefit_category
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
