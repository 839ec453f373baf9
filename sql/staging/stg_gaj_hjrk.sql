-- staging.stg_gaj_hjrk: 公安局 户籍人口 household register.
-- Typed, trimmed, ID normalised; one row per record key (id_number).
-- Generated from sources/contracts/gaj_hjrk.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.gaj_hjrk

),

renamed as (

    select
        pad_digits_cn(household_no, 10) as household_no,               -- 户号, 10 digits
        clean_missing(name) as name,                                   -- 姓名
        id_number_candidate(id_number) as id_number_candidate,         -- 公民身份号码
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(sex) as sex,                                     -- 性别 (男/女)
        clean_missing(ethnicity) as ethnicity,                         -- 民族
        parse_date_cn(birth_date) as birth_date,                       -- 出生日期
        clean_missing(relation_to_head) as relation_to_head,           -- 与户主关系
        clean_missing(township_code) as township_code,                 -- 乡镇街道代码
        clean_missing(village_code) as village_code,                   -- 村居代码
        clean_missing(address) as address,                             -- 住址
        clean_missing(phone) as phone,                                 -- 联系电话
        clean_missing(status) as status,                               -- 人员状态 (正常/死亡/迁出/注销)
        parse_date_cn(change_date) as change_date,                     -- 变动日期
        'gaj_hjrk' as _source,
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
        name,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        sex,
        ethnicity,
        birth_date,
        relation_to_head,
        township_code,
        village_code,
        address,
        phone,
        status,
        change_date,
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
