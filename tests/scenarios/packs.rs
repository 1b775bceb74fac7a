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
