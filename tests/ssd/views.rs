//! The rows the SSD views make of `data.rs`, read as casewatch's login reads them.

use super::*;

#[tokio::test]
async fn the_ssd_supplies_events_meetings_and_records() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;

    let events = rows(
        &reader_url,
        &format!(
            "SELECT event_id, case_id, kind, {}, staff_id, detail FROM case_events ORDER BY event_id COLLATE \"C\"",
            utc("occurred_at")
        ),
    )
    .await;
    assert_eq!(
        events,
        [
            // Entered care Mon 2 February (GMT): the start of that day. P8 entered care twice.
            row("CLA:CLA2|CLA:CLA2|became_looked_after|2026-02-02T00:00:00Z|-|-"),
            row("CLA:CLA8A|CLA:CLA8A|became_looked_after|2019-03-01T00:00:00Z|-|-"),
            row("CLA:CLA8B|CLA:CLA8B|became_looked_after|2025-01-10T00:00:00Z|-|-"),
            // 09:15 BST.
            row("CON:CT7|CON:CT7|contact_received|2026-06-02T08:15:00Z|-|POLICE"),
            // At the ICPC that made the plan, 20 March 10:00 GMT.
            row("CPSTART:IC4|CP:CPP4|cp_plan_started|2026-03-20T10:00:00Z|-|-"),
            // At the strategy discussion that started each enquiry (its S47 start): 4 March 14:00 GMT, 6 May
            // 10:00 BST.
            row("ICPCREQ:IC4|REF:REF4|icpc_required|2026-03-04T14:00:00Z|-|-"),
            row("ICPCREQ:IC5|REF:REF4|icpc_required|2026-05-06T09:00:00Z|-|-"),
            row("REF:REF4|REF:REF4|referral_received|2026-03-02T09:00:00Z|-|-"),
        ]
    );

    let meetings = rows(
        &reader_url,
        &format!(
            "SELECT meeting_id, case_id, kind, {}, {}, cancelled::text FROM meetings ORDER BY meeting_id COLLATE \"C\"",
            utc("scheduled_at"),
            utc("held_at")
        ),
    )
    .await;
    assert_eq!(
        meetings,
        [
            // Held 9 April 11:00 BST, a day before it was due.
            row("CLAR:CLAR1|CLA:CLA2|cla_review|2026-04-09T10:00:00Z|2026-04-09T10:00:00Z|false"),
            // Held Wed 20 May, 10:00 BST.
            row("CPR:CPR0|CP:CPP4|rcpc|2026-05-20T09:00:00Z|2026-05-20T09:00:00Z|false"),
            // Not held yet: scheduled on its due date, 15 June (BST), from the start of that day.
            row("CPR:CPR1|CP:CPP4|rcpc|2026-06-14T23:00:00Z|-|false"),
            // IC4's row has no icpc_referral_id: the referral of its enquiry (S47A), as for its icpc_required.
            row("ICPC:IC4|REF:REF4|icpc|2026-03-20T10:00:00Z|2026-03-20T10:00:00Z|false"),
            // Not held yet: scheduled on its target date, 10 June.
            row("ICPC:IC5|REF:REF4|icpc|2026-06-09T23:00:00Z|-|false"),
            row("S47:S47A|REF:REF4|strategy|2026-03-04T14:00:00Z|2026-03-04T14:00:00Z|false"),
            row("S47:S47B|REF:REF4|strategy|2026-05-06T09:00:00Z|2026-05-06T09:00:00Z|false"),
        ]
    );

    let records = rows(
        &reader_url,
        &format!(
            "SELECT record_id, case_id, kind, {}, {} FROM records ORDER BY record_id COLLATE \"C\"",
            utc("about_at"),
            utc("completed_at")
        ),
    )
    .await;
    assert_eq!(
        records,
        [
            // Health assessments that took place: H1, and H5 as an Eclipse build writes it (type in another case,
            // status COMPLETE). Not H2, a dental check though completed; not H3 (refused) nor H4 (planned).
            row("HEALTH:H1|CLA:CLA2|health_assessment|2026-04-14T23:00:00Z|2026-04-14T23:00:00Z"),
            row("HEALTH:H5|CLA:CLA2|health_assessment|2026-03-02T00:00:00Z|2026-03-02T00:00:00Z"),
            // CL3's review date is a 1900 placeholder: no pathway plan record; CL9's is 1 May (BST). CL8's is on
            // no case: P8 is looked after again.
            row("PATHWAY:CL9|CL:CL9|pathway_plan|2026-04-30T23:00:00Z|2026-04-30T23:00:00Z"),
        ]
    );
}

#[tokio::test]
async fn cin_plans_end_at_a_cp_plan_or_care_and_care_leavers_begin_after_the_last_period_of_care() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;

    let cases = rows(
        &reader_url,
        "SELECT case_id, opened_on::text, closed_on::text, care_leaver_category FROM cases \
         WHERE case_type IN ('CIN', 'CLA', 'CARE_LEAVER') ORDER BY case_id COLLATE \"C\"",
    )
    .await;
    assert_eq!(
        cases,
        [
            // Left open in the SSD: ended on the day P1's CP plan started, and the day P2 became looked after.
            row("CIN:CINP1|2026-01-05|2026-02-16|-"),
            row("CIN:CINP2|2026-01-05|2026-02-02|-"),
            row("CIN:CINP5|2026-01-05|-|-"),
            // No period of care in the SSD: from the 18th birthday (10 March 2006, 15 August 2007, 20 May 2008).
            row("CL:CL12|2024-03-10|-|qualifying"),
            row("CL:CL3|2025-08-15|-|former_relevant"),
            row("CL:CL9|2026-05-20|-|relevant"),
            // P8 was looked after in 2019-2020 and again since January 2025: no care-leaver case while the second
            // period is open, not one from 30 June 2020 (when P8 was 10).
            row("CLA:CLA2|2026-02-02|-|-"),
            row("CLA:CLA8A|2019-03-01|2020-06-30|-"),
            row("CLA:CLA8B|2025-01-10|-|-"),
        ]
    );

    let visits = rows(
        &reader_url,
        &format!(
            "SELECT visit_id, case_id, visit_type, {}, child_seen::text FROM visits ORDER BY visit_id COLLATE \"C\"",
            utc("visit_at")
        ),
    )
    .await;
    assert_eq!(
        visits,
        [
            row("CINV:CN50|CIN:CINP5|statutory|2026-03-02T10:00:00Z|true"),
            row("CINV:CN51|CIN:CINP5|statutory|2026-05-29T14:00:00Z|false"),
            // Not CN20 and CN22 from ssd_cin_visits (copies of CV20 and CV22: same child, same day), nor CN40
            // (seen flag `?`).
            row("CLAV:CV20|CLA:CLA2|statutory|2026-05-20T09:00:00Z|false"),
            row("CLAV:CV21|CLA:CLA2|statutory|2026-05-27T09:00:00Z|true"),
            row("CLAV:CV22|CLA:CLA2|statutory|2026-06-02T08:00:00Z|false"),
            // Once, though ssd_cin_visits holds it too under the same id.
            row("CPV:CN10|CP:CPP1|statutory|2026-05-31T23:30:00Z|false"),
            row("CPV:CN41|CP:CPP4|statutory|2026-05-26T09:00:00Z|true"),
            // The latest contacts, 1 May and 10 April (BST); not CL8's (no care-leaver case) nor CL6's.
            row("KIT:CL12|CL:CL12|kit|2026-04-30T23:00:00Z|true"),
            row("KIT:CL3|CL:CL3|kit|2026-04-09T23:00:00Z|true"),
        ]
    );
}
