//! `evaluate` and `check-config` over the SSD views, with the built-in rules and with contrib/ssd/rules.toml.

use super::*;

#[tokio::test]
async fn evaluate_over_the_ssd_views_gives_the_hand_worked_lines() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let config = builtin_config(dir.path(), &reader_url);

    // Wednesday 3 June 2026, 13:00 in London (BST).
    let lines = evaluate(&config, "2026-06-03T12:00:00Z").await;

    let cf = "cf-assessment-due";
    let ladder = "failed-visit-ladder";
    assert_eq!(
        lines,
        [
            // ASM4 started Tue 3 March, its authorisation date a 1900 placeholder (not completed), priority the
            // default 45 working days, its worker id from another id space (so the referral's allocated worker,
            // PR1, by the CW involvement; not PR2's IRO one). Referral Mon 2 March + 45 working days (Good Friday,
            // Easter Monday and 4 May off) = Thu 7 May: the statutory limit, from the end of that day (BST).
            told(
                cf,
                "statutory-limit",
                "ASM:ASM4",
                "2026-05-07T22:59:59Z",
                "2026-05-07T22:59:59Z",
                "team_manager"
            ),
            // PR3 has no manager: the senior manager is the fallback mailbox.
            told(
                cf,
                "statutory-limit",
                "ASM:ASM4",
                "2026-05-07T22:59:59Z",
                "2026-05-07T22:59:59Z",
                "senior_manager"
            ),
            // 3 March + 45 working days = Fri 8 May; escalated from 8 May + 5 working days = Fri 15 May.
            told(
                cf,
                "overdue",
                "ASM:ASM4",
                "2026-05-08T22:59:59Z",
                "2026-05-08T22:59:59Z",
                "worker"
            ),
            told(
                cf,
                "overdue",
                "ASM:ASM4",
                "2026-05-08T22:59:59Z",
                "2026-05-08T22:59:59Z",
                "supervisor"
            ),
            told(
                cf,
                "overdue-escalated",
                "ASM:ASM4",
                "2026-05-14T23:00:00Z",
                "2026-05-08T22:59:59Z",
                "team_manager"
            ),
            // P5's CIN plan: seen on 2 March, not seen Fri 29 May 15:00 BST; re-attempt due by Wed 3 June. P1's
            // CIN plan, which the case system left open, ended when P1's CP plan started on 16 February: P1's CP
            // visit and its copy in ssd_cin_visits (same case-note id, 1 June) start no ladder on it.
            told(
                ladder,
                "reattempt-due",
                "CIN:CINP5",
                "2026-05-29T14:00:00Z",
                "2026-06-03T22:59:59Z",
                "worker"
            ),
            // P1's CP plan: not seen at 00:30 on Mon 1 June, London time (31 May 23:30 UTC): d1 is Monday, so
            // the re-attempt is due by Thu 4 June (with UTC's Sunday it would be Wednesday).
            told(
                ladder,
                "reattempt-due",
                "CP:CPP1",
                "2026-05-31T23:30:00Z",
                "2026-06-04T22:59:59Z",
                "worker"
            ),
            // P2's period of care goes on past the X1 episode end of 10 March; seen 27 May, not seen Tue 2 June
            // 09:00 BST: due by Fri 5 June. P2's CIN plan ended when care began (2 February): the copies of the
            // CLA visits in ssd_cin_visits start no ladder on it.
            told(
                ladder,
                "reattempt-due",
                "CLA:CLA2",
                "2026-06-02T08:00:00Z",
                "2026-06-05T22:59:59Z",
                "worker"
            ),
            // Care leaver CL3 (Former Relevant), latest contact Fri 10 April: KIT due 10 June, reminded from 10
            // working days before, Wed 27 May (allocated by the 16PLUS involvement). CL6 has no current
            // eligibility, so no case; P8 (CL8) is looked after again, so no care-leaver case; CL12 is qualifying,
            // whom R5 does not watch; CL9's case opened on their 18th birthday, 20 May: KIT due 20 July.
            told(
                "kit-visit-due",
                "upcoming",
                "CL:CL3",
                "2026-05-26T23:00:00Z",
                "2026-06-10T22:59:59Z",
                "worker"
            ),
        ]
    );
}

#[tokio::test]
async fn check_config_passes_on_the_ssd_views() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let config = builtin_config(dir.path(), &reader_url);

    let (code, stdout, stderr) = casewatch(&["check-config", config.to_str().unwrap()]).await;

    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("ok   case schema: all six tables have every column"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "ok   staff directory: 3 people in the file: 2 also in the case database's staff, 1 only in the \
             file; 0 in the case database only"
        ),
        "{stdout}"
    );
}

/// The pack rules of contrib/ssd/rules.toml, reading the SPEC 8.1 views through casewatch's own reader.
#[tokio::test]
async fn the_pack_rules_the_ssd_feeds_read_its_events_meetings_and_records() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let rules = format!(
        "files = [\"{}\"]\ndisabled = [{NOT_ON_THE_SSD}]",
        ssd_rules_file()
    );
    let config = write_config(dir.path(), &reader_url, &rules);

    let lines = evaluate(&config, "2026-06-03T12:00:00Z").await;

    let packs = [
        "icpc-within-15wd-of-strategy",
        "pathway-plan-6-monthly",
        "hv-rha-5plus",
    ];
    let lines: Vec<Line> = lines
        .into_iter()
        .filter(|l| packs.contains(&l.0.as_str()))
        .collect();
    let (icpc, pathway) = (packs[0], packs[1]);
    let mut expected = Vec::new();
    // P8's second period of care began Fri 10 January 2025 and holds no health assessment: the review health
    // assessment was due 12 months on, Sat 10 January 2026 (GMT), escalated from 5 working days later, Fri 16
    // January. P2's last one (H1, 15 April 2026; not the dental check of 12 May) is due again in April 2027.
    expected.extend(ladder(
        "hv-rha-5plus",
        "CLA:CLA8B",
        "2026-01-10T23:59:59Z",
        "2026-01-16T00:00:00Z",
    ));
    // CL12 is a qualifying care leaver, who has no pathway plan: no line, though their case opened on their 18th
    // birthday (10 March 2024) and holds none.
    // CL3's only pathway plan review is a 1900 placeholder: the clock runs from the case's opening, their 18th
    // birthday (15 August 2025), so the plan was due by 15 February 2026 (GMT), escalated from 5 working days
    // later, Fri 20 February.
    expected.extend(ladder(
        pathway,
        "CL:CL3",
        "2026-02-15T23:59:59Z",
        "2026-02-20T00:00:00Z",
    ));
    // The second enquiry's strategy discussion on Wed 6 May: its ICPC was due within 15 working days (25 May a
    // bank holiday), by Thu 28 May, and is not held; escalated only from Thu 4 June. The first ICPC was held in
    // time (20 March, 12 working days after the strategy discussion of Wed 4 March): its row has no
    // icpc_referral_id, and it counts on the referral its enquiry names.
    let [_, worker, supervisor] = ladder(
        icpc,
        "ICPCREQ:IC5",
        "2026-05-28T22:59:59Z",
        "2026-06-03T23:00:00Z",
    );
    expected.extend([worker, supervisor]);
    assert_eq!(lines, expected);

    let (code, stdout, stderr) = casewatch(&["check-config", config.to_str().unwrap()]).await;
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "ok   case schema: all six tables and case_events, meetings, records (read by the enabled rules) \
             have every column"
        ),
        "{stdout}"
    );
}

/// README, "Role codes": with LCS's codes on a build that writes others, no involvement matches and every notice
/// goes to the fallback mailbox; `check-config` says so, for all cases at once or for a kind at a time.
#[tokio::test]
async fn check_config_warns_when_the_role_codes_match_no_involvement() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let config = builtin_config(dir.path(), &reader_url);
    let config = config.to_str().unwrap();
    let fix = "set cases.allocated_worker_id; over the SSD views, your build's role codes in \
               casewatch_ssd.allocation_roles (contrib/ssd/README.md, Role codes)";
    let mut admin = PgConnection::connect(db.url()).await.unwrap();

    // LCS's codes match data.rs's involvements: every CIN, CP, CLA and care-leaver case has someone (P7's
    // contact has no one, as contacts may not).
    assert_eq!(allocation_lines(config).await, Vec::<String>::new());

    // No personal adviser code: the three care leavers (CL3, CL9, CL12) have no one.
    run(
        &mut admin,
        "DELETE FROM casewatch_ssd.allocation_roles WHERE role_code = '16PLUS'",
    )
    .await;
    assert_eq!(
        allocation_lines(config).await,
        [format!(
            "warn allocated workers: none of the 3 CARE_LEAVER cases names one: their notices go to the \
             fallback mailbox; {fix}"
        )]
    );

    // An Eclipse build's codes, none of them LCS's: none of the 13 cases (1 referral, 3 CIN plans, 2 CP plans, 3
    // periods of care, 3 care leavers, 1 contact) has anyone.
    run(
        &mut admin,
        "UPDATE ssd.ssd_involvements SET invo_professional_role_id = 'ALLOCSW'",
    )
    .await;
    assert_eq!(
        allocation_lines(config).await,
        [format!(
            "warn allocated workers: none of the 13 cases names one: every notice to a worker, and so to their \
             managers, goes to the fallback mailbox; {fix}"
        )]
    );
    admin.close().await.unwrap();
}

/// `check-config`'s lines about allocated workers; it passes, warnings and all.
async fn allocation_lines(config: &str) -> Vec<String> {
    let (code, stdout, _) = casewatch(&["check-config", config]).await;
    assert_eq!(code, 0, "{stdout}");
    stdout
        .lines()
        .filter(|l| l.contains("allocated workers: "))
        .map(str::to_owned)
        .collect()
}
