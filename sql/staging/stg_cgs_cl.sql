-- staging.stg_cgs_cl: 车管所 机动车登记 motor vehicles.
-- Typed, trimmed, ID normalised; one row per record key (plate_no).
-- Generated from sources/contracts/cgs_cl.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.cgs_cl

),

renamed as (

    select
        clean_missing(plate_no) as plate_no,                           -- 号牌号码
        clean_missing(name) as name,                                   -- 所有人
        id_number_candidate(id_number) as id_number_candidate,         -- 所有人证件号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(vehicle_type) as vehicle_type,                   -- 车辆类型 (小型轿车/三轮汽车/低速货车/摩托车/…)
        parse_date_cn(first_registered_date) as first_registered_date, -- 初次登记日期
        clean_missing(status) as status,                               -- 状态 (正常/注销/报废)
        'cgs_cl' as _source,
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
        plate_no,
        name,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        vehicle_type,
        first_registered_date,
        status,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify plate_no is null
        or row_number() over (
            partition by plate_no
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
