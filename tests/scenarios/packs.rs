//! SPEC 8.5 through a real case database: random, edge-heavy case files (tests/pack_spec) are loaded into SQLite and
//! into the PostgreSQL the tests start, read back by `casewatch::source` with the three optional tables, evaluated
//! with every pack on, and compared to the second with SPEC 8.5 written out independently, at random instants and
//! at stage boundaries a second either side.

use std::collections::BTreeSet;

use casewatch::calendar::{WorkingCalendar, local_date};
use casewatch::model::{CaseFile, OptionalTables};
use casewatch::rules::AsOf;
use chrono::{DateTime, Duration, SecondsFormat, Utc};

use crate::pack_spec::{self, Row, instant, oracle, random_case};
use crate::support::fixtures::staff;
use crate::support::{backend_test, case_files_with};

backend_test!(
    async fn the_pinned_rules_read_from_the_database_match_spec_8_5(db) {
        let source = db.migrated_source().await;
        let mut rng = pack_spec::rng(8_5);
        let bases = ["2026-03-01", "2026-10-01", "2026-12-01"].map(crate::common::d);
        let files: Vec<CaseFile> = (0..400).map(|n| random_case(&mut rng, n, bases[n % 3])).collect();
        let loader = source.loader();
        loader.insert(&[staff("W1")]).await.unwrap();
        loader.insert(&files.iter().map(|f| f.child.clone()).collect::<Vec<_>>()).await.unwrap();
        loader.insert(&files.iter().map(|f| f.case.clone()).collect::<Vec<_>>()).await.unwrap();
        loader.insert(&files.iter().flat_map(|f| f.events.clone()).collect::<Vec<_>>()).await.unwrap();
        loader.insert(&files.iter().flat_map(|f| f.meetings.clone()).collect::<Vec<_>>()).await.unwrap();
        loader.insert(&files.iter().flat_map(|f| f.records.clone()).collect::<Vec<_>>()).await.unwrap();
        loader.insert(&files.iter().flat_map(|f| f.decisions.clone()).collect::<Vec<_>>()).await.unwrap();

        let pinned = pack_spec::pinned_ids();
        let mut pack = crate::common::all_packs();
        pack.rules.retain(|r| pinned.contains(&r.id.as_str()));
        assert_eq!(pack.rules.len(), 21);
        let cal = WorkingCalendar::new(Default::default(), []);
        let mut instants: Vec<DateTime<Utc>> = (0..10)
            .map(|i| instant(&mut rng, bases[i % 3] - Duration::days(20), 140))
            .collect();
        // Stage boundaries, a second either side, from the oracle's view of a few cases.
        for f in files.iter().take(40) {
            for (_, _, _, from, due) in oracle(f, &cal, casewatch::calendar::start_of(bases[0] + Duration::days(500))).iter().take(2) {
                instants.extend([*from - Duration::seconds(1), *from, *due, *due + Duration::seconds(1)]);
            }
        }
        let (mut compared, mut active) = (0, 0);
        for now in instants {
            let day = local_date(now).to_string();
            let (read, report) = case_files_with(&source, &day, OptionalTables::ALL).await;
            assert_eq!(report.total_skipped(), 0, "{report}");
            let mut got: BTreeSet<Row> = BTreeSet::new();
            for f in &read {
                let mut out = Vec::new();
                pack.evaluate_case(f, &cal, &AsOf::new(now), &mut out);
                got.extend(out.iter().map(|a| {
                    (a.rule(&pack).id.clone(), a.stage(&pack).name.clone(), a.subject_id.clone(), a.from, a.due_at)
                }));
            }
            let want: BTreeSet<Row> = files.iter().flat_map(|f| oracle(f, &cal, now)).collect();
            let at = now.to_rfc3339_opts(SecondsFormat::Secs, true);
            assert_eq!(got, want, "{} at {at}", if db.is_postgres() { "postgres" } else { "sqlite" });
            compared += 1;
            active += want.len();
        }
        assert!(compared >= 50 && active > 500, "{compared} instants, {active} active stages");
    }
);

backend_test!(
    async fn a_rule_with_after_close_still_sees_a_recently_closed_case(db) {
        let source = db.migrated_source().await;
        let loader = source.loader();
        loader.insert(&[staff("W1")]).await.unwrap();
        let mut file = crate::common::case_file("C1", "EARLY_HELP");
        file.case.opened_on = crate::common::d("2026-09-01");
        file.case.closed_on = Some(crate::common::d("2026-12-22"));
        let closure = crate::common::event("E1", "C1", "closure_agreed", "2026-12-22T11:00:00Z");
        loader.insert(std::slice::from_ref(&file.child)).await.unwrap();
        loader.insert(std::slice::from_ref(&file.case)).await.unwrap();
        loader.insert(&[closure]).await.unwrap();

        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("closing.toml"),
            r#"
[[rule]]
id = "closing-summary"
subject = { kind = "after-event", events = ["closure_agreed"] }
evidence = { records = ["closing_summary"] }
due = "d + 3wd"
after_close = "10wd"
"#,
        )
        .unwrap();
        let text = format!(
            "[source]\nurl = \"{}\"\n[notify]\nfallback_address = \"ops@example.org\"\n[rules]\nfiles = [\"closing.toml\"]\n",
            db.url()
        );
        let config =
            casewatch::config::Config::from_toml(&text, &dir.path().join("casewatch.toml"), []).unwrap();
        let calendar = config.settings.calendar.working_calendar();
        let stages = |now: &'static str| {
            let (config, calendar, source) = (&config, &calendar, &source);
            async move {
                let evaluation = casewatch::app::evaluate(config, calendar, source, crate::common::t(now)).await.unwrap();
                evaluation.lines.into_iter().map(|l| (l.rule, l.stage)).collect::<Vec<_>>()
            }
        };
        // Closed Tue 22 Dec 2026; due 3 working days after (Tue 29 Dec); watched until 10 working days after the
        // closure (Fri 8 Jan 2027), then no more. None of the six rules looks at the closed case.
        let overdue = ("closing-summary".to_string(), "overdue".to_string());
        // Overdue tells the worker and the practice manager: two lines.
        assert_eq!(stages("2026-12-30T12:00:00Z").await, [overdue.clone(), overdue.clone()]);
        assert!(stages("2027-01-08T12:00:00Z").await.contains(&overdue));
        assert!(stages("2027-01-09T12:00:00Z").await.is_empty());
    }
);
