//! The managers' daily summary from a fixture with a hand-written history: stage episodes over four weeks in the
//! state database (opened and closed through the store, as passes would), and today's breaches from the case
//! database. Counts, the trend's points, timeliness and the recipients, worked out by hand; on SQLite and
//! PostgreSQL.
//!
//! Staff: SM (senior manager) over TMA (team manager, Team A) and TMB (team manager, Team B); PA (practice
//! manager, Team A) under TMA, worker WA1 under PA, worker WB1 under TMB. X is a team manager with no one
//! reporting to them.

#[path = "support/mod.rs"]
mod support;

use casewatch::app::App;
use casewatch::config::Config;
use casewatch::model::{Case, Child, Staff, StaffId, Visit, VisitType};
use casewatch::store::{StageEpisode, StageKey, Store};
use casewatch::summary::{Scope, Summary, Timeliness};
use support::fixtures::{at, date};
use support::smtp::SmtpServer;
use support::{Backend, TestDb, backend_test};

/// Thursday 12 March 2026, 09:00 GMT: after the 08:30 summary time. The previous summary was at 08:30 on
/// Wednesday 11th.
const AT: &str = "2026-03-12T09:00:00Z";

fn person(id: &str, role: &str, team: &str, manager: Option<&str>) -> Staff {
    Staff {
        id: StaffId::from(id),
        display_name: format!("Staff {id}"),
        email: Some(format!("{}@example.org", id.to_lowercase())),
        role: role.into(),
        team: Some(team.into()),
        manager_id: manager.map(StaffId::from),
        cover_id: None,
        absent_from: None,
        absent_until: None,
        active: true,
    }
}

/// Today's breaches. CA1 (WA1): a statutory visit failed on Monday 2 March; the re-attempt was due by the end
/// of Thursday 5th, and ten days on (Thursday 12th) the team manager is told: an escalation, 5 working days
/// overdue (Fri 6, Mon 9, Tue 10, Wed 11, Thu 12), a breach since before the last summary. CB1 (WB1): a visit
/// failed on Friday 6th, the re-attempt due by the end of Wednesday 11th: a breach since 23:59:59 that day,
/// after the last summary, so new; 1 working day overdue.
async fn load_cases(db: &TestDb) {
    let source = db.migrated_source().await;
    let loader = source.loader();
    loader
        .insert(&[
            person("SM", "senior_manager", "Senior leadership", None),
            person("TMA", "team_manager", "Team A", Some("SM")),
            person("TMB", "team_manager", "Team B", Some("SM")),
            person("PA", "practice_manager", "Team A", Some("TMA")),
            person("WA1", "worker", "Team A", Some("PA")),
            person("WB1", "worker", "Team B", Some("TMB")),
            person("X", "team_manager", "Team C", Some("SM")),
        ])
        .await
        .unwrap();
    for (child, case, worker, failed) in [
        ("KA1", "CA1", "WA1", "2026-03-02T10:00:00Z"),
        ("KB1", "CB1", "WB1", "2026-03-06T10:00:00Z"),
    ] {
        loader
            .insert(&[Child {
                id: child.into(),
                display_ref: format!("LL-{case}"),
                given_name: Some("Fictional".into()),
                family_name: Some("Child".into()),
                date_of_birth: None,
            }])
            .await
            .unwrap();
        loader
            .insert(&[Case {
                id: case.into(),
                child_id: child.into(),
                case_type: "CP".into(),
                allocated_worker_id: Some(worker.into()),
                opened_on: date("2025-06-02"),
                closed_on: None,
                care_leaver_category: None,
            }])
            .await
            .unwrap();
        loader
            .insert(&[Visit {
                id: format!("V-{case}"),
                case_id: case.into(),
                visit_type: VisitType::Statutory,
                visit_at: at(failed),
                child_seen: false,
                worker_id: None,
                note_created_at: None,
                note_finalised_at: None,
                manager_comment_at: None,
                ssda903_recorded: false,
            }])
            .await
            .unwrap();
    }
}

struct Episode {
    rule: &'static str,
    subject: &'static str,
    stage: &'static str,
    severity: &'static str,
    worker: &'static str,
    from: &'static str,
    ended: Option<(&'static str, &'static str)>,
}

/// The hand-written history, each episode opened at its `from` and closed at its end, as passes would.
const HISTORY: [Episode; 9] = [
    // H1: WA1's assessment overdue from Monday 16 Feb until done at noon on Friday 20th (its reminder lapsed
    // on Sunday 15th): late.
    Episode {
        rule: "cf-assessment-due",
        subject: "HA1",
        stage: "upcoming",
        severity: "reminder",
        worker: "WA1",
        from: "2026-02-11T00:00:00Z",
        ended: Some(("2026-02-15T23:59:59Z", "lapsed at its due time")),
    },
    Episode {
        rule: "cf-assessment-due",
        subject: "HA1",
        stage: "overdue",
        severity: "breach",
        worker: "WA1",
        from: "2026-02-16T00:00:00Z",
        ended: Some(("2026-02-20T12:00:00Z", "done, or the case closed")),
    },
    // H2: WA1's assessment done during its reminder, on Wednesday 4 March: on time.
    Episode {
        rule: "cf-assessment-due",
        subject: "HA2",
        stage: "upcoming",
        severity: "reminder",
        worker: "WA1",
        from: "2026-03-02T00:00:00Z",
        ended: Some(("2026-03-04T15:00:00Z", "done, or the case closed")),
    },
    // H3 and H4: today's CA1 and CB1, as the passes since recorded them (still open).
    Episode {
        rule: "failed-visit-ladder",
        subject: "CA1",
        stage: "reattempt-overdue",
        severity: "breach",
        worker: "WA1",
        from: "2026-03-05T23:59:59Z",
        ended: None,
    },
    Episode {
        rule: "failed-visit-ladder",
        subject: "CA1",
        stage: "escalate-to-team-manager",
        severity: "escalation",
        worker: "WA1",
        from: "2026-03-12T00:00:00Z",
        ended: None,
    },
    Episode {
        rule: "failed-visit-ladder",
        subject: "CB1",
        stage: "reattempt-overdue",
        severity: "breach",
        worker: "WB1",
        from: "2026-03-11T23:59:59Z",
        ended: None,
    },
    // H5: WB1's assessment overdue from Friday 13 Feb until done at 08:00 on Tuesday 17th: late.
    Episode {
        rule: "cf-assessment-due",
        subject: "HB1",
        stage: "overdue",
        severity: "breach",
        worker: "WB1",
        from: "2026-02-13T00:00:00Z",
        ended: Some(("2026-02-17T08:00:00Z", "done, or the case closed")),
    },
    // H7: a warning that lapsed (not done): no timeliness.
    Episode {
        rule: "cf-set-priority",
        subject: "HB3",
        stage: "set-priority",
        severity: "warning",
        worker: "WB1",
        from: "2026-02-23T00:00:00Z",
        ended: Some(("2026-02-27T23:59:59Z", "lapsed at its due time")),
    },
    // H8: a breach on a worker no longer in the staff table: in no manager's part of the service.
    Episode {
        rule: "cf-assessment-due",
        subject: "HZ1",
        stage: "overdue",
        severity: "breach",
        worker: "ZZ",
        from: "2026-03-09T00:00:00Z",
        ended: None,
    },
];

/// H6: an on-time assessment done on Friday 9 January, before the 30 days: counted nowhere.
const OLD: Episode = Episode {
    rule: "cf-assessment-due",
    subject: "HB2",
    stage: "upcoming",
    severity: "reminder",
    worker: "WB1",
    from: "2026-01-05T00:00:00Z",
    ended: Some(("2026-01-09T12:00:00Z", "done, or the case closed")),
};

async fn write_history(state_url: &str) {
    let mut history: Vec<&Episode> = HISTORY.iter().collect();
    history.push(&OLD);
    write_episodes(state_url, history).await;
}

async fn write_episodes<'e>(state_url: &str, history: impl IntoIterator<Item = &'e Episode>) {
    let store = Store::connect(state_url).await.unwrap();
    store.migrate().await.unwrap();
    for e in history {
        // The failed-visit ladder's subject is its case (SPEC R4): CA1 and CB1 are the cases the data holds. The
        // assessments are history only, on cases of their own.
        let case_id = if e.rule == "failed-visit-ladder" {
            e.subject.to_owned()
        } else {
            format!("C-{}", e.subject)
        };
        let key = StageKey {
            rule: e.rule.into(),
            case_id,
            subject_id: e.subject.into(),
            stage: e.stage.into(),
            from: at(e.from),
        };
        let episode = StageEpisode {
            key: key.clone(),
            child_ref: format!("LL-{}", e.subject),
            severity: e.severity.into(),
            due_at: at(e.from),
            worker_id: Some(e.worker.into()),
        };
        store.open_episodes(&[episode], at(e.from)).await.unwrap();
        if let Some((end, reason)) = e.ended {
            store
                .close_episodes(&[(key, reason.into())], at(end))
                .await
                .unwrap();
        }
    }
}

struct Fixture {
    _source: TestDb,
    _state: TestDb,
    dir: tempfile::TempDir,
    config: Config,
}

async fn fixture(source: TestDb, smtp_port: u16) -> Fixture {
    let state = match source.backend {
        Backend::Sqlite => TestDb::sqlite().await,
        Backend::Postgres => TestDb::postgres().await,
    };
    load_cases(&source).await;
    write_history(state.url()).await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("casewatch.toml");
    std::fs::write(
        &path,
        format!(
            r#"
[source]
url = "{source}"
[state]
url = "{state}"
[notify]
fallback_address = "ops@example.org"
case_url = "https://lcs.council.example/case/{{case_id}}"
[email]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
from = "casewatch <casewatch@council.example>"
"#,
            source = source.url(),
            state = state.url(),
        ),
    )
    .unwrap();
    let config = Config::load(&path).unwrap();
    Fixture {
        _source: source,
        _state: state,
        dir,
        config,
    }
}

fn trend(s: &Summary) -> Vec<u32> {
    s.trend.iter().map(|p| p.open).collect()
}

fn timeliness(s: &Summary) -> Vec<(&str, &str, u32, u32, u32)> {
    s.timeliness
        .iter()
        .map(|t: &Timeliness| {
            (
                t.title.as_str(),
                t.team.as_str(),
                t.ended,
                t.on_time,
                t.percent(),
            )
        })
        .collect()
}

backend_test!(async fn counts_trend_timeliness_and_scope_from_a_hand_written_history(db) {
    let f = fixture(db, support::free_port()).await;
    let summary = |scope: Scope| {
        let config = &f.config;
        async move { casewatch::app::summary::summary(config, &scope, at(AT)).await.unwrap() }
    };

    let sm = summary(Scope::Manager("SM".into())).await;
    assert_eq!(sm.title, "Team A, Team B and Team C");
    assert_eq!(sm.reader.as_deref(), Some("Staff SM"));
    assert_eq!(sm.since, Some(at("2026-03-11T08:30:00Z")));
    assert_eq!((sm.escalations, sm.breaches, sm.new), (1, 1, 1));
    let teams: Vec<(&str, u32, u32)> = sm.by_team.iter().map(|c| (c.name.as_str(), c.escalations, c.breaches)).collect();
    assert_eq!(teams, [("Team A", 1, 0), ("Team B", 0, 1)]);
    assert_eq!(sm.by_rule.len(), 1);
    assert_eq!((sm.by_rule[0].name.as_str(), sm.by_rule[0].escalations, sm.by_rule[0].breaches), ("Failed statutory visits", 1, 1));
    let oldest: Vec<(&str, &str, &str, u32, &str, bool)> = sm
        .oldest
        .iter()
        .map(|o| (o.child.as_str(), o.severity.as_str(), o.stage.as_str(), o.working_days_overdue, o.worker.as_str(), o.new))
        .collect();
    assert_eq!(
        oldest,
        [
            ("LL-CA1", "escalation", "Not seen for 10 days: team manager to decide", 5, "Staff WA1", false),
            ("LL-CB1", "breach", "Re-attempt overdue", 1, "Staff WB1", true),
        ]
    );
    assert_eq!(sm.oldest[0].link.as_deref(), Some("https://lcs.council.example/case/CA1"));
    // Fri 13 Feb … Thu 12 Mar, at 08:30 each day (see HISTORY).
    let days: Vec<String> = sm.trend.iter().map(|p| p.day.to_string()).collect();
    assert_eq!(days.first().map(String::as_str), Some("2026-02-13"));
    assert_eq!(days.last().map(String::as_str), Some("2026-03-12"));
    assert_eq!(days.len(), 20);
    assert_eq!(trend(&sm), [1, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2]);
    assert_eq!(
        timeliness(&sm),
        [("C&F assessment due", "Team A", 2, 1, 50), ("C&F assessment due", "Team B", 1, 0, 0)]
    );

    let tma = summary(Scope::Manager("TMA".into())).await;
    assert_eq!(tma.title, "Team A");
    assert_eq!((tma.escalations, tma.breaches, tma.new), (1, 0, 0));
    assert_eq!(trend(&tma), [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert_eq!(timeliness(&tma), [("C&F assessment due", "Team A", 2, 1, 50)]);

    let tmb = summary(Scope::Manager("TMB".into())).await;
    assert_eq!(tmb.title, "Team B");
    assert_eq!((tmb.escalations, tmb.breaches, tmb.new), (0, 1, 1));
    assert_eq!(trend(&tmb), [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    assert_eq!(timeliness(&tmb), [("C&F assessment due", "Team B", 1, 0, 0)]);

    // A team on its own, and the whole service (which also counts H8's unknown worker in its trend).
    let team_b = summary(Scope::Team("Team B".into())).await;
    assert_eq!(trend(&team_b), trend(&tmb));
    let all = summary(Scope::All).await;
    assert_eq!(all.title, "the whole service");
    assert_eq!(trend(&all), [1, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 2, 2, 3]);
});

/// HM1: a C&F assessment reallocated while overdue. Its breach opened on WA1's caseload at midnight on Monday 2
/// March; the case moved to WB1 and its escalation opened there at midnight on Monday 9th; both ended, done, at
/// noon on Wednesday 11th.
const MOVED: [Episode; 2] = [
    Episode {
        rule: "cf-assessment-due",
        subject: "HM1",
        stage: "overdue",
        severity: "breach",
        worker: "WA1",
        from: "2026-03-02T00:00:00Z",
        ended: Some(("2026-03-11T12:00:00Z", "done, or the case closed")),
    },
    Episode {
        rule: "cf-assessment-due",
        subject: "HM1",
        stage: "escalated",
        severity: "escalation",
        worker: "WB1",
        from: "2026-03-09T00:00:00Z",
        ended: Some(("2026-03-11T12:00:00Z", "done, or the case closed")),
    },
];

// Each scope sees the episodes on its own caseloads; a scope holding both counts the obligation once.
backend_test!(async fn a_reallocated_obligation_counts_once_and_in_each_scope_for_its_own_episodes(db) {
    let f = fixture(db, support::free_port()).await;
    write_episodes(&f.config.settings.state.url, &MOVED).await;
    let summary = |scope: Scope| {
        let config = &f.config;
        async move { casewatch::app::summary::summary(config, &scope, at(AT)).await.unwrap() }
    };
    // On top of the first test's figures: WA1's breach is open at 08:30 from Mon 2 to Wed 11 March (the 12th to
    // the 19th of the 20 points), WB1's escalation from Mon 9 to Wed 11 (the 17th to the 19th).
    let sm = summary(Scope::Manager("SM".into())).await;
    assert_eq!(trend(&sm), [1, 2, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2]);
    // Ended (done) on the 11th, late; the episode that began last was WB1's, so it is Team B's.
    assert_eq!(
        timeliness(&sm),
        [("C&F assessment due", "Team A", 2, 1, 50), ("C&F assessment due", "Team B", 2, 0, 0)]
    );
    let tma = summary(Scope::Manager("TMA".into())).await;
    assert_eq!(trend(&tma), [0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 1]);
    assert_eq!(timeliness(&tma), [("C&F assessment due", "Team A", 3, 1, 33)]);
    let tmb = summary(Scope::Manager("TMB".into())).await;
    assert_eq!(trend(&tmb), [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
    assert_eq!(timeliness(&tmb), [("C&F assessment due", "Team B", 2, 0, 0)]);
});

// A scheduled summary keeps only the oldest few obligations, folding the lines in a case at a time as a pass's
// batches do: everything else is the same as the whole summary's, and the message counts what it does not list.
backend_test!(async fn a_summary_keeping_one_obligation_lists_the_oldest_and_counts_the_rest(db) {
    use casewatch::summary::fold::{Fold, Setting};
    let f = fixture(db, support::free_port()).await;
    let config = &f.config;
    let whole = casewatch::app::summary::summary(config, &Scope::Manager("SM".into()), at(AT)).await.unwrap();
    assert_eq!(whole.oldest.len(), 2);

    let calendar = config.settings.calendar.working_calendar();
    let source = casewatch::app::connect_source(config).await.unwrap();
    let tell_from = casewatch::app::tell_from_for_reading(config, &calendar, at(AT)).await;
    let mut lines = casewatch::app::evaluate_told_from(config, &calendar, &source, at(AT), tell_from)
        .await
        .unwrap()
        .lines;
    lines.sort_by(|a, b| a.case_id.cmp(&b.case_id));
    let mut fold = Fold::new(
        Setting {
            at: at(AT),
            since: Some(at("2026-03-11T08:30:00Z")),
            trend_time: casewatch::summary::trend_time(&config.settings.delivery),
            case_url: config.settings.notify.case_url.clone(),
            silences: Vec::new(),
            tell_from: Some(tell_from),
            keep: 1,
        },
        &calendar,
    );
    for case in lines.chunk_by(|a, b| a.case_id == b.case_id) {
        fold.add_lines(case);
    }
    let store = Store::connect(&config.settings.state.url).await.unwrap();
    let since = casewatch::summary::history_since(at(AT), &calendar);
    store.episodes_by_obligation(since, at(AT), |e| fold.add_history(e)).await.unwrap();
    let staff = config.staff(source.load_staff(&casewatch::source::ReadReport::new()).await.unwrap());
    let kept = fold.summary(&config.rules, &calendar, &staff, &Scope::Manager("SM".into()));

    let mut expected = whole.clone();
    expected.oldest.truncate(1);
    assert_eq!(kept, expected);
    let renderer = casewatch::summary::render::load(None).unwrap();
    let text = |s: &Summary| casewatch::summary::render::email(&renderer, s).unwrap().text.replace("\r\n", "\n");
    assert!(text(&kept).contains("  - LL-CA1: Failed statutory visits"), "{}", text(&kept));
    assert!(!text(&kept).contains("  - LL-CB1"), "{}", text(&kept));
    assert!(text(&kept).contains("  ...and 1 more.\n"), "{}", text(&kept));
    assert!(!text(&whole).contains("more."), "{}", text(&whole));
});

backend_test!(async fn at_the_summary_time_each_team_and_senior_manager_gets_one(db) {
    let smtp = SmtpServer::start().await;
    let f = fixture(db, smtp.port()).await;
    let app = App::open(f.config.clone()).await.unwrap();
    let report = app.tick(at(AT)).await.unwrap();
    assert_eq!(report.summaries, 3);
    let mut to: Vec<(String, String)> = smtp
        .received()
        .iter()
        .filter(|m| m.parsed().subject().unwrap_or_default().ends_with("daily summary"))
        .map(|m| (m.to[0].clone(), m.parsed().subject().unwrap_or_default().to_owned()))
        .collect();
    to.sort();
    assert_eq!(
        to,
        [
            ("sm@example.org".to_owned(), "1 escalation, 1 breach in Team A, Team B and Team C — casewatch daily summary".to_owned()),
            ("tma@example.org".to_owned(), "1 escalation, 0 breaches in Team A — casewatch daily summary".to_owned()),
            ("tmb@example.org".to_owned(), "0 escalations, 1 breach in Team B — casewatch daily summary".to_owned()),
        ]
    );
    let mail = smtp.received();
    let tma = mail.iter().find(|m| m.to == ["tma@example.org"] && m.parsed().subject().unwrap_or_default().ends_with("summary")).unwrap();
    let text = tma.parsed().body_text(0).unwrap().replace("\r\n", "\n");
    assert!(text.contains("Breaches open each working day for 4 weeks: 0 on Fri 13 Feb, 1 on Thu 12 Mar; the most, 1, on Mon 16 Feb."), "{text}");
    assert!(text.contains("  C&F assessment due, Team A: 1 of 2 (50%)\n"), "{text}");
    assert!(text.contains("  - LL-CA1: Failed statutory visits (Not seen for 10 days: team manager to decide), 5 working days overdue; Staff WA1, Team A\n"), "{text}");
    let html = tma.parsed().body_html(0).unwrap().into_owned();
    assert!(html.contains(r#"role="img" aria-label="Breaches open each working day for 4 weeks"#), "{html}");
    // A later pass the same day composes none again.
    let again = app.tick(at("2026-03-12T11:00:00Z")).await.unwrap();
    assert_eq!(again.summaries, 0);
});

backend_test!(async fn the_summary_command_prints_csv_json_and_html_and_names_an_unknown_manager(db) {
    let f = fixture(db, support::free_port()).await;
    let config = f.dir.path().join("casewatch.toml");
    let run = |args: &[&str]| {
        let mut all = vec!["summary", "--config", config.to_str().unwrap(), "--at", AT];
        all.extend_from_slice(args);
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_casewatch")).args(&all).output().unwrap();
        (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
    };
    let (code, csv, err) = run(&["--manager", "TMB", "--format", "csv"]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "section,team,rule,title,child,case_id,severity,stage,worker,working_days_overdue,new,day,breaches,escalations,ended,on_time,percent_on_time");
    assert!(lines.contains(&"team,Team B,,,,,,,,,,,1,0,,,"), "{csv}");
    assert!(lines.contains(&"overdue,Team B,failed-visit-ladder,Failed statutory visits,LL-CB1,CB1,breach,Re-attempt overdue,Staff WB1,1,yes,,,,,,"), "{csv}");
    assert!(lines.contains(&"trend,,,,,,,,,,,2026-02-13,1,,,,"), "{csv}");
    assert!(lines.contains(&"timeliness,Team B,cf-assessment-due,C&F assessment due,,,,,,,,,,,1,0,0"), "{csv}");
    assert_eq!(lines.iter().filter(|l| l.starts_with("trend,")).count(), 20);
    let (code, json, err) = run(&["--team", "Team A", "--format", "json"]);
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["escalations"], 1);
    assert_eq!(json["timeliness"][0]["on_time"], 1);
    let (code, html, err) = run(&["--format", "html"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(html.contains("the whole service"), "{html}");
    assert!(!html.contains("Fictional") && !err.contains("Fictional"), "no child's name");
    let (code, _, err) = run(&["--manager", "NOBODY"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("--manager: no member of staff has the id `NOBODY`"), "{err}");
});
