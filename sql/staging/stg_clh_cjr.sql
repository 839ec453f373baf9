-- staging.stg_clh_cjr: 残联 残疾人证 disability certificates.
-- Typed, trimmed, ID normalised; one row per record key (id_number).
-- Generated from sources/contracts/clh_cjr.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.clh_cjr

),

renamed as (

    select
        clean_missing(name) as name,                                   -- 姓名
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(disability_type) as disability_type,             -- 残疾类别 (视力/听力/言语/肢体/智力/精神/多重)
        clean_missing(disability_grade) as disability_grade,           -- 残疾等级 (一级/二级/三级/四级)
        parse_date_cn(issue_date) as issue_date,                       -- 发证日期
        clean_missing(cert_status) as cert_status,                     -- 证件状态 (有效/注销)
        'clh_cjr' as _source,
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
        disability_type,
        disability_grade,
        issue_date,
        cert_status,
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
