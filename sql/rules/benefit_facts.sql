-- rules.benefit_facts: one row per benefit paid now (core.benefit), for the
-- REVIEW rules that look at each benefit of a recipient (`over: benefit` in
-- policies/rules/*.yaml): the policy it pays, the monthly amount, since when,
-- its source row, and for a recipient who is DEAD the months paid after
-- death: from the month after death (or the benefit's start, if later) to
-- the run month, and that many times the monthly amount.
WITH run AS (
    SELECT max(run_date) AS run_date, year(max(run_date)) * 12 + month(max(run_date)) - 1 AS run_month
    FROM ref.run
),

paid AS (
    SELECT
        b.*,
        p.death_date,
        CASE WHEN p.death_date IS NOT NULL THEN greatest(
            year(p.death_date) * 12 + month(p.death_date),
            coalesce(year(b.since) * 12 + month(b.since) - 1, 0)) END AS first_overpaid_month,
        run.run_month
    FROM core.benefit AS b
    JOIN core.person AS p ON p.id_number = b.id_number
    CROSS JOIN run
),

final AS (
    SELECT
        id_number,
        policy_code,
        benefit_category,
        monthly_amount,
        since,
        CASE WHEN first_overpaid_month IS NOT NULL
             THEN make_date((first_overpaid_month // 12)::BIGINT, (first_overpaid_month % 12 + 1)::BIGINT, 1)
        END AS first_overpaid_date,
        CASE WHEN first_overpaid_month IS NOT NULL
             THEN greatest(run_month - first_overpaid_month + 1, 0) END AS months_paid_after_death,
        CASE WHEN first_overpaid_month IS NOT NULL
             THEN greatest(run_month - first_overpaid_month + 1, 0) * monthly_amount END AS overpayment,
        [{'source': _source, 'file': _file, 'row': _row}] AS ev_benefit
    FROM paid
)

SELECT * FROM final
ORDER BY id_number, policy_code, benefit_category
