-- labels.person_profile: one row per person of core.person, one column per
-- person label of the catalogue holding the label's value, NULL when the label
-- does not hold. The same facts as labels.person_label, wide (each column
-- carries its definition as a comment).
-- Generated from sql/labels/catalogue.yaml by `python -m transforms.labels`:
-- edit the catalogue and regenerate rather than editing this file
-- (labels.person_profile).
WITH label AS (
    SELECT id_number, label, value FROM labels.person_label
),

pivoted AS (
    PIVOT label
    ON label IN ('minor', 'working_age', 'aged_60_plus', 'aged_80_plus', 'aged_90_plus', 'deceased',
        'in_prison', 'community_correction', 'moved_away', 'not_in_register', 'disabled',
        'severe_disability', 'nursing_grade', 'intellectual_or_mental', 'physical_or_sensory',
        'disabled_child', 'disabled_student', 'serious_illness', 'chronic_disease_managed',
        'inpatient_last_year', 'chronic_outpatient_last_year', 'critical_illness_settlement',
        'high_out_of_pocket', 'taxed_income', 'owns_residence', 'owns_multiple_residences',
        'owns_commercial_property', 'owns_vehicle', 'business_owner', 'business_capital_large',
        'housing_fund_active', 'housing_fund_above_limit', 'court_defaulter', 'employed',
        'unemployed_registered', 'not_employed', 'employee_pension_insured',
        'resident_pension_insured', 'pension_uninsured', 'receives_pension', 'job_refusals',
        'hardship_worker', 'student', 'preschool', 'primary_school', 'junior_school',
        'high_school', 'vocational_school', 'college', 'new_college_student',
        'receives_education_aid', 'school_age_not_enrolled', 'receives_db_urban',
        'receives_db_rural', 'receives_tk_urban', 'receives_tk_rural', 'receives_db_edge',
        'receives_orphan', 'receives_fact_unsupported_child', 'receives_child_difficulty',
        'receives_temp_expense', 'receives_high_age', 'receives_elder_econ',
        'receives_elder_care', 'receives_dis_living', 'receives_dis_nursing',
        'receives_college_new_db', 'receives_public_job', 'veteran_entitled',
        'disaster_affected')
    USING max(value)
    GROUP BY id_number
)

SELECT
    b.id_number,
    p.minor,
    p.working_age,
    p.aged_60_plus,
    p.aged_80_plus,
    p.aged_90_plus,
    p.deceased,
    p.in_prison,
    p.community_correction,
    p.moved_away,
    p.not_in_register,
    p.disabled,
    p.severe_disability,
    p.nursing_grade,
    p.intellectual_or_mental,
    p.physical_or_sensory,
    p.disabled_child,
    p.disabled_student,
    p.serious_illness,
    p.chronic_disease_managed,
    p.inpatient_last_year,
    p.chronic_outpatient_last_year,
    p.critical_illness_settlement,
    p.high_out_of_pocket,
    p.taxed_income,
    p.owns_residence,
    p.owns_multiple_residences,
    p.owns_commercial_property,
    p.owns_vehicle,
    p.business_owner,
    p.business_capital_large,
    p.housing_fund_active,
    p.housing_fund_above_limit,
    p.court_defaulter,
    p.employed,
    p.unemployed_registered,
    p.not_employed,
    p.employee_pension_insured,
    p.resident_pension_insured,
    p.pension_uninsured,
    p.receives_pension,
    p.job_refusals,
    p.hardship_worker,
    p.student,
    p.preschool,
    p.primary_school,
    p.junior_school,
    p.high_school,
    p.vocational_school,
    p.college,
    p.new_college_student,
    p.receives_education_aid,
    p.school_age_not_enrolled,
    p.receives_db_urban,
    p.receives_db_rural,
    p.receives_tk_urban,
    p.receives_tk_rural,
    p.receives_db_edge,
    p.receives_orphan,
    p.receives_fact_unsupported_child,
    p.receives_child_difficulty,
    p.receives_temp_expense,
    p.receives_high_age,
    p.receives_elder_econ,
    p.receives_elder_care,
    p.receives_dis_living,
    p.receives_dis_nursing,
    p.receives_college_new_db,
    p.receives_public_job,
    p.veteran_entitled,
    p.disaster_affected
FROM core.person AS b
LEFT JOIN pivoted AS p ON p.id_number = b.id_number
ORDER BY b.id_number
