-- staff, children and cases (SPEC section 2) over the SSD. The ssd_* tables are found on the search_path in force
-- when this runs (see contrib/ssd/README.md).
--
-- Re-runnable: each view is replaced in place (CREATE OR REPLACE VIEW), which keeps its grants and every view of
-- the authority's own built on it. A release that must change a view's columns drops that view first with a plain
-- DROP VIEW, never CASCADE: PostgreSQL then refuses while another object depends on it, and names that object.

-- The SSD holds no email, line manager, absence, cover or coded role: the staff directory (docs/staff-directory.md)
-- supplies them. Until it does, everyone is an active `worker` without an address.
CREATE OR REPLACE VIEW casewatch_ssd.staff AS
SELECT p.prof_professional_id::text AS staff_id,
       COALESCE(NULLIF(trim(p.prof_professional_name), ''), p.prof_professional_id::text) AS display_name,
       NULL::text AS email,
       'worker'::text AS role,
       NULLIF(trim(p.prof_professional_department), '') AS team,
       NULL::text AS manager_id,
       NULL::text AS cover_id,
       NULL::date AS absent_from,
       NULL::date AS absent_until,
       true AS active
FROM ssd_professionals p
WHERE p.prof_professional_id IS NOT NULL;

-- Notices name the child by the case system's person id (display_ref), which workers search by.
CREATE OR REPLACE VIEW casewatch_ssd.children AS
SELECT p.pers_person_id::text AS child_id,
       p.pers_person_id::text AS display_ref,
       NULLIF(trim(p.pers_forename), '') AS given_name,
       NULLIF(trim(p.pers_surname), '') AS family_name,
       casewatch_ssd.local_date(p.pers_dob) AS date_of_birth
FROM ssd_person p
WHERE p.pers_person_id IS NOT NULL;

-- A period of care is one clae_cla_id. It ends with its latest episode, unless that episode ceased with reason X1
-- (the episode ended but the child stayed looked after: a new episode follows).
CREATE OR REPLACE VIEW casewatch_ssd.cla_periods AS
WITH episodes AS (
    SELECT e.clae_cla_id::text AS cla_id,
           e.clae_person_id::text AS person_id,
           casewatch_ssd.local_date(e.clae_cla_episode_start_date) AS started_on,
           casewatch_ssd.local_date(e.clae_cla_episode_ceased_date) AS ceased_on,
           upper(trim(e.clae_cla_episode_ceased_reason)) AS ceased_reason,
           casewatch_ssd.local_date(e.clae_entered_care_date) AS entered_care_on
    FROM ssd_cla_episodes e
    WHERE e.clae_cla_id IS NOT NULL
), latest AS (
    SELECT DISTINCT ON (cla_id) cla_id, ceased_on, ceased_reason
    FROM episodes
    ORDER BY cla_id, started_on DESC NULLS LAST, ceased_on DESC NULLS FIRST
)
SELECT e.cla_id,
       min(e.person_id) AS person_id,
       COALESCE(min(e.entered_care_on), min(e.started_on)) AS started_on,
       CASE WHEN l.ceased_reason IS DISTINCT FROM 'X1' THEN l.ceased_on END AS ended_on
FROM episodes e
JOIN latest l USING (cla_id)
GROUP BY e.cla_id, l.ceased_on, l.ceased_reason;

-- Care leavers with a category casewatch knows; "No Current Eligibility" is no care-leaver case. The SSD does not
-- date when someone became a care leaver: the end of their last period of care (the latest started), else, with no
-- period of care in the SSD, their 18th birthday. While that last period is still open the young person is looked
-- after (a CLA case), not a care leaver: became_on is NULL and there is no care-leaver case. A child looked after
-- twice is a care leaver from the end of the second period, never from the end of the first.
CREATE OR REPLACE VIEW casewatch_ssd.care_leavers AS
SELECT c.clea_table_id::text AS leaver_id,
       c.clea_person_id::text AS person_id,
       CASE lower(regexp_replace(trim(c.clea_care_leaver_eligibility), '\s+', ' ', 'g'))
           WHEN 'relevant' THEN 'relevant'
           WHEN 'former relevant' THEN 'former_relevant'
           WHEN 'eligible' THEN 'eligible'
           WHEN 'qualifying' THEN 'qualifying'
       END AS category,
       CASE WHEN last_period.cla_id IS NOT NULL THEN last_period.ended_on
            ELSE (casewatch_ssd.local_date(s.pers_dob) + interval '18 years')::date
       END AS became_on,
       c.clea_care_leaver_latest_contact,
       c.clea_pathway_plan_review_date
FROM ssd_care_leavers c
LEFT JOIN ssd_person s ON s.pers_person_id::text = c.clea_person_id::text
LEFT JOIN (
    SELECT DISTINCT ON (p.person_id) p.person_id, p.cla_id, p.ended_on
    FROM casewatch_ssd.cla_periods p
    ORDER BY p.person_id, p.started_on DESC, p.ended_on DESC NULLS FIRST, p.cla_id DESC
) last_period ON last_period.person_id = c.clea_person_id::text
WHERE c.clea_table_id IS NOT NULL;

-- CIN plans, each ending where the SSD ends it or, when the case system left it open, on the first day on or after
-- its start that the child is on a CP plan or looked after: a child in need plan gives way to the child protection
-- plan or the care plan (the CIN census counts a child once, at the highest level), and a CIN plan left open would
-- keep asking for CIN visits. A step-down plan starting the day a CP plan or period of care ends is not ended.
CREATE OR REPLACE VIEW casewatch_ssd.cin_plans AS
WITH plans AS (
    SELECT p.cinp_cin_plan_id::text AS cin_plan_id,
           p.cinp_person_id::text AS person_id,
           casewatch_ssd.local_date(p.cinp_cin_plan_start_date) AS started_on,
           casewatch_ssd.local_date(p.cinp_cin_plan_end_date) AS ended_on
    FROM ssd_cin_plans p
    WHERE p.cinp_cin_plan_id IS NOT NULL
), higher AS (
    SELECT c.cppl_person_id::text AS person_id,
           casewatch_ssd.local_date(c.cppl_cp_plan_start_date) AS started_on,
           casewatch_ssd.local_date(c.cppl_cp_plan_end_date) AS ended_on
    FROM ssd_cp_plans c
    UNION ALL
    SELECT l.person_id, l.started_on, l.ended_on
    FROM casewatch_ssd.cla_periods l
), superseded AS (
    SELECT p.cin_plan_id, min(GREATEST(h.started_on, p.started_on)) AS on_date
    FROM plans p
    JOIN higher h
      ON h.person_id = p.person_id
     AND h.started_on IS NOT NULL
     AND (h.ended_on IS NULL OR h.ended_on > p.started_on)
    GROUP BY p.cin_plan_id
)
SELECT p.cin_plan_id,
       p.person_id,
       p.started_on,
       LEAST(p.ended_on, s.on_date) AS ended_on
FROM plans p
LEFT JOIN superseded s ON s.cin_plan_id = p.cin_plan_id;

-- The allocated worker of each kind of case: the child's current involvement in a role allocation_roles maps to
-- that kind, the latest started. Involvement ids are assumed to be prof_professional_id (the SSD's own link).
CREATE OR REPLACE VIEW casewatch_ssd.allocations AS
SELECT DISTINCT ON (i.invo_person_id::text, r.case_type)
       i.invo_person_id::text AS person_id,
       r.case_type,
       i.invo_professional_id::text AS staff_id
FROM ssd_involvements i
JOIN casewatch_ssd.allocation_roles r ON r.role_code = trim(i.invo_professional_role_id::text)
WHERE casewatch_ssd.local_date(i.invo_involvement_start_date) <= casewatch_ssd.today()
  AND (casewatch_ssd.local_date(i.invo_involvement_end_date) IS NULL
       OR casewatch_ssd.local_date(i.invo_involvement_end_date) > casewatch_ssd.today())
ORDER BY i.invo_person_id::text, r.case_type, i.invo_involvement_start_date DESC, i.invo_involvements_id DESC;

-- One case per referral (CIN episode), CIN plan, CP plan, period of care, care leaver and contact. Ids carry their
-- kind (REF:, CIN:, CP:, CLA:, CL:, CON:) so that they cannot collide. A child's death closes their cases.
CREATE OR REPLACE VIEW casewatch_ssd.cases AS
WITH raw AS (
    SELECT 'REF:' || e.cine_referral_id AS case_id, e.cine_person_id::text AS child_id, 'REFERRAL' AS case_type,
           casewatch_ssd.local_date(e.cine_referral_date) AS opened_on,
           casewatch_ssd.local_date(e.cine_close_date) AS closed_on, NULL::text AS care_leaver_category
    FROM ssd_cin_episodes e
    UNION ALL
    SELECT 'CIN:' || p.cin_plan_id, p.person_id, 'CIN', p.started_on, p.ended_on, NULL
    FROM casewatch_ssd.cin_plans p
    UNION ALL
    SELECT 'CP:' || p.cppl_cp_plan_id, p.cppl_person_id::text, 'CP',
           casewatch_ssd.local_date(p.cppl_cp_plan_start_date), casewatch_ssd.local_date(p.cppl_cp_plan_end_date),
           NULL
    FROM ssd_cp_plans p
    UNION ALL
    SELECT 'CLA:' || p.cla_id, p.person_id, 'CLA', p.started_on, p.ended_on, NULL
    FROM casewatch_ssd.cla_periods p
    UNION ALL
    SELECT 'CL:' || l.leaver_id, l.person_id, 'CARE_LEAVER', l.became_on, NULL, l.category
    FROM casewatch_ssd.care_leavers l
    WHERE l.category IS NOT NULL
    UNION ALL
    SELECT 'CON:' || c.cont_contact_id, c.cont_person_id::text, 'CONTACT',
           casewatch_ssd.local_date(c.cont_contact_date),
           COALESCE(min(casewatch_ssd.local_date(e.cine_referral_date)),
                    casewatch_ssd.local_date(c.cont_contact_date) + o.contact_open_days),
           NULL
    FROM ssd_contacts c
    CROSS JOIN casewatch_ssd.options o
    LEFT JOIN ssd_cin_episodes e
      ON e.cine_person_id::text = c.cont_person_id::text
     AND casewatch_ssd.local_date(e.cine_referral_date) >= casewatch_ssd.local_date(c.cont_contact_date)
    GROUP BY c.cont_contact_id, c.cont_person_id, c.cont_contact_date, o.contact_open_days
)
SELECT r.case_id,
       r.child_id,
       r.case_type,
       a.staff_id AS allocated_worker_id,
       r.opened_on,
       LEAST(r.closed_on, casewatch_ssd.local_date(p.pers_death_date)) AS closed_on,
       r.care_leaver_category
FROM raw r
LEFT JOIN casewatch_ssd.allocations a ON a.person_id = r.child_id AND a.case_type = r.case_type
LEFT JOIN ssd_person p ON p.pers_person_id::text = r.child_id
WHERE r.case_id IS NOT NULL AND r.opened_on IS NOT NULL;
