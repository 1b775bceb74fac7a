//! `casewatch explain`: every obligation of a case — the visit note, the assessment, the failed-visit ladder, a care
//! leaver's keep-in-touch visits and birthday windows, and a pack rule after an event — with its anchors, stage
//! states, who an active stage tells and what was sent; expected values worked out by hand from the rules and the
//! calendar.

#[path = "support/mod.rs"]
mod support;

#[path = "scenarios/county.rs"]
#[allow(dead_code)]
mod county;

use std::process::Command;

use casewatch::model::{CareLeaverCategory, VisitType};
use support::TestDb;
use support::fixtures::{date, eml_texts, event, file_outbox_config};

/// Thursday 12 March 2026, 09:00 GMT.
const THURSDAY: &str = "2026-03-12T09:00:00Z";

fn casewatch(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// The block of `explain`'s output for one rule and subject.
fn block<'t>(text: &'t str, heading: &str) -> &'t str {
    text.split("\n\n")
        .find(|b| b.starts_with(heading))
        .unwrap_or_else(|| panic!("no `{heading}` in:\n{text}"))
}

/// The county (C42's failed visit on Monday 2 March, C43's visit note of Monday 9th, C42's assessment A1 started
/// Friday 27 February with priority 10), a strategy discussion needed on C42 at 15:20 on Tuesday 10 March, and a
/// care leaver (C50, born 20 April 2008, eligible) last seen on a keep-in-touch visit on Thursday 15 January.
async fn load(db: &TestDb) {
    let source = db.migrated_source().await;
    county::load_county(&source).await;
    let loader = source.loader();
    loader
        .insert(&[event(
            "E1",
            "C42",
            "strategy_needed",
            "2026-03-10T15:20:00Z",
        )])
        .await
        .unwrap();
    let mut young_person = county::child("K50", "LL-100050");
    young_person.date_of_birth = Some(date("2008-04-20"));
    loader.insert(&[young_person]).await.unwrap();
    let mut leaving_care = county::case("C50", "K50", "W42", "CARE_LEAVER");
    leaving_care.care_leaver_category = Some(CareLeaverCategory::Eligible);
    loader.insert(&[leaving_care]).await.unwrap();
    let mut kit = county::visit("V50", "C50", "2026-01-15T11:00:00Z", true);
    kit.visit_type = VisitType::Kit;
    loader.insert(&[kit]).await.unwrap();
}

#[tokio::test]
async fn every_kind_of_obligation_with_its_anchors_states_recipients_and_what_was_sent() {
    let db = TestDb::sqlite().await;
    load(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("casewatch.toml");
    let text = file_outbox_config(db.url(), dir.path(), "[rules]\npacks = [\"lcs\"]");
    std::fs::write(&config, text).unwrap();
    let config = config.to_str().unwrap();

    // Before any pass there is no state database: explain says so and creates none.
    let (ok, text, err) = casewatch(&[
        "explain", "--config", config, "--case", "C42", "--at", THURSDAY,
    ]);
    assert!(ok, "{err}");
    assert!(
        text.contains("  sent: nothing: casewatch's state database does not exist yet\n"),
        "{text}"
    );
    assert!(!dir.path().join("state.db").exists());

    let (ok, _, err) = casewatch(&["tick", "--config", config, "--at", THURSDAY]);
    assert!(ok, "{err}");
    let (ok, text, err) = casewatch(&[
        "explain", "--config", config, "--case", "C42", "--at", THURSDAY,
    ]);
    assert!(ok, "{err}");
    assert!(
        text.starts_with(
            "Case C42 (LL-100042): CP, opened Mon 2 Jun 2025; allocated worker W42.\n"
        ),
        "{text}"
    );
    assert!(!text.contains("Fictional"), "no child's name: {text}");

    // The ladder: F1 Monday 2 March 10:00; the re-attempt was due by the end of the 3rd working day after (Thursday
    // 5th); ten days after the failure is Thursday 12th (due the next working day), two weeks Monday 16th.
    let ladder = block(
        &text,
        "failed-visit-ladder (default): Failed statutory visits, subject C42",
    );
    assert!(ladder.contains(
        "  anchors: F1 (the first failed visit) = Mon 2 Mar 2026, 10:00; F2 (the second failed visit) = not \
         recorded; d1 (the day of the first failed visit) = Mon 2 Mar 2026; ten_days (10 days after the first failed \
         visit) = Thu 12 Mar 2026; two_weeks (14 days after the first failed visit) = Mon 16 Mar 2026\n"
    ), "{ladder}");
    assert!(
        ladder.contains("  evidence: visited again no; escalation recorded no\n"),
        "{ladder}"
    );
    let lines: Vec<&str> = ladder.lines().filter(|l| l.starts_with("  - ")).collect();
    assert_eq!(
        lines,
        [
            "  - reattempt-due (reminder, \"Re-attempt the visit\"): from Mon 2 Mar 2026, 10:00, due Thu 5 Mar 2026, 23:59: lapsed at its due time",
            "  - reattempt-overdue (breach, \"Re-attempt overdue\"): from Thu 5 Mar 2026, 23:59, due Thu 5 Mar 2026, 23:59: ACTIVE: tells worker W42 <w42@example.org>, practice manager P4 <pm4@example.org>",
            "  - escalate-to-practice-manager (escalation, \"Second failed visit: practice manager to decide\"): no times: does not exist: a time it reads is not recorded",
            "  - escalate-to-team-manager (escalation, \"Not seen for 10 days: team manager to decide\"): from Thu 12 Mar 2026, 00:00, due Fri 13 Mar 2026, 23:59: ACTIVE: tells team manager S7 <tm7@example.org>",
            "  - escalate-to-senior-manager (escalation, \"Not seen for two weeks: senior manager to decide\"): from Mon 16 Mar 2026, 00:00, due Tue 17 Mar 2026, 23:59: not yet",
        ]
    );
    let sent: Vec<&str> = ladder
        .lines()
        .filter(|l| l.starts_with("  sent: "))
        .collect();
    assert_eq!(sent.len(), 3, "{ladder}");
    for (stage, to, roles) in [
        ("reattempt-overdue", "w42@example.org", "worker"),
        ("reattempt-overdue", "pm4@example.org", "supervisor"),
        (
            "escalate-to-team-manager",
            "tm7@example.org",
            "team_manager",
        ),
    ] {
        let line = format!("  sent: {stage} to {to} ({roles}) by email: message #");
        let found = sent
            .iter()
            .find(|l| l.starts_with(&line))
            .unwrap_or_else(|| panic!("{line} in {sent:?}"));
        assert!(found.ends_with(", sent Thu 12 Mar 2026, 09:00"), "{found}");
    }

    // The assessment: started Friday 27 February, priority 10: due by the end of Friday 13 March (the 10th working
    // day after); "set priority" from the 5th working day (Friday 6th). No referral date: no 45-day limit.
    let assessment = block(
        &text,
        "cf-set-priority (default): C&F, please set priority, subject A1",
    );
    assert!(
        assessment.contains("  evidence: completed no; priority set no\n"),
        "{assessment}"
    );
    assert!(assessment.contains(
        "  - set-priority (warning, \"Set the priority\"): from Fri 6 Mar 2026, 00:00, due Fri 13 Mar 2026, 23:59: ACTIVE: tells practice manager P4 <pm4@example.org>"
    ), "{assessment}");
    let due = block(
        &text,
        "cf-assessment-due (default): C&F assessment due, subject A1",
    );
    assert!(
        due.contains(
            "X (the day the assessment started plus the assessment's priority in working days) = Fri 13 Mar 2026"
        ),
        "{due}"
    );
    assert!(due.contains("  - upcoming (reminder, \"Due soon\"): from Tue 10 Mar 2026, 00:00, due Fri 13 Mar 2026, 23:59: ACTIVE: tells worker W42 <w42@example.org>"), "{due}");
    assert!(due.contains("  - statutory-limit (escalation, \"Past 45 working days from referral\"): no times: does not exist"), "{due}");

    // A pack rule after an event: the strategy discussion was due 24 hours after 15:20 on Tuesday 10th.
    let strategy = block(
        &text,
        "strategy-discussion-held (lcs): Strategy discussion to be held, subject E1",
    );
    assert!(strategy.contains("  evidence: done no\n"), "{strategy}");
    assert!(strategy.contains(
        "  - overdue (breach, \"Overdue\"): from Wed 11 Mar 2026, 15:20, due Wed 11 Mar 2026, 15:20: ACTIVE: tells worker W42 <w42@example.org>, practice manager P4 <pm4@example.org>"
    ), "{strategy}");
    assert!(
        strategy.contains("  - escalated (escalation, \"Escalated\"): from Wed 18 Mar 2026, 00:00"),
        "{strategy}"
    );

    // The visit note on C43 (another case) is not C42's.
    assert!(!text.contains("subject V9"), "{text}");
    let (ok, text, err) = casewatch(&[
        "explain", "--config", config, "--case", "C43", "--at", THURSDAY,
    ]);
    assert!(ok, "{err}");
    // Note started Monday 9 March: comments due by the end of the 5th working day after (Monday 16th), the
    // reminder from the 3rd (Thursday 12th).
    let note = block(
        &text,
        "statutory-visit-oversight (default): Statutory visit note awaiting manager's comments, subject V9",
    );
    assert!(note.contains("  anchors: visit (the visit) = Mon 9 Mar 2026, 10:00; note_created (the time the visit's case note was started) = Mon 9 Mar 2026, 14:00; D (the day the visit's case note was started) = Mon 9 Mar 2026; X (the 5th working day after the day the visit's case note was started) = Mon 16 Mar 2026\n"), "{note}");
    assert!(note.contains("  - upcoming (reminder, \"Manager's comments due soon\"): from Thu 12 Mar 2026, 00:00, due Mon 16 Mar 2026, 23:59: ACTIVE: tells worker W42 <w42@example.org>, practice manager P4 <pm4@example.org>"), "{note}");
    assert!(note.contains("  - due-today (warning, \"Manager's comments due today\"): from Mon 16 Mar 2026, 00:00, due Mon 16 Mar 2026, 23:59: not yet"), "{note}");

    // The care leaver: last seen Thursday 15 January, so due two months on (Sunday 15 March), the reminder from
    // the 10th working day before (Monday 2 March). Her 18th birthday (Monday 20 April 2026) has its SSDA903
    // window two months either side; the January visit is outside it, so there is nothing to tick.
    let (ok, text, err) = casewatch(&[
        "explain", "--config", config, "--case", "C50", "--at", THURSDAY,
    ]);
    assert!(ok, "{err}");
    let kit = block(
        &text,
        "kit-visit-due (default): Care leaver keep-in-touch visit due, subject C50",
    );
    assert!(kit.contains("  anchors: last_contact (the day of the last contact) = Thu 15 Jan 2026; opened (the day the case opened) = Mon 2 Jun 2025; X (2 months after the last contact) = Sun 15 Mar 2026\n"), "{kit}");
    assert!(kit.contains("  - upcoming (reminder, \"Keep-in-touch visit due soon\"): from Mon 2 Mar 2026, 00:00, due Sun 15 Mar 2026, 23:59: ACTIVE: tells worker W42 <w42@example.org>"), "{kit}");
    let window = text
        .split("\n\n")
        .find(|b| {
            b.starts_with("kit-ssda903-window (default)")
                && b.contains("birthday (the birthday) = Mon 20 Apr 2026")
        })
        .unwrap_or_else(|| panic!("no 18th birthday window in:\n{text}"));
    assert!(
        window.contains("window_end (the day the birthday window closes) = Sat 20 Jun 2026"),
        "{window}"
    );
    assert!(window.contains("  - tick-ssda903 (warning, \"Record the visit in the SSDA903\"): no times: does not apply: needs unticked visit"), "{window}");
    assert!(
        window.contains(
            "  - window-closing (warning, \"No visit in the SSDA903 birthday window yet\"): from "
        ),
        "{window}"
    );

    let (ok, _, err) = casewatch(&[
        "explain", "--config", config, "--case", "C99", "--at", THURSDAY,
    ]);
    assert!(!ok);
    assert!(
        err.contains("case `C99` is not in the case database as of 2026-03-12"),
        "{err}"
    );
}

/// The other shapes of pack rule: `every` (a child protection visit, counted from the last visit with the child
/// seen), `before-meeting` (the social worker's report for a conference not yet held) and `by-age` (a care
/// leaver's needs assessment at 18). Expected times worked out by hand on the England and Wales calendar.
#[tokio::test]
async fn pack_rules_of_every_shape_with_their_times_and_states() {
    let db = TestDb::sqlite().await;
    load(&db).await;
    let source = db.migrated_source().await;
    let loader = source.loader();
    loader
        .insert(&[county::child("K60", "LL-100060")])
        .await
        .unwrap();
    loader
        .insert(&[county::case("C60", "K60", "W42", "CP")])
        .await
        .unwrap();
    // Seen on Monday 2 March; a visit on Tuesday 10th where the child was not seen does not count.
    let seen = county::visit("V60", "C60", "2026-03-02T10:00:00Z", true);
    let not_seen = county::visit("V61", "C60", "2026-03-10T10:00:00Z", false);
    loader.insert(&[seen, not_seen]).await.unwrap();
    // An initial conference planned for Tuesday 17 March, 14:00 GMT.
    loader
        .insert(&[support::fixtures::meeting(
            "M60",
            "C60",
            "icpc",
            "2026-03-17T14:00:00Z",
        )])
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("casewatch.toml");
    std::fs::write(
        &config,
        format!(
            "[source]\nurl = \"{}\"\n[state]\nurl = \"sqlite://{}/state.db\"\n[notify]\n\
             fallback_address = \"ops@example.org\"\n[rules]\npacks = [\"havering\", \"national\"]\n",
            db.url(),
            dir.path().display()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();

    let (ok, text, err) = casewatch(&[
        "explain", "--config", config, "--case", "C60", "--at", THURSDAY,
    ]);
    assert!(ok, "{err}");
    // Every 10 working days from the visit of Monday 2 March: the 10th working day after is Monday 16th; the
    // reminder from the 5th working day before that, Monday 9th.
    let visits = block(
        &text,
        "national-cp-visits (national): Statutory visit to a child on a child protection plan, subject C60",
    );
    assert!(visits.contains(
        "  - due-soon (reminder, \"Due soon\"): from Mon 9 Mar 2026, 00:00, due Mon 16 Mar 2026, 23:59: ACTIVE: tells worker W42 <w42@example.org>"
    ), "{visits}");
    assert!(
        visits.contains("  - overdue (breach, \"Overdue\"): from Mon 16 Mar 2026, 23:59"),
        "{visits}"
    );
    // The report is due 24 hours before the conference (Monday 16th, 14:00); the reminder from the start of the
    // 3rd working day before Monday 16th, Wednesday 11th.
    let report = block(
        &text,
        "icpc-report (havering): Initial child protection conference: social worker's report, subject M60",
    );
    assert!(report.contains(
        "  - due-soon (reminder, \"Due soon\"): from Wed 11 Mar 2026, 00:00, due Mon 16 Mar 2026, 14:00: ACTIVE: tells worker W42 <w42@example.org>"
    ), "{report}");
    assert!(
        report.contains("  - overdue (breach, \"Overdue\"): from Mon 16 Mar 2026, 14:00"),
        "{report}"
    );

    // C50's young person is 18 on Monday 20 April 2026. The 35th working day after, passing the bank holidays of
    // Monday 4 May and Monday 25 May, is Wednesday 10 June; the reminder from the 20th working day before that,
    // Tuesday 12 May. On 12 March neither has begun.
    let (ok, text, err) = casewatch(&[
        "explain", "--config", config, "--case", "C50", "--at", THURSDAY,
    ]);
    assert!(ok, "{err}");
    let needs = block(
        &text,
        "hv-cl-needs (havering): Care leaver's needs assessment at 18, subject C50",
    );
    assert!(needs.contains(
        "  - due-soon (reminder, \"Due soon\"): from Tue 12 May 2026, 00:00, due Wed 10 Jun 2026, 23:59: not yet"
    ), "{needs}");
    assert!(
        needs.contains("  - overdue (breach, \"Overdue\"): from Wed 10 Jun 2026, 23:59"),
        "{needs}"
    );
}

/// `[notify.role_labels]`: an authority that calls its practice managers "supervisors" reads that word in
/// `explain`, in the email a breach sends and in who-was-told lines; a key that is no role is refused by name.
#[tokio::test]
async fn role_labels_name_the_roles_in_the_authority_s_words() {
    let db = TestDb::sqlite().await;
    load(&db).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("casewatch.toml");
    let text = |labels: &str| {
        file_outbox_config(
            db.url(),
            dir.path(),
            &format!("[notify.role_labels]\n{labels}"),
        )
    };
    std::fs::write(&config, text("practice_lead = \"practice lead\"")).unwrap();
    let path = config.to_str().unwrap();
    let (ok, out, err) = casewatch(&["check-config", "--config", path]);
    assert!(!ok);
    assert!(
        format!("{out}{err}").contains("configuration key `notify.role_labels.practice_lead`"),
        "the unknown key is named: {out}{err}"
    );

    std::fs::write(&config, text("supervisor = \"supervisor\"")).unwrap();
    let (ok, text, err) = casewatch(&[
        "explain", "--config", path, "--case", "C42", "--at", THURSDAY,
    ]);
    assert!(ok, "{err}");
    // The failed visit's re-attempt was due by the end of Thursday 5 March: W42 and their manager P4 are told.
    assert!(
        text.contains(
            "ACTIVE: tells worker W42 <w42@example.org>, supervisor P4 <pm4@example.org>"
        ),
        "{text}"
    );
    // (The rules' own stage labels keep their words: "Second failed visit: practice manager to decide".)
    assert!(!text.contains("practice manager P4"), "{text}");
    // From Tuesday 3rd (the first pass: what was due before it is the go-live backlog, told to no one), Friday
    // 6th: the breach goes to P4 at once; Thursday 12th: the team manager S7, told who heard before.
    for pass in ["2026-03-03T09:00:00Z", "2026-03-06T09:00:00Z", THURSDAY] {
        let (ok, _, err) = casewatch(&["tick", "--config", path, "--at", pass]);
        assert!(ok, "{err}");
    }
    let mail = eml_texts(&dir.path().join("outbox"));
    let to_p4 = mail
        .iter()
        .find(|m| m.contains("<pm4@example.org>") && m.contains("Re-attempt overdue"))
        .unwrap_or_else(|| panic!("P4's breach: {mail:#?}"));
    assert!(to_p4.contains("You are told as: supervisor"), "{to_p4}");
    let to_s7 = mail
        .iter()
        .find(|m| m.contains("<tm7@example.org>") && m.contains("Escalation"))
        .expect("S7's escalation");
    assert!(
        to_s7.contains("Staff P4 (supervisor) was told it was overdue on Fri 6 Mar 2026"),
        "{to_s7}"
    );
    assert!(
        !mail
            .iter()
            .any(|m| m.contains("(practice manager)") || m.contains("as: practice manager"))
    );
}
