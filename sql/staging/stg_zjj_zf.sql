-- staging.stg_zjj_zf: 住建局 农村住房安全与保障性住房 housing safety and public housing.
-- Typed, trimmed, ID normalised; one row per record key (household_no).
-- Generated from sources/contracts/zjj_zf.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.zjj_zf

),

renamed as (

    select
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号(户主)
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(name) as name,                                   -- 姓名
        pad_digits_cn(household_no, 10) as household_no,               -- 户号, 10 digits
        clean_missing(house_safety_grade) as house_safety_grade,       -- 房屋安全等级 (A/B/C/D)
        parse_date_cn(assessment_date) as assessment_date,             -- 鉴定日期
        clean_missing(public_rental) as public_rental,                 -- 公租房 (是/否)
        clean_missing(rent_subsidy) as rent_subsidy,                   -- 租赁补贴 (是/否)
        'zjj_zf' as _source,
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
        household_no,
        house_safety_grade,
        assessment_date,
        public_rental,
        rent_subsidy,
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
