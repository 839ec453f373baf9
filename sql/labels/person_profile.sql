-- labels.person_profile: one row per person of core.person, one column per
-- person label of the catalogue holding the label's value, NULL when the label
-- does not hold. The same facts as labels.person_label, wide (each column
-- carries its definition as a comment).
-- Generated from sql/labels/catalogue.yaml by `python -m transforms.labels`:
-- edit the catalogue and regenerate rather than editing this file
-- (labels.person_profile).
WITH label AS (
    SELECT id_number, label, value FROM labels.person_label
)

SELECT
    b.id_number,
    max(l.value) FILTER (WHERE l.label = 'minor') AS minor,
    max(l.value) FILTER (WHERE l.label = 'working_age') AS working_age,
    max(l.value) FILTER (WHERE l.label = 'aged_60_plus') AS aged_60_plus,
    max(l.value) FILTER (WHERE l.label = 'aged_80_plus') AS aged_80_plus,
    max(l.value) FILTER (WHERE l.label = 'aged_90_plus') AS aged_90_plus,
    max(l.value) FILTER (WHERE l.label = 'deceased') AS deceased,
    max(l.value) FILTER (WHERE l.label = 'in_prison') AS in_prison,
    max(l.value) FILTER (WHERE l.label = 'community_correction') AS community_correction,
    max(l.value) FILTER (WHERE l.label = 'moved_away') AS moved_away,
    max(l.value) FILTER (WHERE l.label = 'not_in_register') AS not_in_register,
    max(l.value) FILTER (WHERE l.label = 'disabled') AS disabled,
    max(l.value) FILTER (WHERE l.label = 'severe_disability') AS severe_disability,
    max(l.value) FILTER (WHERE l.label = 'nursing_grade') AS nursing_grade,
    max(l.value) FILTER (WHERE l.label = 'intellectual_or_mental') AS intellectual_or_mental,
    max(l.value) FILTER (WHERE l.label = 'physical_or_sensory') AS physical_or_sensory,
    max(l.value) FILTER (WHERE l.label = 'disabled_child') AS disabled_child,
    max(l.value) FILTER (WHERE l.label = 'disabled_student') AS disabled_student,
    max(l.value) FILTER (WHERE l.label = 'serious_illness') AS serious_illness,
    max(l.value) FILTER (WHERE l.label = 'chronic_disease_managed') AS chronic_disease_managed,
    max(l.value) FILTER (WHERE l.label = 'inpatient_last_year') AS inpatient_last_year,
    max(l.value) FILTER (WHERE l.label = 'chronic_outpatient_last_year') AS chronic_outpatient_last_year,
    max(l.value) FILTER (WHERE l.label = 'critical_illness_settlement') AS critical_illness_settlement,
    max(l.value) FILTER (WHERE l.label = 'high_out_of_pocket') AS high_out_of_pocket,
    max(l.value) FILTER (WHERE l.label = 'taxed_income') AS taxed_income,
    max(l.value) FILTER (WHERE l.label = 'owns_residence') AS owns_residence,
    max(l.value) FILTER (WHERE l.label = 'owns_multiple_residences') AS owns_multiple_residences,
    max(l.value) FILTER (WHERE l.label = 'owns_commercial_property') AS owns_commercial_property,
    max(l.value) FILTER (WHERE l.label = 'owns_vehicle') AS owns_vehicle,
    max(l.value) FILTER (WHERE l.label = 'business_owner') AS business_owner,
    max(l.value) FILTER (WHERE l.label = 'business_capital_large') AS business_capital_large,
    max(l.value) FILTER (WHERE l.label = 'housing_fund_active') AS housing_fund_active,
    max(l.value) FILTER (WHERE l.label = 'housing_fund_above_limit') AS housing_fund_above_limit,
    max(l.value) FILTER (WHERE l.label = 'court_defaulter') AS court_defaulter,
    max(l.value) FILTER (WHERE l.label = 'employed') AS employed,
    max(l.value) FILTER (WHERE l.label = 'unemployed_registered') AS unemployed_registered,
    max(l.value) FILTER (WHERE l.label = 'not_employed') AS not_employed,
    max(l.value) FILTER (WHERE l.label = 'employee_pension_insured') AS employee_pension_insured,
    max(l.value) FILTER (WHERE l.label = 'resident_pension_insured') AS resident_pension_insured,
    max(l.value) FILTER (WHERE l.label = 'pension_uninsured') AS pension_uninsured,
    max(l.value) FILTER (WHERE l.label = 'receives_pension') AS receives_pension,
    max(l.value) FILTER (WHERE l.label = 'job_refusals') AS job_refusals,
    max(l.value) FILTER (WHERE l.label = 'hardship_worker') AS hardship_worker,
    max(l.value) FILTER (WHERE l.label = 'student') AS student,
    max(l.value) FILTER (WHERE l.label = 'preschool') AS preschool,
    max(l.value) FILTER (WHERE l.label = 'primary_school') AS primary_school,
    max(l.value) FILTER (WHERE l.label = 'junior_school') AS junior_school,
    max(l.value) FILTER (WHERE l.label = 'high_school') AS high_school,
    max(l.value) FILTER (WHERE l.label = 'vocational_school') AS vocational_school,
    max(l.value) FILTER (WHERE l.label = 'college') AS college,
    max(l.value) FILTER (WHERE l.label = 'new_college_student') AS new_college_student,
    max(l.value) FILTER (WHERE l.label = 'receives_education_aid') AS receives_education_aid,
    max(l.value) FILTER (WHERE l.label = 'school_age_not_enrolled') AS school_age_not_enrolled,
    max(l.value) FILTER (WHERE l.label = 'receives_db_urban') AS receives_db_urban,
    max(l.value) FILTER (WHERE l.label = 'receives_db_rural') AS receives_db_rural,
    max(l.value) FILTER (WHERE l.label = 'receives_tk_urban') AS receives_tk_urban,
    max(l.value) FILTER (WHERE l.label = 'receives_tk_rural') AS receives_tk_rural,
    max(l.value) FILTER (WHERE l.label = 'receives_db_edge') AS receives_db_edge,
    max(l.value) FILTER (WHERE l.label = 'receives_orphan') AS receives_orphan,
    max(l.value) FILTER (WHERE l.label = 'receives_fact_unsupported_child') AS receives_fact_unsupported_child,
    max(l.value) FILTER (WHERE l.label = 'receives_child_difficulty') AS receives_child_difficulty,
    max(l.value) FILTER (WHERE l.label = 'receives_temp_expense') AS receives_temp_expense,
    max(l.value) FILTER (WHERE l.label = 'receives_high_age') AS receives_high_age,
    max(l.value) FILTER (WHERE l.label = 'receives_elder_econ') AS receives_elder_econ,
    max(l.value) FILTER (WHERE l.label = 'receives_elder_care') AS receives_elder_care,
    max(l.value) FILTER (WHERE l.label = 'receives_dis_living') AS receives_dis_living,
    max(l.value) FILTER (WHERE l.label = 'receives_dis_nursing') AS receives_dis_nursing,
    max(l.value) FILTER (WHERE l.label = 'receives_college_new_db') AS receives_college_new_db,
    max(l.value) FILTER (WHERE l.label = 'receives_public_job') AS receives_public_job,
    max(l.value) FILTER (WHERE l.label = 'veteran_entitled') AS veteran_entitled,
    max(l.value) FILTER (WHERE l.label = 'disaster_affected') AS disaster_affected
FROM core.person AS b
LEFT JOIN label AS l ON l.id_number = b.id_number
GROUP BY b.id_number
ORDER BY b.id_number
