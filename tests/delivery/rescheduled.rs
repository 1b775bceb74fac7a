//! A pack rule through the outbox when its due time moves: a child protection conference rescheduled before and
//! after its social worker's report fell due (havering `icpc-report`, due 24 hours before the conference). One
//! reminder per planned date; a breach told once for its date, never again for it; a new date, a new breach.

use crate::county::{case, child, staff};
use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::at;
use crate::support::smtp::SmtpServer;

const TITLE: &str = "Initial child protection conference: social worker's report";

/// How many times W42 (the allocated worker) was told of the report, by stage, in the text of every email so far.
fn told(smtp: &SmtpServer, stage_word: &str) -> usize {
    smtp.received()
        .iter()
        .filter(|m| m.to == ["w42@example.org"])
        .map(|m| m.parsed().body_text(0).unwrap_or_default().into_owned())
        .flat_map(|text| {
            text.split("\n\n")
                .filter(|item| item.contains(TITLE) && item.to_lowercase().contains(stage_word))
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .count()
}

backend_test!(async fn a_rescheduled_conference_gets_one_reminder_per_date_and_no_repeated_breach(db) {
    let env = Env::new(db.backend).await;
    let source = env.source().await;
    let loader = source.loader();
    loader.insert(&staff()).await.unwrap();
    loader.insert(&[child("K50", "LL-100050")]).await.unwrap();
    loader.insert(&[case("C50", "K50", "W42", "CP")]).await.unwrap();
    // Planned for Mon 16 Nov 2026 10:00 GMT: the report is due Sun 15 Nov 10:00; reminded from Wed 11 Nov.
    let icpc = casewatch::model::Meeting {
        id: "M50".into(),
        case_id: "C50".into(),
        kind: "icpc".into(),
        scheduled_at: Some(at("2026-11-16T10:00:00Z")),
        held_at: None,
        cancelled: false,
        chair_id: None,
    };
    loader.insert(std::slice::from_ref(&icpc)).await.unwrap();
    let smtp = SmtpServer::start().await;
    let app = env.app(&smtp, "[rules]\npacks = [\"havering\"]\n").await;
    let reschedule = |to: &str| format!("UPDATE meetings SET scheduled_at = '{to}' WHERE meeting_id = 'M50'");

    app.tick(at("2026-11-11T08:00:00Z")).await.unwrap();
    app.tick(at("2026-11-11T12:00:00Z")).await.unwrap();
    assert_eq!(told(&smtp, "due soon"), 1, "one reminder for the first date");

    // Moved a week on, to Mon 23 Nov: due Sun 22 Nov, reminded from Wed 18 Nov.
    env.source_db.execute(&reschedule("2026-11-23T10:00:00Z")).await;
    app.tick(at("2026-11-12T08:00:00Z")).await.unwrap();
    app.tick(at("2026-11-17T08:00:00Z")).await.unwrap();
    assert_eq!(told(&smtp, "due soon"), 1, "nothing new until the new date's reminder starts");
    app.tick(at("2026-11-18T08:00:00Z")).await.unwrap();
    assert_eq!(told(&smtp, "due soon"), 2, "one reminder for the new date");

    // Mon 23 Nov 09:00: the report was due yesterday at 10:00 and the conference is not yet held: a breach.
    app.tick(at("2026-11-23T09:00:00Z")).await.unwrap();
    app.tick(at("2026-11-23T09:30:00Z")).await.unwrap();
    assert_eq!(told(&smtp, "overdue"), 1, "the breach is told once");

    // Moved again at the last minute, to Mon 30 Nov: the breach of the 22nd is not told again, the new date has
    // its own reminder (from Wed 25 Nov) and, if it passes too, its own breach.
    env.source_db.execute(&reschedule("2026-11-30T10:00:00Z")).await;
    for now in ["2026-11-23T10:00:00Z", "2026-11-24T08:00:00Z", "2026-11-24T14:00:00Z"] {
        app.tick(at(now)).await.unwrap();
    }
    assert_eq!((told(&smtp, "due soon"), told(&smtp, "overdue")), (2, 1));
    app.tick(at("2026-11-25T08:00:00Z")).await.unwrap();
    assert_eq!(told(&smtp, "due soon"), 3);
    app.tick(at("2026-11-30T09:00:00Z")).await.unwrap();
    assert_eq!(told(&smtp, "overdue"), 2, "a new breach, of the new date");

    // Held at 10:00: nothing more about it.
    env.source_db
        .execute("UPDATE meetings SET held_at = '2026-11-30T10:00:00Z' WHERE meeting_id = 'M50'")
        .await;
    let before = smtp.received().len();
    app.tick(at("2026-12-07T09:00:00Z")).await.unwrap();
    let after: Vec<String> = smtp.received()[before..]
        .iter()
        .map(|m| m.parsed().body_text(0).unwrap_or_default().into_owned())
        .collect();
    assert!(after.iter().all(|t| !t.contains(TITLE)), "{after:?}");
});
