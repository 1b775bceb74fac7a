//! SSD-shaped tables, made from the SSD's column lists (contrib/ssd/README.md cites them), and rows that spring
//! every trap the mapping handles. The Eclipse PostgreSQL build's types: text as VARCHAR, dates and date-times as
//! TIMESTAMP without an offset (UK local time), flags 'Y'/'N'.

/// Each SSD table the mapping reads, with its columns.
const SSD: &[(&str, &[&str])] = &[
    (
        "ssd_person",
        &[
            "pers_person_id",
            "pers_forename",
            "pers_surname",
            "pers_dob",
            "pers_expected_dob",
            "pers_death_date",
            "pers_upn",
            "pers_single_unique_id",
        ],
    ),
    (
        "ssd_involvements",
        &[
            "invo_involvements_id",
            "invo_professional_id",
            "invo_professional_role_id",
            "invo_professional_team",
            "invo_person_id",
            "invo_involvement_start_date",
            "invo_involvement_end_date",
            "invo_worker_change_reason",
            "invo_referral_id",
        ],
    ),
    (
        "ssd_professionals",
        &[
            "prof_professional_id",
            "prof_staff_id",
            "prof_professional_name",
            "prof_social_worker_registration_no",
            "prof_professional_job_title",
            "prof_professional_caseload",
            "prof_professional_department",
        ],
    ),
    (
        "ssd_department",
        &[
            "dept_team_id",
            "dept_team_name",
            "dept_team_parent_id",
            "dept_team_parent_name",
        ],
    ),
    (
        "ssd_contacts",
        &[
            "cont_contact_id",
            "cont_person_id",
            "cont_contact_date",
            "cont_contact_source_code",
            "cont_contact_outcome_json",
        ],
    ),
    (
        "ssd_cin_episodes",
        &[
            "cine_referral_id",
            "cine_person_id",
            "cine_referral_date",
            "cine_referral_outcome_json",
            "cine_referral_nfa",
            "cine_close_date",
            "cine_referral_team",
            "cine_referral_worker_id",
        ],
    ),
    (
        "ssd_cin_assessments",
        &[
            "cina_assessment_id",
            "cina_person_id",
            "cina_referral_id",
            "cina_assessment_start_date",
            "cina_assessment_child_seen",
            "cina_assessment_auth_date",
            "cina_assessment_team",
            "cina_assessment_worker_id",
        ],
    ),
    (
        "ssd_cin_plans",
        &[
            "cinp_cin_plan_id",
            "cinp_referral_id",
            "cinp_person_id",
            "cinp_cin_plan_start_date",
            "cinp_cin_plan_end_date",
            "cinp_cin_plan_team",
            "cinp_cin_plan_worker_id",
        ],
    ),
    (
        "ssd_cin_visits",
        &[
            "cinv_cin_visit_id",
            "cinv_person_id",
            "cinv_cin_visit_date",
            "cinv_cin_visit_seen",
            "cinv_cin_visit_seen_alone",
        ],
    ),
    (
        "ssd_s47_enquiry",
        &[
            "s47e_s47_enquiry_id",
            "s47e_referral_id",
            "s47e_person_id",
            "s47e_s47_start_date",
            "s47e_s47_end_date",
            "s47e_s47_nfa",
            "s47e_s47_outcome_json",
            "s47e_s47_completed_by_worker_id",
        ],
    ),
    (
        "ssd_initial_cp_conference",
        &[
            "icpc_icpc_id",
            "icpc_icpc_meeting_id",
            "icpc_s47_enquiry_id",
            "icpc_person_id",
            "icpc_cp_plan_id",
            "icpc_referral_id",
            "icpc_icpc_transfer_in",
            "icpc_icpc_target_date",
            "icpc_icpc_date",
            "icpc_icpc_outcome_cp_flag",
            "icpc_icpc_team",
            "icpc_icpc_worker_id",
        ],
    ),
    (
        "ssd_cp_plans",
        &[
            "cppl_cp_plan_id",
            "cppl_referral_id",
            "cppl_icpc_id",
            "cppl_person_id",
            "cppl_cp_plan_start_date",
            "cppl_cp_plan_end_date",
        ],
    ),
    (
        "ssd_cp_visits",
        &[
            "cppv_cp_visit_id",
            "cppv_person_id",
            "cppv_cp_plan_id",
            "cppv_cp_visit_date",
            "cppv_cp_visit_seen",
            "cppv_cp_visit_seen_alone",
        ],
    ),
    (
        "ssd_cp_reviews",
        &[
            "cppr_cp_review_id",
            "cppr_person_id",
            "cppr_cp_plan_id",
            "cppr_cp_review_due",
            "cppr_cp_review_date",
            "cppr_cp_review_meeting_id",
        ],
    ),
    (
        "ssd_cla_episodes",
        &[
            "clae_cla_episode_id",
            "clae_person_id",
            "clae_cla_episode_start_date",
            "clae_cla_episode_ceased_date",
            "clae_cla_episode_ceased_reason",
            "clae_cla_id",
            "clae_entered_care_date",
        ],
    ),
    (
        "ssd_cla_visits",
        &[
            "clav_cla_visit_id",
            "clav_cla_id",
            "clav_person_id",
            "clav_cla_visit_date",
            "clav_cla_visit_seen",
            "clav_cla_visit_seen_alone",
        ],
    ),
    (
        "ssd_cla_reviews",
        &[
            "clar_cla_review_id",
            "clar_cla_id",
            "clar_cla_person_id",
            "clar_cla_review_due_date",
            "clar_cla_review_date",
            "clar_cla_review_cancelled",
        ],
    ),
    (
        "ssd_cla_health",
        &[
            "clah_health_check_id",
            "clah_person_id",
            "clah_health_check_type",
            "clah_health_check_date",
            "clah_health_check_status",
        ],
    ),
    (
        "ssd_care_leavers",
        &[
            "clea_table_id",
            "clea_person_id",
            "clea_care_leaver_eligibility",
            "clea_care_leaver_in_touch",
            "clea_care_leaver_latest_contact",
            "clea_pathway_plan_review_date",
            "clea_care_leaver_personal_advisor",
            "clea_care_leaver_allocated_team",
            "clea_care_leaver_worker_id",
        ],
    ),
];

/// Dates and date-times (`…_date`, `…_dob`, `…_due`, the latest contact) are TIMESTAMP; the rest VARCHAR.
fn column_type(column: &str) -> &'static str {
    let dated = ["_date", "_dob", "_due"]
        .iter()
        .any(|end| column.ends_with(end))
        || column == "clea_care_leaver_latest_contact";
    if dated { "TIMESTAMP" } else { "VARCHAR(255)" }
}

/// `CREATE TABLE` for each SSD table, in schema `ssd`.
pub fn tables() -> String {
    let mut sql = String::from("CREATE SCHEMA ssd;\n");
    for (table, columns) in SSD {
        let columns: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} {}", column_type(c)))
            .collect();
        sql += &format!("CREATE TABLE ssd.{table} ({});\n", columns.join(", "));
    }
    sql
}

/// P1: a CIN plan left open when a CP plan started, a CP visit copied into ssd_cin_visits. P2: a CIN plan left open
/// when care started, a period of care over an X1 episode end, CLA visits copied into ssd_cin_visits under other
/// ids, a visit with an unknown seen flag, health checks of each kind. P5: a CIN plan. P3, P6, P9, P12: care
/// leavers (latest contact; no current eligibility; a real and a 1900 pathway plan review; qualifying). P8: looked
/// after twice, the second period still open, with a care-leaver row. P4: referral, assessments (1900
/// placeholder; foreign worker id), two S47s and ICPCs (one held, without icpc_referral_id), CP plan, visit and
/// reviews (one held).
/// P7: a contact.
pub const ROWS: &str = "
INSERT INTO ssd.ssd_professionals VALUES
  ('PR1', 'S-1', 'Wendy Okafor', 'SW0001', 'Social Worker', '12', 'North'),
  ('PR2', 'S-2', 'Pat Singh', 'SW0002', 'Practice Manager', '3', 'North');
INSERT INTO ssd.ssd_department VALUES ('T1', 'North', NULL, NULL);
INSERT INTO ssd.ssd_person VALUES
  ('P1', 'Ada', 'Example', '2015-04-01', NULL, NULL, 'UPN1', 'SU1'),
  ('P2', 'Ben', 'Example', '2012-09-09', NULL, NULL, 'UPN2', 'SU2'),
  ('P3', 'Cal', 'Example', '2007-08-15', NULL, NULL, 'UPN3', 'SU3'),
  ('P4', 'Dee', 'Example', '2018-02-02', NULL, NULL, 'UPN4', 'SU4'),
  ('P5', 'Eli', 'Example', '2017-06-06', NULL, NULL, 'UPN5', 'SU5'),
  ('P6', 'Eve', 'Example', '2005-01-01', NULL, NULL, 'UPN6', 'SU6'),
  ('P7', 'Fin', 'Example', '2016-03-03', NULL, NULL, 'UPN7', 'SU7'),
  ('P8', 'Gem', 'Example', '2010-01-01', NULL, NULL, 'UPN8', 'SU8'),
  ('P9', 'Gus', 'Example', '2008-05-20', NULL, NULL, 'UPN9', 'SU9'),
  ('P12', 'Hal', 'Example', '2006-03-10', NULL, NULL, 'UPN12', 'SU12');
-- Allocated workers: CW (and 16PLUS for care leavers). PR2's IRO involvement with P1 started later and PR2's CW
-- one has ended: neither makes PR2 P1's worker.
INSERT INTO ssd.ssd_involvements VALUES
  ('I1', 'PR1', 'CW', 'North', 'P1', '2020-01-01', NULL, NULL, NULL),
  ('I1B', 'PR2', 'IRO', 'North', 'P1', '2021-01-01', NULL, NULL, NULL),
  ('I1C', 'PR2', 'CW', 'North', 'P1', '2019-01-01', '2020-01-01', NULL, NULL),
  ('I2', 'PR1', 'CW', 'North', 'P2', '2020-01-01', NULL, NULL, NULL),
  ('I3', 'PR1', '16PLUS', 'Leaving Care', 'P3', '2020-01-01', NULL, NULL, NULL),
  ('I4', 'PR1', 'CW', 'North', 'P4', '2020-01-01', NULL, NULL, 'REF4'),
  ('I5', 'PR1', 'CW', 'North', 'P5', '2020-01-01', NULL, NULL, NULL),
  ('I8', 'PR1', 'CW', 'North', 'P8', '2019-01-01', NULL, NULL, NULL);
-- The case system left CINP1 and CINP2 open when P1's CP plan (16 February) and P2's care (2 February) began.
INSERT INTO ssd.ssd_cin_plans VALUES
  ('CINP1', NULL, 'P1', '2026-01-05', NULL, 'North', 'PR1'),
  ('CINP2', NULL, 'P2', '2026-01-05', NULL, 'North', 'PR1'),
  ('CINP5', NULL, 'P5', '2026-01-05', NULL, 'North', 'PR1');
INSERT INTO ssd.ssd_cp_plans VALUES
  ('CPP1', NULL, NULL, 'P1', '2026-02-16', NULL),
  ('CPP4', 'REF4', 'IC4', 'P4', '2026-03-20', NULL);
INSERT INTO ssd.ssd_cp_visits VALUES
  ('CN10', 'P1', 'CPP1', '2026-06-01 00:30:00', 'N', 'N'),
  ('CN41', 'P4', 'CPP4', '2026-05-26 10:00:00', 'Y', 'N');
INSERT INTO ssd.ssd_cin_visits VALUES
  ('CN50', 'P5', '2026-03-02 10:00:00', 'Y', 'Y'),
  ('CN51', 'P5', '2026-05-29 15:00:00', 'N', 'N'),
  ('CN10', 'P1', '2026-06-01 00:30:00', 'N', 'N'),
  ('CN20', 'P2', '2026-05-20 10:00:00', 'N', 'N'),
  ('CN22', 'P2', '2026-06-02 09:00:00', 'N', 'N'),
  ('CN40', 'P2', '2026-06-01 10:00:00', '?', NULL);
INSERT INTO ssd.ssd_cla_episodes VALUES
  ('E1', 'P2', '2026-02-02', '2026-03-10', 'X1', 'CLA2', '2026-02-02'),
  ('E2', 'P2', '2026-03-10', NULL, NULL, 'CLA2', '2026-02-02'),
  ('E8A', 'P8', '2019-03-01', '2020-06-30', 'E11', 'CLA8A', '2019-03-01'),
  ('E8B', 'P8', '2025-01-10', NULL, NULL, 'CLA8B', '2025-01-10');
INSERT INTO ssd.ssd_cla_visits VALUES
  ('CV20', 'CLA2', 'P2', '2026-05-20 10:00:00', 'N', 'N'),
  ('CV21', 'CLA2', 'P2', '2026-05-27 10:00:00', 'Y', 'Y'),
  ('CV22', 'CLA2', 'P2', '2026-06-02 09:00:00', 'N', 'N');
INSERT INTO ssd.ssd_cla_reviews VALUES ('CLAR1', 'CLA2', 'P2', '2026-04-10', '2026-04-09 11:00:00', 'N');
-- A review health assessment, one as an Eclipse build writes it, a dental check, a refused and a planned one.
INSERT INTO ssd.ssd_cla_health VALUES
  ('H1', 'P2', 'Review Health Assessment', '2026-04-15', 'Completed'),
  ('H2', 'P2', 'Dental Check', '2026-05-12', 'Completed'),
  ('H3', 'P2', 'HEALTH', '2026-05-20', 'Refused'),
  ('H4', 'P2', 'Health Assessment', '2026-05-28', 'Planned'),
  ('H5', 'P2', ' health assessment', '2026-03-02', 'COMPLETE');
INSERT INTO ssd.ssd_care_leavers VALUES
  ('CL3', 'P3', 'Former Relevant', 'YES', '2026-04-10', '1900-01-01', 'PA', 'Leaving Care', 'PR1'),
  ('CL6', 'P6', 'No Current Eligibility', 'NO', '2025-01-01', NULL, 'PA', 'Leaving Care', 'PR1'),
  ('CL8', 'P8', 'Eligible', 'YES', '2026-05-01', '2026-04-01', 'PA', 'Leaving Care', 'PR1'),
  ('CL9', 'P9', 'Relevant', 'YES', NULL, '2026-05-01', 'PA', 'Leaving Care', 'PR1'),
  ('CL12', 'P12', 'Qualifying', 'YES', '2026-05-01', NULL, 'PA', 'Leaving Care', 'PR1');
INSERT INTO ssd.ssd_cin_episodes VALUES
  ('REF4', 'P4', '2026-03-02 09:00:00', '{}', 'N', NULL, 'North', 'PR1');
INSERT INTO ssd.ssd_cin_assessments VALUES
  ('ASM4', 'P4', 'REF4', '2026-03-03 11:00:00', 'Y', '1900-01-01 00:00:00', 'North', 'W-OTHER-9'),
  ('ASM5', 'P4', 'REF4', '2026-03-03 12:00:00', 'Y', '2026-03-20 00:00:00', 'North', 'PR1');
-- A second enquiry (new concerns in May) going to a conference not held by 3 June. The first conference's row
-- has no icpc_referral_id: its enquiry names the referral.
INSERT INTO ssd.ssd_s47_enquiry VALUES
  ('S47A', 'REF4', 'P4', '2026-03-04 14:00:00', NULL, 'N', '{}', 'PR1'),
  ('S47B', 'REF4', 'P4', '2026-05-06 10:00:00', NULL, 'N', '{}', 'PR1');
INSERT INTO ssd.ssd_initial_cp_conference VALUES
  ('IC4', 'M4', 'S47A', 'P4', 'CPP4', NULL, 'N', '2026-03-25', '2026-03-20 10:00:00', 'Y', 'North', 'PR1'),
  ('IC5', 'M6', 'S47B', 'P4', NULL, 'REF4', 'N', '2026-06-10', NULL, NULL, 'North', 'PR1');
INSERT INTO ssd.ssd_cp_reviews VALUES
  ('CPR0', 'P4', 'CPP4', '2026-05-22', '2026-05-20 10:00:00', 'M7'),
  ('CPR1', 'P4', 'CPP4', '2026-06-15', NULL, 'M5');
INSERT INTO ssd.ssd_contacts VALUES ('CT7', 'P7', '2026-06-02 09:15:00', 'POLICE', '{}');
";
