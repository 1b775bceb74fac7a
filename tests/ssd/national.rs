//! The configuration contrib/ssd/README.md leads with — the `national` pack, the SSD's rules file, R1, R2 and R6
//! off — over the views; and the health checks the Havering pack's upload rule must not read.

use super::*;

/// Each national rule's lines, worked from the pack's words (config/rules/packs/national.toml) and the calendar:
/// England and Wales bank holidays 2026 (Good Friday 3 April, Easter Monday 6 April, 4 and 25 May), BST from
/// 29 March. Every obligation here uses the common ladder of an `every` rule (SPEC 8.4): a reminder to the worker
/// from the start of the 5th working day before the due date, overdue from the end of the due date, escalated
/// from the start of the 5th working day after it.
#[tokio::test]
async fn the_national_pack_runs_on_the_ssd_views_with_hand_worked_dates() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let rules = format!(
        "packs = [\"national\"]\nfiles = [\"{}\"]\ndisabled = [{NOT_ON_THE_SSD}]",
        ssd_rules_file()
    );
    let config = write_config(dir.path(), &reader_url, &rules);

    // Wednesday 3 June 2026, 13:00 in London.
    let lines: Vec<Line> = evaluate(&config, "2026-06-03T12:00:00Z")
        .await
        .into_iter()
        .filter(|l| l.0.starts_with("national-"))
        .collect();

    let mut expected = Vec::new();
    // national-cla-visits, P8's second period of care (opened Fri 10 January 2025, no visit since): the views
    // hold no placement_started event, so the placement is the period of care; "within one week of the start of
    // any placement": 10 + 7 days = Fri 17 January 2025 (GMT); escalated from Mon 20, 21, 22, 23, Fri 24 January.
    expected.extend(ladder(
        "national-cla-visits",
        "CLA:CLA8B",
        "2025-01-17T23:59:59Z",
        "2025-01-24T00:00:00Z",
    ));
    // national-cla-reviews, the same period: "within 20 working days of the date on which C becomes looked
    // after" (its became_looked_after event), no review held: 13-17, 20-24, 27-31 January, 3-7 February = Fri
    // 7 February 2025; escalated from Fri 14 February.
    expected.extend(ladder(
        "national-cla-reviews",
        "CLA:CLA8B",
        "2025-02-07T23:59:59Z",
        "2025-02-14T00:00:00Z",
    ));
    // national-cp-visits, P1's CP plan (opened Mon 16 February 2026; its only visit, 1 June, child not seen):
    // every 10 working days since the case opened: 17-20, 23-27 February, Mon 2 March (GMT); escalated from 3,
    // 4, 5, 6, Mon 9 March.
    expected.extend(ladder(
        "national-cp-visits",
        "CP:CPP1",
        "2026-03-02T23:59:59Z",
        "2026-03-09T00:00:00Z",
    ));
    // national-cin-visits, P5's CIN plan: last seen Mon 2 March; 20 working days: 3-6, 9-13, 16-20, 23-27 March,
    // Mon 30 March (BST since the 29th); escalated from Tue 31 March, 1, 2, (3 and 6 April bank holidays) 7, Wed
    // 8 April. P1's and P2's CIN plans, left open in the SSD, ended when the CP plan and care began: no line.
    expected.extend(ladder(
        "national-cin-visits",
        "CIN:CINP5",
        "2026-03-30T22:59:59Z",
        "2026-04-07T23:00:00Z",
    ));
    // national-cp-reviews, P1's CP plan: "within 3 months of the initial conference"; the views put the ICPC on
    // the referral's case, so the clock runs from the plan's start, 16 February: Sat 16 May (BST); escalated from
    // Mon 18, 19, 20, 21, Fri 22 May. P4's plan held its first review on 20 May: the next within 6 months.
    expected.extend(ladder(
        "national-cp-reviews",
        "CP:CPP1",
        "2026-05-16T22:59:59Z",
        "2026-05-21T23:00:00Z",
    ));
    // national-cp-visits, P4's CP plan: seen Tue 26 May; 10 working days: 27-29 May, 1-5, 8, Tue 9 June (BST).
    // The reminder, to the worker, from 5 working days before: 8, 5, 4, 3, Tue 2 June.
    expected.push(told(
        "national-cp-visits",
        "due-soon",
        "CP:CPP4",
        "2026-06-01T23:00:00Z",
        "2026-06-09T22:59:59Z",
        "worker",
    ));
    // Not due yet: P2's period of care, visited (child seen) Wed 27 May, next visit by 8 July (6 weeks), reminded
    // from 1 July; first review held 9 April, the second due 3 months on, 9 July. national-cla-visits-long-term
    // never applies: it needs a placement_started event marked long_term.
    assert_eq!(lines, expected);
}

/// Havering's `hv-rha-upload` counts 72 hours from a health assessment's `about_at` to its upload. A planned,
/// refused or dental check took place as no health assessment: it must start no such clock.
#[tokio::test]
async fn planned_refused_and_dental_checks_start_no_health_assessment_upload() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let rules = format!("packs = [\"havering\"]\ndisabled = [{NOT_ON_THE_SSD}]");
    let config = write_config(dir.path(), &reader_url, &rules);

    // Wed 3 June 2026: 72 hours after the planned check of 28 May and the refused one of 20 May have passed.
    let lines = evaluate(&config, "2026-06-03T12:00:00Z").await;

    // H1 and H5 took place and are recorded on the day they took place: done at once. H2 (dental), H3 (refused)
    // and H4 (planned) are no records at all.
    let upload: Vec<&Line> = lines.iter().filter(|l| l.0 == "hv-rha-upload").collect();
    assert_eq!(upload, Vec::<&Line>::new());
    // The evaluation did watch P2's period of care for health assessments: a line of another Havering rule on it.
    assert!(lines.iter().any(|l| l.2 == "CLA:CLA2"), "{lines:?}");
}
