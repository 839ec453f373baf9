-- labels.household_profile: one row per household of core.household, one
-- column per household label of the catalogue holding the label's value, NULL
-- when the label does not hold. The same facts as labels.household_label, wide
-- (each column carries its definition as a comment).
-- Generated from sql/labels/catalogue.yaml by `python -m transforms.labels`:
-- edit the catalogue and regenerate rather than editing this file
-- (labels.household_profile).
WITH label AS (
    SELECT household_no, label, value FROM labels.household_label
)

SELECT
    b.household_no,
    max(l.value) FILTER (WHERE l.label = 'size') AS size,
    max(l.value) FILTER (WHERE l.label = 'lives_alone') AS lives_alone,
    max(l.value) FILTER (WHERE l.label = 'urban') AS urban,
    max(l.value) FILTER (WHERE l.label = 'rural') AS rural,
    max(l.value) FILTER (WHERE l.label = 'elderly_only') AS elderly_only,
    max(l.value) FILTER (WHERE l.label = 'severe_disability_member') AS severe_disability_member,
    max(l.value) FILTER (WHERE l.label = 'household_high_out_of_pocket') AS household_high_out_of_pocket,
    max(l.value) FILTER (WHERE l.label = 'per_capita_monthly_income') AS per_capita_monthly_income,
    max(l.value) FILTER (WHERE l.label = 'income_below_dibao_line') AS income_below_dibao_line,
    max(l.value) FILTER (WHERE l.label = 'income_near_dibao_line') AS income_near_dibao_line,
    max(l.value) FILTER (WHERE l.label = 'assets_over_limit') AS assets_over_limit,
    max(l.value) FILTER (WHERE l.label = 'no_working_member') AS no_working_member,
    max(l.value) FILTER (WHERE l.label = 'dibao_household') AS dibao_household,
    max(l.value) FILTER (WHERE l.label = 'tekun_member') AS tekun_member,
    max(l.value) FILTER (WHERE l.label = 'rural_revitalization_registered') AS rural_revitalization_registered,
    max(l.value) FILTER (WHERE l.label = 'monitored_household') AS monitored_household,
    max(l.value) FILTER (WHERE l.label = 'house_unsafe') AS house_unsafe,
    max(l.value) FILTER (WHERE l.label = 'receives_rent_subsidy') AS receives_rent_subsidy
FROM core.household AS b
LEFT JOIN label AS l ON l.household_no = b.household_no
GROUP BY b.household_no
ORDER BY b.household_no
