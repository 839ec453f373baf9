-- city.person: the city's register, one row per ID number any county names.
--
-- Built from the counties' city lake (city_lake.person, city_lake.benefit), so
-- it says what no county can say alone: in which counties a person is
-- registered and alive (register_counties; home_county is the first of them),
-- whether any county records the death (a county's register 死亡, or a 火化记录
-- of its 殡葬管理所; the earliest death, then the lowest county code, is the
-- one cited), and which counties pay the person what.
-- city_life_status: deceased (any county records the death), registered
-- (alive in some county's register), not_in_register (named only by
-- departments, in no county's register).
WITH person AS (
    SELECT * FROM city_lake.person
),

payment AS (
    SELECT * FROM city_lake.benefit
),

named AS (
    SELECT id_number, list(county_code ORDER BY county_code) AS counties
    FROM person
    GROUP BY id_number
),

registered AS (
    SELECT id_number, list(county_code ORDER BY county_code) AS register_counties
    FROM person
    WHERE in_household_register AND life_status IN ('alive', 'incarcerated')
    GROUP BY id_number
),

deaths AS (
    SELECT
        id_number,
        county_code AS death_county,
        death_date,
        death_evidence
    FROM person
    WHERE is_dead
    QUALIFY row_number() OVER (PARTITION BY id_number ORDER BY death_date NULLS LAST, county_code) = 1
),

paid AS (
    SELECT
        id_number,
        list(DISTINCT county_code ORDER BY county_code) AS paying_counties,
        count(*) AS benefits,
        sum(monthly_amount)::DECIMAL(18, 2) AS monthly_paid
    FROM payment
    GROUP BY id_number
),

final AS (
    SELECT
        n.id_number,
        n.counties,
        coalesce(r.register_counties, []::VARCHAR[]) AS register_counties,
        r.register_counties[1] AS home_county,
        d.id_number IS NOT NULL AS is_dead,
        d.death_county,
        d.death_date,
        d.death_evidence,
        CASE
            WHEN d.id_number IS NOT NULL THEN 'deceased'
            WHEN r.id_number IS NOT NULL THEN 'registered'
            ELSE 'not_in_register'
        END AS city_life_status,
        coalesce(p.paying_counties, []::VARCHAR[]) AS paying_counties,
        coalesce(p.benefits, 0) AS benefits,
        coalesce(p.monthly_paid, 0)::DECIMAL(18, 2) AS monthly_paid
    FROM named AS n
    LEFT JOIN registered AS r ON r.id_number = n.id_number
    LEFT JOIN deaths AS d ON d.id_number = n.id_number
    LEFT JOIN paid AS p ON p.id_number = n.id_number
)

SELECT * FROM final
ORDER BY id_number
