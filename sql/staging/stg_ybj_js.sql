-- staging.stg_ybj_js: 医保局 医保结算 medical insurance settlements.
-- Typed, trimmed, ID normalised; one row per record key (settlement_no).
-- Generated from sources/contracts/ybj_js.yaml by `python -m transforms.values`:
-- edit the contract and regenerate rather than editing this file.
-- The newest extract wins, then the later delivery, then the later row. Rows
-- with an unusable ID keep id_number NULL (id_issue says why) and are never
-- merged with each other: NULL is no key.

with source as (

    select * from lake.ybj_js

),

renamed as (

    select
        clean_missing(settlement_no) as settlement_no,                 -- 结算单号
        id_number_candidate(id_number) as id_number_candidate,         -- 身份证号
        id_number as id_number_raw,                                    -- as delivered
        clean_missing(name) as name,                                   -- 姓名
        clean_missing(visit_type) as visit_type,                       -- 就诊类型 (门诊/住院/门诊慢特病)
        parse_date_cn(admission_date) as admission_date,               -- 入院日期
        parse_date_cn(discharge_date) as discharge_date,               -- 出院日期
        parse_amount_cn(total_cost) as total_cost,                     -- 医疗总费用
        parse_amount_cn(insurance_paid) as insurance_paid,             -- 基本医保支付
        parse_amount_cn(critical_insurance_paid) as critical_insurance_paid, -- 大病保险支付
        parse_amount_cn(medical_aid_paid) as medical_aid_paid,         -- 医疗救助支付
        parse_amount_cn(out_of_pocket) as out_of_pocket,               -- 个人自付
        clean_missing(diagnosis) as diagnosis,                         -- 主要诊断
        clean_missing(is_critical_illness) as is_critical_illness,     -- 是否大病 (是/否)
        'ybj_js' as _source,
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
        settlement_no,
        case when id_issue is null then id_number_candidate end as id_number, -- 18 characters, or NULL when unusable
        id_number_raw,
        id_issue,                                                      -- NULL when usable, else why not
        NULL::VARCHAR as id_link_method,                               -- set by the linkage step when a confident link supplied id_number
        name,
        visit_type,
        admission_date,
        discharge_date,
        total_cost,
        insurance_paid,
        critical_insurance_paid,
        medical_aid_paid,
        out_of_pocket,
        diagnosis,
        is_critical_illness,
        _source,
        _file,
        _row,
        _extract_date
    from checked
    qualify settlement_no is null
        or row_number() over (
            partition by settlement_no
            order by _extract_date desc, _delivery_seq desc, _row desc
        ) = 1

)

select * from final
