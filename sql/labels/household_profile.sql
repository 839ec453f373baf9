-- labels.household_profile: one row per household of core.household, one
-- column per household label of the catalogue holding the label's value, NULL
-- when the label does not hold. The same facts as labels.household_label, wide
-- (each column carries its definition as a comment).
-- Generated from sql/labels/catalogue.yaml by `python -m transforms.labels`:
-- edit the catalogue and regenerate rather than editing this file
-- (labels.household_profile).
WITH label AS (
    SELECT household_no, label, value FROM labels.household_label
),

pivoted AS (
    PIVOT label
    ON label IN ('size', 'lives_alone', 'urban', 'rural', 'elderly_only', 'severe_disability_member',
        'household_high_out_of_pocket', 'per_capita_monthly_income', 'income_below_dibao_line',
        'income_near_dibao_line', 'assets_over_limit', 'no_working_member', 'dibao_household',
        'tekun_member', 'rural_revitalization_registered', 'monitored_household',
        'house_unsafe', 'receives_rent_subsidy')
    USING max(value)
    GROUP BY household_no
)

SELECT
    b.household_no,
    p.size,
    p.lives_alone,
    p.urban,
    p.rural,
    p.elderly_only,
    p.severe_disability_member,
    p.household_high_out_of_pocket,
    p.per_capita_monthly_income,
    p.income_below_dibao_line,
    p.income_near_dibao_line,
    p.assets_over_limit,
    p.no_working_member,
    p.dibao_household,
    p.tekun_member,
    p.rural_revitalization_registered,
    p.monitored_household,
    p.house_unsafe,
    p.receives_rent_subsidy
FROM core.household AS b
LEFT JOIN pivoted AS p ON p.household_no = b.household_no
