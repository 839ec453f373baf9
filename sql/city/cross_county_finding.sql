-- city.cross_county_finding: payments only the city can see are wrong.
--
-- One row per payment to review: (kind, person, paying county, policy). The
-- county that pays is the one to act (paying_county); other_county is the
-- county whose record makes the finding. Each payment gets at most one kind,
-- the first that holds:
--   deceased_paid          another county records the death (register 死亡 or
--                          火化记录) and the paying county's own register does not
--                          (where it does, the county's R_DECEASED_PAID has it)
--   double_payment         the paying county does not register the person; the
--                          county that does (home county) pays the same policy
--   exclusive_payment      the home county pays a policy exclusive with this one
--                          (city_ref.exclusive)
--   paid_outside_register  registered and alive in another county, paid here
--                          although this county's register does not hold them
-- A person registered in two counties at once is left to city.person
-- (register_counties): not a payment finding.
WITH run AS (
    SELECT max(run_date) AS run_date FROM city_ref.run
),

payment AS (
    SELECT
        county_code AS paying_county,
        id_number,
        policy_code,
        benefit_category,
        monthly_amount,
        since
    FROM city_lake.benefit
),

seen_here AS (
    SELECT county_code, id_number, is_dead
    FROM city_lake.person
),

home_exclusive AS (
    SELECT
        o.paying_county,
        o.id_number,
        e.policy_code,
        min(o.policy_code) AS other_policy_code,
        arg_min(o.benefit_category, o.policy_code) AS other_benefit_category
    FROM payment AS o
    JOIN city_ref.exclusive AS e ON e.other_policy_code = o.policy_code
    GROUP BY ALL
),

classified AS (
    SELECT
        pay.*,
        cp.is_dead AS dead_in_city,
        cp.death_county,
        cp.death_date,
        cp.death_evidence,
        coalesce(here.is_dead, false) AS dead_here,
        list_contains(cp.register_counties, pay.paying_county) AS registered_here,
        list_filter(cp.register_counties, lambda c: c <> pay.paying_county)[1] AS home_county
    FROM payment AS pay
    JOIN city.person AS cp ON cp.id_number = pay.id_number
    LEFT JOIN seen_here AS here ON here.county_code = pay.paying_county AND here.id_number = pay.id_number
),

typed AS (
    SELECT
        c.*,
        CASE
            WHEN c.dead_in_city AND NOT c.dead_here THEN 'deceased_paid'
            WHEN NOT c.registered_here AND c.home_county IS NOT NULL AND same.id_number IS NOT NULL
                THEN 'double_payment'
            WHEN NOT c.registered_here AND c.home_county IS NOT NULL AND excl.id_number IS NOT NULL
                THEN 'exclusive_payment'
            WHEN NOT c.registered_here AND c.home_county IS NOT NULL THEN 'paid_outside_register'
        END AS kind,
        CASE
            WHEN same.id_number IS NOT NULL THEN c.policy_code
            ELSE excl.other_policy_code
        END AS home_policy_code,
        coalesce(same.benefit_category, excl.other_benefit_category) AS home_benefit_category
    FROM classified AS c
    LEFT JOIN payment AS same
        ON same.paying_county = c.home_county AND same.id_number = c.id_number AND same.policy_code = c.policy_code
    LEFT JOIN home_exclusive AS excl
        ON excl.paying_county = c.home_county AND excl.id_number = c.id_number AND excl.policy_code = c.policy_code
),

final AS (
    SELECT
        'CX-' || upper(substr(md5(concat_ws('|', t.kind, t.id_number, t.paying_county,
                                            coalesce(t.policy_code, t.benefit_category))), 1, 10)) AS finding_id,
        run.run_date,
        t.kind,
        t.id_number,
        t.paying_county,
        t.policy_code,
        t.benefit_category,
        t.monthly_amount,
        t.since,
        CASE WHEN t.kind = 'deceased_paid' THEN t.death_county ELSE t.home_county END AS other_county,
        CASE WHEN t.kind IN ('double_payment', 'exclusive_payment') THEN t.home_policy_code END
            AS other_policy_code,
        CASE WHEN t.kind = 'deceased_paid' THEN t.death_date END AS death_date,
        CASE t.kind WHEN 'deceased_paid' THEN 1 ELSE 2 END AS priority,
        CASE t.kind
            WHEN 'deceased_paid' THEN
                t.death_county || '记录此人已死亡（' || t.death_evidence
                || coalesce('，' || strftime(t.death_date, '%Y-%m-%d'), '') || '），'
                || t.paying_county || '仍在发放' || t.benefit_category
                || coalesce('每月' || t.monthly_amount::VARCHAR || '元', '') || '，请核实后停发并追回'
            WHEN 'double_payment' THEN
                '户籍在' || t.home_county || '，' || t.home_county || '与' || t.paying_county || '同时发放'
                || t.benefit_category || coalesce('（本县每月' || t.monthly_amount::VARCHAR || '元）', '')
                || '，请核实后停发本县待遇'
            WHEN 'exclusive_payment' THEN
                '户籍在' || t.home_county || '，' || t.home_county || '发放' || t.home_benefit_category || '，'
                || t.paying_county || '发放' || t.benefit_category
                || coalesce('每月' || t.monthly_amount::VARCHAR || '元', '') || '，两项不可兼得，请核实后择一'
            WHEN 'paid_outside_register' THEN
                '户籍在' || t.home_county || '（正常），本县户籍登记中查无此人，仍在发放' || t.benefit_category
                || coalesce('每月' || t.monthly_amount::VARCHAR || '元', '') || '，请核实后转移至户籍地'
        END AS reason
    FROM typed AS t
    CROSS JOIN run
    WHERE t.kind IS NOT NULL
)

SELECT * FROM final
ORDER BY kind, paying_county, id_number, policy_code
