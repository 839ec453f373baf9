-- core.household: one row per 户号 of the register.
--
-- n (size) is policies.md §2's: members 正常, not DEAD, not JAIL. The head is
-- the 户主 row (a living 正常 one first should the register hold two). Place
-- and URBAN/RURAL come from the head's 村居代码 (digits 10-12: 001-099
-- community = urban, 200-399 village = rural, anything else NULL for a home
-- visit). The contact is the head while the head lives there (正常, alive, not
-- in prison); else the oldest adult member who does. INC(h) sums core.income
-- over HH(h); PCI(h) = INC(h) / 12 / n (NULL when n = 0).
WITH members AS (
    SELECT * FROM core.membership
),

heads AS (
    SELECT *
    FROM members
    WHERE is_head
    QUALIFY row_number() OVER (
        PARTITION BY household_no
        ORDER BY in_hh DESC, is_dead, _file, _row
    ) = 1
),

sizes AS (
    SELECT
        household_no,
        count(*) FILTER (WHERE counts_in_n) AS size,
        count(*) FILTER (WHERE in_hh) AS members_in_household,
        count(*) AS members_registered,
        min(village_code) FILTER (WHERE in_hh) AS any_member_village,
        first(_file ORDER BY _file, _row) AS first_file,
        first(_row ORDER BY _file, _row) AS first_row
    FROM members
    GROUP BY household_no
),

incomes AS (
    SELECT m.household_no, sum(i.yearly_amount) AS yearly_income
    FROM members AS m
    JOIN core.income AS i ON i.id_number = m.id_number
    WHERE m.in_hh
    GROUP BY m.household_no
),

contacts AS (
    SELECT m.*
    FROM members AS m
    WHERE m.counts_in_n
      AND (m.is_head OR m.age >= 18)
    QUALIFY row_number() OVER (
        PARTITION BY m.household_no
        ORDER BY m.is_head DESC, m.birth_date NULLS LAST, m._file, m._row
    ) = 1
),

final AS (
    SELECT
        s.household_no,
        h.id_number AS head_id_number,
        h.name AS head_name,
        h.is_dead AS head_is_dead,
        coalesce(h.township_code, substr(s.any_member_village, 1, 9)) AS township_code,
        coalesce(h.village_code, s.any_member_village) AS village_code,
        CASE
            WHEN try_cast(substr(h.village_code, 10, 3) AS INTEGER) BETWEEN 1 AND 99 THEN 'urban'
            WHEN try_cast(substr(h.village_code, 10, 3) AS INTEGER) BETWEEN 200 AND 399 THEN 'rural'
        END AS area,
        CASE
            WHEN try_cast(substr(h.village_code, 10, 3) AS INTEGER) BETWEEN 1 AND 99 THEN true
            WHEN try_cast(substr(h.village_code, 10, 3) AS INTEGER) BETWEEN 200 AND 399 THEN false
        END AS is_urban,
        s.size,
        coalesce(inc.yearly_income, 0)::DECIMAL(14, 2) AS yearly_income,
        CASE WHEN s.size > 0
             THEN round(coalesce(inc.yearly_income, 0) / 12 / s.size, 2)::DECIMAL(14, 2)
        END AS per_capita_monthly_income,
        s.members_in_household,
        s.members_registered,
        c.id_number AS contact_id_number,
        c.name AS contact_name,
        c.phone AS contact_phone,
        coalesce(c.is_head, false) AS contact_is_head,
        coalesce(h._source, 'gaj_hjrk') AS _source,
        coalesce(h._file, s.first_file) AS _file,
        coalesce(h._row, s.first_row) AS _row
    FROM sizes AS s
    LEFT JOIN heads AS h ON h.household_no = s.household_no
    LEFT JOIN contacts AS c ON c.household_no = s.household_no
    LEFT JOIN incomes AS inc ON inc.household_no = s.household_no
)

SELECT * FROM final
ORDER BY household_no
