-- R_DECEASED_PAID, policies.md §4 and its clarification: DEAD(p) and (a
-- mzj_jzdx row for p, or rsj_jy 公益性岗位 是). One item per benefit paid
-- (policy_code); the amount is the monthly amount paid under that benefit;
-- the reason states the death date, its evidence and the overpayment to date:
-- months from the month after death (or the benefit's start, if later) to the
-- run month, times the monthly amount. Priority 1, 5 working days.
WITH run AS (
    SELECT
        max(run_date) AS run_date,
        year(max(run_date)) * 12 + month(max(run_date)) - 1 AS run_month
    FROM ref.run
),

deceased AS (
    SELECT id_number, try_cast(value AS DATE) AS death_date, source_code, _file, _row
    FROM labels.person_label
    WHERE label = 'deceased'
),

paid AS (
    SELECT * FROM core.benefit
),

items AS (
    SELECT
        b.id_number,
        b.policy_code,
        b.benefit_category,
        b.monthly_amount,
        b.since,
        d.death_date,
        p.death_evidence,
        p.register_status,
        p.household_no,
        p.in_household_register,
        greatest(
            year(d.death_date) * 12 + month(d.death_date),
            coalesce(year(b.since) * 12 + month(b.since) - 1, 0)
        ) AS first_overpaid_month,
        d.source_code AS death_source, d._file AS death_file, d._row AS death_row,
        b._source AS benefit_source, b._file AS benefit_file, b._row AS benefit_row,
        p._source AS person_source, p._file AS person_file, p._row AS person_row,
        run.run_month,
        run.run_date
    FROM paid AS b
    JOIN deceased AS d ON d.id_number = b.id_number
    JOIN core.person AS p ON p.id_number = b.id_number
    CROSS JOIN run
),

overpaid AS (
    SELECT
        *,
        CASE WHEN death_date IS NOT NULL THEN greatest(run_month - first_overpaid_month + 1, 0) END AS months,
        CASE WHEN death_date IS NOT NULL
             THEN greatest(run_month - first_overpaid_month + 1, 0) * monthly_amount END AS overpayment,
        make_date((first_overpaid_month // 12)::BIGINT, (first_overpaid_month % 12 + 1)::BIGINT, 1)
            AS first_overpaid_date
    FROM items
),

worded AS (
    SELECT
        *,
        CASE WHEN death_date IS NOT NULL
             THEN '本人已于' || strftime(death_date, '%Y-%m-%d') || '死亡（' || death_evidence
             ELSE '本人已死亡（' || death_evidence || '，死亡日期不详' END
        || CASE WHEN register_status = '正常' THEN '；户籍仍登记为正常' ELSE '' END
        || '），仍在领取' || benefit_category
        || CASE WHEN monthly_amount IS NOT NULL
                THEN '每月' || format('{:,.2f}', monthly_amount) || '元'
                ELSE '（月发放金额不详）' END
        || CASE
               WHEN death_date IS NULL OR monthly_amount IS NULL THEN '；多发金额待核实'
               WHEN months = 0 THEN '；本月死亡，尚未多发'
               ELSE '；自' || strftime(first_overpaid_date, '%Y年%-m月') || '至'
                    || strftime(run_date, '%Y年%-m月') || '已多发' || months::VARCHAR || '个月，计'
                    || format('{:,.2f}', overpayment) || '元'
           END
        || '，请立即停发并追回' AS reason
    FROM overpaid
),

evidence_rows AS (
    SELECT id_number, policy_code, benefit_category, death_source AS source, death_file AS file, death_row AS row
    FROM worded WHERE death_file IS NOT NULL
    UNION
    SELECT id_number, policy_code, benefit_category, benefit_source, benefit_file, benefit_row FROM worded
    UNION
    SELECT id_number, policy_code, benefit_category, person_source, person_file, person_row
    FROM worded WHERE in_household_register
),

evidence AS (
    SELECT
        id_number,
        policy_code,
        benefit_category,
        to_json(list({'source': source, 'file': file, 'row': row} ORDER BY source, file, row))::VARCHAR AS evidence
    FROM evidence_rows
    GROUP BY id_number, policy_code, benefit_category
),

final AS (
    SELECT
        'review' AS kind,
        'R_DECEASED_PAID' AS rule_code,
        w.policy_code,
        'person' AS target,
        w.id_number,
        w.household_no,
        w.monthly_amount AS amount,
        'month' AS amount_period,
        1 AS priority,
        '5wd' AS time_limit,
        w.reason,
        e.evidence,
        md5(concat_ws('|', 'R_DECEASED_PAID', coalesce(strftime(w.death_date, '%Y-%m-%d'), ''),
                      w.death_evidence, w.benefit_category, coalesce(w.monthly_amount::VARCHAR, ''),
                      coalesce(strftime(w.since, '%Y-%m-%d'), ''))) AS facts_fingerprint
    FROM worded AS w
    JOIN evidence AS e
      ON e.id_number = w.id_number
     AND e.policy_code IS NOT DISTINCT FROM w.policy_code
     AND e.benefit_category = w.benefit_category
)

SELECT * FROM final
ORDER BY id_number, policy_code
