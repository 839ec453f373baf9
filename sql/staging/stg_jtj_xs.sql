-- staging.stg_jtj_xs: 教体局 在校学生与资助 students enrolled and student aid.
-- Typed, trimmed, ID normalised; one row per record key (student_no).
-- Generated from sources/contracts/jtj_xs.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.jtj_xs

),

renamed as (

    select
        clean_missing(student_no) as student_no,                       -- 学籍号
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(name) as name,                                   -- 姓名
        clean_missing(school_level) as school_level,                   -- 学段 (学前/小学/初中/高中/中职/高校)
        clean_missing(grade) as grade,                                 -- 年级
        clean_missing(school) as school,                               -- 学校
        parse_integer_cn(enrol_year) as enrol_year,                    -- 入学年份
        clean_missing(aid_programme) as aid_programme,                 -- 资助项目
        clean_missing(is_new_student) as is_new_student,               -- 是否本年新生 (是/否)
        'jtj_xs' as _source,
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
        student_no,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        name,
        school_level,
        grade,
        school,
        enrol_year,
        aid_programme,
        is_new_student,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify student_no is null
        or row_number() over (
            partition by student_no
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
