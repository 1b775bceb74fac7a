-- case_events, meetings and records (SPEC section 8.1) over the SSD: what it can supply for the rule packs. Kinds
-- are the names the shipped packs use. Re-runnable: each view is replaced in place, keeping its grants and the
-- authority's own views built on it (see 20-people-and-cases.sql).

-- referral_received and contact_received at their times; became_looked_after at the start of the period of care;
-- icpc_required at the strategy discussion that started the enquiry which went to conference (the S47 start);
-- cp_plan_started at the ICPC that made the plan. strategy_needed is not here: the SSD keeps the referral's
-- strategy-discussion flag only inside cine_referral_outcome_json, whose shape differs between builds.
CREATE OR REPLACE VIEW casewatch_ssd.case_events AS
SELECT 'REF:' || e.cine_referral_id AS event_id, 'REF:' || e.cine_referral_id AS case_id,
       'referral_received'::text AS kind, casewatch_ssd.instant(e.cine_referral_date) AS occurred_at,
       NULL::text AS staff_id, NULL::text AS detail
FROM ssd_cin_episodes e
UNION ALL
SELECT 'CON:' || c.cont_contact_id, 'CON:' || c.cont_contact_id, 'contact_received',
       casewatch_ssd.instant(c.cont_contact_date), NULL, NULLIF(trim(c.cont_contact_source_code::text), '')
FROM ssd_contacts c
UNION ALL
SELECT 'CLA:' || p.cla_id, 'CLA:' || p.cla_id, 'became_looked_after',
       casewatch_ssd.day_start(p.started_on::timestamp), NULL, NULL
FROM casewatch_ssd.cla_periods p
UNION ALL
SELECT 'ICPCREQ:' || i.icpc_icpc_id, 'REF:' || COALESCE(i.icpc_referral_id, s.s47e_referral_id), 'icpc_required',
       casewatch_ssd.instant(s.s47e_s47_start_date), NULL, NULL
FROM ssd_initial_cp_conference i
JOIN ssd_s47_enquiry s ON s.s47e_s47_enquiry_id::text = i.icpc_s47_enquiry_id::text
UNION ALL
SELECT 'CPSTART:' || i.icpc_icpc_id,
       CASE WHEN i.icpc_cp_plan_id IS NOT NULL THEN 'CP:' || i.icpc_cp_plan_id
            ELSE 'REF:' || COALESCE(i.icpc_referral_id, s.s47e_referral_id) END,
       'cp_plan_started', casewatch_ssd.instant(i.icpc_icpc_date), NULL, NULL
FROM ssd_initial_cp_conference i
LEFT JOIN ssd_s47_enquiry s ON s.s47e_s47_enquiry_id::text = i.icpc_s47_enquiry_id::text
WHERE casewatch_ssd.flag(i.icpc_icpc_outcome_cp_flag);

-- Strategy discussions (an S47 enquiry starts at one), ICPCs, CP reviews (rcpc) and CLA reviews. A meeting not yet
-- held is scheduled on the date the case system computed for it (icpc_icpc_target_date, cppr_cp_review_due,
-- clar_cla_review_due_date), taken as the start of that day; a held one on the day it was held. An ICPC is on its
-- referral's case, found as icpc_required finds it: icpc_referral_id, else the referral of the S47 enquiry it came
-- from (some builds leave icpc_referral_id empty), so that the conference ends the clock its enquiry started.
CREATE OR REPLACE VIEW casewatch_ssd.meetings AS
SELECT 'S47:' || s.s47e_s47_enquiry_id AS meeting_id, 'REF:' || s.s47e_referral_id AS case_id,
       'strategy'::text AS kind, casewatch_ssd.instant(s.s47e_s47_start_date) AS scheduled_at,
       casewatch_ssd.instant(s.s47e_s47_start_date) AS held_at, false AS cancelled, NULL::text AS chair_id
FROM ssd_s47_enquiry s
UNION ALL
SELECT 'ICPC:' || i.icpc_icpc_id, 'REF:' || COALESCE(i.icpc_referral_id, s.s47e_referral_id), 'icpc',
       COALESCE(casewatch_ssd.instant(i.icpc_icpc_date), casewatch_ssd.day_start(i.icpc_icpc_target_date)),
       casewatch_ssd.instant(i.icpc_icpc_date), false, NULL
FROM ssd_initial_cp_conference i
LEFT JOIN ssd_s47_enquiry s ON s.s47e_s47_enquiry_id::text = i.icpc_s47_enquiry_id::text
UNION ALL
SELECT 'CPR:' || r.cppr_cp_review_id, 'CP:' || r.cppr_cp_plan_id, 'rcpc',
       COALESCE(casewatch_ssd.instant(r.cppr_cp_review_date), casewatch_ssd.day_start(r.cppr_cp_review_due)),
       casewatch_ssd.instant(r.cppr_cp_review_date), false, NULL
FROM ssd_cp_reviews r
UNION ALL
SELECT 'CLAR:' || r.clar_cla_review_id, 'CLA:' || r.clar_cla_id, 'cla_review',
       COALESCE(casewatch_ssd.instant(r.clar_cla_review_date), casewatch_ssd.day_start(r.clar_cla_review_due_date)),
       casewatch_ssd.instant(r.clar_cla_review_date), COALESCE(casewatch_ssd.flag(r.clar_cla_review_cancelled), false),
       NULL
FROM ssd_cla_reviews r;

-- Health assessments of looked-after children, on the period of care open on the check's date: only the check
-- types listed in health_assessment_types (a dental or optician check is no health assessment), and only those
-- that took place (status Completed, or COMPLETE as Eclipse builds write it). A Planned, Refused or Cancelled
-- check is no record at all: as a record it would start hv-rha-upload's 72 hours for an assessment that never
-- took place. The SSD does not date the upload, so a check is recorded on the day it took place. Then care
-- leavers' pathway plans as last reviewed (a 1900-01-01 placeholder is no review).
CREATE OR REPLACE VIEW casewatch_ssd.records AS
(SELECT DISTINCT ON (h.clah_health_check_id)
       'HEALTH:' || h.clah_health_check_id AS record_id, 'CLA:' || p.cla_id AS case_id,
       'health_assessment'::text AS kind, casewatch_ssd.day_start(h.clah_health_check_date) AS about_at,
       casewatch_ssd.day_start(h.clah_health_check_date) AS completed_at,
       NULL::timestamptz AS authorised_at, NULL::text AS staff_id, NULL::text AS meeting_id, NULL::text AS event_id
FROM ssd_cla_health h
JOIN casewatch_ssd.health_assessment_types t ON lower(trim(t.check_type)) = lower(trim(h.clah_health_check_type))
JOIN casewatch_ssd.cla_periods p
  ON p.person_id = h.clah_person_id::text
 AND p.started_on <= casewatch_ssd.local_date(h.clah_health_check_date)
 AND (p.ended_on IS NULL OR casewatch_ssd.local_date(h.clah_health_check_date) <= p.ended_on)
WHERE lower(trim(h.clah_health_check_status)) IN ('completed', 'complete')
ORDER BY h.clah_health_check_id, p.started_on DESC)
UNION ALL
SELECT 'PATHWAY:' || l.leaver_id, 'CL:' || l.leaver_id, 'pathway_plan',
       casewatch_ssd.day_start(l.clea_pathway_plan_review_date),
       casewatch_ssd.day_start(l.clea_pathway_plan_review_date), NULL, NULL, NULL, NULL
FROM casewatch_ssd.care_leavers l
WHERE l.category IS NOT NULL AND l.became_on IS NOT NULL
  AND casewatch_ssd.local_date(l.clea_pathway_plan_review_date) IS NOT NULL;
