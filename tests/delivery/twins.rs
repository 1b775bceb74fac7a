//! Two cases whose visits, events, meetings and records share ids, as an authority's views that union two source
//! tables produce: each case's obligations are its own, and both cases' workers are told, sent to and audited.

use casewatch::model::{Case, Record, Staff};

use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::{at, case, child, event, meeting, staff, visit};
use crate::support::smtp::SmtpServer;

fn person(id: &str, manager: Option<&str>) -> Staff {
    Staff {
        manager_id: manager.map(Into::into),
        ..staff(id)
    }
}

/// The subjects the two cases share: a statutory visit whose note was started on Monday 2 March 2026 and never
/// commented on, and a record about
/// Thursday 5 March never completed (with, added by the test, a strategy discussion held on Monday 9 March with no
/// record of it, and a referral needing a strategy discussion on Tuesday 10 March with none held).
fn subjects(case_id: &str) -> (Vec<casewatch::model::Visit>, Record) {
    let unreviewed = casewatch::model::Visit {
        note_created_at: Some(at("2026-03-02T10:00:00Z")),
        ..visit("V1", case_id, "2026-03-02T10:00:00Z")
    };
    let record = Record {
        id: "R1".into(),
        case_id: case_id.into(),
        kind: "recording".into(),
        about_at: Some(at("2026-03-05T10:00:00Z")),
        completed_at: None,
        authorised_at: None,
        staff_id: None,
        meeting_id: None,
        event_id: None,
    };
    (vec![unreviewed], record)
}

backend_test!(async fn two_cases_sharing_subject_ids_are_both_told(db) {
    let env = Env::new(db.backend).await;
    let source = env.source().await;
    let loader = source.loader();
    loader
        .insert(&[
            person("W1", Some("P1")),
            person("P1", Some("T1")),
            person("W2", Some("P2")),
            person("P2", Some("T1")),
            person("T1", None),
        ])
        .await
        .unwrap();
    for (case_id, worker) in [("C0045", "W1"), ("0TWIN", "W2")] {
        let c = Case {
            allocated_worker_id: Some(worker.into()),
            ..case(case_id, &format!("K-{case_id}"))
        };
        loader.insert(&[child(&c.child_id.0)]).await.unwrap();
        loader.insert(&[c]).await.unwrap();
    }
    // C0045's rows, then the same rows again under 0TWIN from a second source table, as a view unions them.
    let (visits, record) = subjects("C0045");
    loader.insert(&visits).await.unwrap();
    loader.insert(&[record]).await.unwrap();
    let mut held = meeting("M1", "C0045", "strategy", "2026-03-09T10:00:00Z");
    held.held_at = Some(at("2026-03-09T10:00:00Z"));
    loader.insert(&[held]).await.unwrap();
    loader
        .insert(&[event("E1", "C0045", "strategy_needed", "2026-03-10T08:00:00Z")])
        .await
        .unwrap();
    for table in ["visits", "records", "meetings", "case_events"] {
        env.source_db
            .execute(&format!(
                "ALTER TABLE {table} RENAME TO {table}_lcs;
                 CREATE TABLE {table}_other AS SELECT * FROM {table}_lcs;
                 UPDATE {table}_other SET case_id = '0TWIN';
                 CREATE VIEW {table} AS SELECT * FROM {table}_lcs UNION ALL SELECT * FROM {table}_other;"
            ))
            .await;
    }
    let smtp = SmtpServer::start().await;
    let app = env
        .app(&smtp, "[rules]\npacks = [\"lcs\", \"havering\"]\n")
        .await;
    // Thursday 12 March 2026, 09:00: each subject is overdue on both cases.
    // - V1: note started Mon 2 Mar, auto-finalised at the end of the 5th working day after, Mon 9 Mar: the
    //   practice manager and the team manager are told (statutory-visit-oversight, `auto-finalised`).
    // - R1: about Thu 5 Mar, due by the 3rd working day after, Tue 10 Mar (hv-default): overdue.
    // - M1: strategy discussion held Mon 9 Mar 10:00; its record was due 24 hours later (strategy-record).
    // - E1: strategy needed Tue 10 Mar 08:00; a discussion was due by Wed 11 Mar 08:00 (strategy-discussion-held).
    app.tick(at(THURSDAY)).await.unwrap();

    for (case_id, worker, supervisor) in [("C0045", "W1", "P1"), ("0TWIN", "W2", "P2")] {
        let audit = app.store.case_audit(case_id).await.unwrap();
        for (rule, subject, people) in [
            ("statutory-visit-oversight", "V1", vec![supervisor, "T1"]),
            ("hv-default", "R1", vec![worker, supervisor]),
            ("strategy-record", "M1", vec![worker, supervisor]),
            ("strategy-discussion-held", "E1", vec![worker, supervisor]),
        ] {
            let told: Vec<(&str, &str)> = audit
                .notices
                .iter()
                .filter(|n| n.rule == rule && n.subject_id == subject)
                .filter_map(|n| Some((n.staff_id.as_deref()?, n.message_status.as_deref()?)))
                .collect();
            for person in people {
                assert!(
                    told.contains(&(person, "sent")),
                    "{case_id}: {rule} about {subject} was not sent to {person}: {told:?}"
                );
            }
            assert!(
                audit.episodes.iter().any(|e| e.rule == rule && e.subject_id == subject),
                "{case_id}: no episode of {rule} about {subject}"
            );
        }
    }
    let to = recipients(&smtp);
    for address in ["w1@example.org", "w2@example.org", "p1@example.org", "p2@example.org"] {
        assert!(to.iter().any(|a| a == address), "{address} got nothing: {to:?}");
    }
});
