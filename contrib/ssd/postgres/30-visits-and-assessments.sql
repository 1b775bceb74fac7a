-- visits, assessments and management_decisions (SPEC section 2) over the SSD. Re-runnable: each view is replaced
-- in place, keeping its grants and the authority's own views built on it (see 20-people-and-cases.sql).

-- Statutory visits, each once. CP visits are read from ssd_cp_visits (their plan names the case); CLA visits from
-- ssd_cla_visits (their period of care names the case). ssd_cin_visits holds copies of both — a CP visit under the
-- same case-note id, a CLA visit under another id, recognised by child and local date — which are left out; what
-- remains belongs to the child's CIN plan open on the visit's date (a note with no CIN plan open is not a CIN
-- visit). A visit whose seen flag is neither Y nor N is left out rather than guessed. The SSD holds no visit
-- worker and no note times: R1 (statutory-visit-oversight) cannot run on it.
--
-- Care leavers' keep-in-touch visits: the SSD keeps only the latest contact's date, which becomes one `kit` visit
-- at the start of that day (taken as recorded for the SSDA903, since that is where the SSD has it from), on the
-- care-leaver case when there is one (none while the young person is looked after again).
CREATE OR REPLACE VIEW casewatch_ssd.visits AS
WITH statutory AS (
    SELECT 'CPV:' || v.cppv_cp_visit_id AS visit_id, 'CP:' || v.cppv_cp_plan_id AS case_id,
           casewatch_ssd.instant(v.cppv_cp_visit_date) AS visit_at, casewatch_ssd.flag(v.cppv_cp_visit_seen) AS seen,
           'ssd_cp_visits' AS ssd_table
    FROM ssd_cp_visits v
    UNION ALL
    SELECT 'CLAV:' || v.clav_cla_visit_id, 'CLA:' || v.clav_cla_id,
           casewatch_ssd.instant(v.clav_cla_visit_date), casewatch_ssd.flag(v.clav_cla_visit_seen), 'ssd_cla_visits'
    FROM ssd_cla_visits v
    UNION ALL
    (SELECT DISTINCT ON (v.cinv_cin_visit_id)
           'CINV:' || v.cinv_cin_visit_id, 'CIN:' || p.cinp_cin_plan_id,
           casewatch_ssd.instant(v.cinv_cin_visit_date), casewatch_ssd.flag(v.cinv_cin_visit_seen), 'ssd_cin_visits'
    FROM ssd_cin_visits v
    JOIN ssd_cin_plans p
      ON p.cinp_person_id::text = v.cinv_person_id::text
     AND casewatch_ssd.local_date(p.cinp_cin_plan_start_date) <= casewatch_ssd.local_date(v.cinv_cin_visit_date)
     AND (casewatch_ssd.local_date(p.cinp_cin_plan_end_date) IS NULL
          OR casewatch_ssd.local_date(v.cinv_cin_visit_date) <= casewatch_ssd.local_date(p.cinp_cin_plan_end_date))
    WHERE NOT EXISTS (SELECT 1 FROM ssd_cp_visits c WHERE c.cppv_cp_visit_id::text = v.cinv_cin_visit_id::text)
      AND NOT EXISTS (
          SELECT 1 FROM ssd_cla_visits c
          WHERE c.clav_person_id::text = v.cinv_person_id::text
            AND casewatch_ssd.local_date(c.clav_cla_visit_date) = casewatch_ssd.local_date(v.cinv_cin_visit_date))
    ORDER BY v.cinv_cin_visit_id, p.cinp_cin_plan_start_date DESC)
)
SELECT s.visit_id,
       s.case_id,
       'statutory'::text AS visit_type,
       s.visit_at,
       s.seen AS child_seen,
       NULL::text AS worker_id,
       NULL::timestamptz AS note_created_at,
       NULL::timestamptz AS note_finalised_at,
       NULL::timestamptz AS manager_comment_at,
       false AS ssda903_recorded
FROM statutory s
JOIN casewatch_ssd.visit_sources vs ON vs.ssd_table = s.ssd_table AND vs.visit_type = 'statutory'
WHERE s.case_id IS NOT NULL AND s.visit_at IS NOT NULL AND s.seen IS NOT NULL
UNION ALL
SELECT 'KIT:' || l.leaver_id,
       'CL:' || l.leaver_id,
       'kit',
       casewatch_ssd.day_start(l.clea_care_leaver_latest_contact),
       true,
       NULL,
       NULL,
       NULL,
       NULL,
       true
FROM casewatch_ssd.care_leavers l
WHERE l.category IS NOT NULL AND l.became_on IS NOT NULL
  AND casewatch_ssd.local_date(l.clea_care_leaver_latest_contact) IS NOT NULL;

-- C&F assessments, on their referral's case. The SSD has no priority (options.assessment_working_days, 45 by
-- default), no time it was set (so R2, cf-set-priority, cannot run on it), and no completion date but the
-- authorisation date (a 1900-01-01 placeholder is no completion). The assessment's worker id is used only when it
-- is a prof_professional_id — in some builds it comes from another id space — else the case's allocated worker is.
CREATE OR REPLACE VIEW casewatch_ssd.assessments AS
SELECT 'ASM:' || a.cina_assessment_id AS assessment_id,
       'REF:' || a.cina_referral_id AS case_id,
       casewatch_ssd.local_date(a.cina_assessment_start_date) AS started_on,
       casewatch_ssd.local_date(e.cine_referral_date) AS referral_on,
       o.assessment_working_days AS priority_working_days,
       NULL::timestamptz AS priority_set_at,
       casewatch_ssd.local_date(a.cina_assessment_auth_date) AS completed_on,
       p.prof_professional_id::text AS worker_id
FROM ssd_cin_assessments a
LEFT JOIN ssd_cin_episodes e ON e.cine_referral_id::text = a.cina_referral_id::text
LEFT JOIN ssd_professionals p ON p.prof_professional_id::text = a.cina_assessment_worker_id::text
CROSS JOIN casewatch_ssd.options o
WHERE a.cina_assessment_id IS NOT NULL
  AND a.cina_referral_id IS NOT NULL
  AND casewatch_ssd.local_date(a.cina_assessment_start_date) IS NOT NULL;

-- The SSD records no management decisions: an empty view of the right shape (R4's practice-manager step then ends
-- only with a successful visit).
CREATE OR REPLACE VIEW casewatch_ssd.management_decisions AS
SELECT NULL::text AS decision_id,
       NULL::text AS case_id,
       NULL::timestamptz AS decided_at,
       NULL::text AS manager_id,
       NULL::text AS kind
WHERE false;
