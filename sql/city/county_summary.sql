-- city.county_summary: one row per county of the city.
--
-- What each county's night published (run_date: a county whose night failed
-- keeps its last good partition, so an old date here means a stale county),
-- its own findings by kind, and the cross-county findings it must act on as
-- the paying county (count and monthly amount at stake) or that cite its
-- records (its register or its death records).
WITH summary AS (
    SELECT * FROM city_lake.summary
),

to_act AS (
    SELECT
        paying_county AS county_code,
        count(*) AS cross_county_to_act,
        count(*) FILTER (WHERE kind = 'deceased_paid') AS cross_deceased_paid,
        count(*) FILTER (WHERE kind = 'double_payment') AS cross_double_payment,
        count(*) FILTER (WHERE kind = 'exclusive_payment') AS cross_exclusive_payment,
        count(*) FILTER (WHERE kind = 'paid_outside_register') AS cross_paid_outside_register,
        sum(monthly_amount)::DECIMAL(18, 2) AS cross_monthly_at_stake
    FROM city.cross_county_finding
    GROUP BY paying_county
),

cited AS (
    SELECT other_county AS county_code, count(*) AS cross_county_cited
    FROM city.cross_county_finding
    GROUP BY other_county
),

final AS (
    SELECT
        s.county_code,
        s.run_date,
        s.run_date = (SELECT max(run_date) FROM city_ref.run) AS is_current,
        s.people_registered,
        s.households,
        s.benefits,
        s.monthly_paid,
        s.findings_discover,
        s.findings_review,
        s.findings_warning,
        s.findings_yellow,
        coalesce(a.cross_county_to_act, 0) AS cross_county_to_act,
        coalesce(a.cross_deceased_paid, 0) AS cross_deceased_paid,
        coalesce(a.cross_double_payment, 0) AS cross_double_payment,
        coalesce(a.cross_exclusive_payment, 0) AS cross_exclusive_payment,
        coalesce(a.cross_paid_outside_register, 0) AS cross_paid_outside_register,
        coalesce(a.cross_monthly_at_stake, 0)::DECIMAL(18, 2) AS cross_monthly_at_stake,
        coalesce(c.cross_county_cited, 0) AS cross_county_cited
    FROM summary AS s
    LEFT JOIN to_act AS a ON a.county_code = s.county_code
    LEFT JOIN cited AS c ON c.county_code = s.county_code
)

SELECT * FROM final
ORDER BY county_code
