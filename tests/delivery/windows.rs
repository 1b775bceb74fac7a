//! Send windows: a digest holds what was waiting when its window opened; what arises later waits for the next
//! window; a window missed while the service was down is caught up until the end of working hours, not after.

use crate::county::visit;
use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::at;
use crate::support::smtp::SmtpServer;

fn subjects_to(smtp: &SmtpServer, who: &str) -> Vec<String> {
    smtp.received()
        .iter()
        .filter(|m| m.to == [who])
        .map(|m| m.parsed().subject().unwrap_or_default().to_owned())
        .collect()
}

backend_test!(async fn a_reminder_that_arises_after_the_window_waits_for_the_next_one(db) {
    let env = Env::new(db.backend).await;
    let source = env.source().await;
    load_county(&source).await;
    let smtp = SmtpServer::start().await;
    let app = env.app(&smtp, "").await;
    app.tick(at(THURSDAY)).await.unwrap();
    assert_eq!(subjects_to(&smtp, "w42@example.org").len(), 2, "a digest and a breach");

    // A failed visit on C43 at 15:00: a `reattempt-due` reminder to W42, due the 3rd working day after (Tuesday
    // 17th). Thursday's window is spent: it waits for Friday's at 08:00, in a digest of its own.
    source.loader().insert(&[visit("V10", "C43", "2026-03-12T15:00:00Z", false)]).await.unwrap();
    let afternoon = app.tick(at("2026-03-12T15:30:00Z")).await.unwrap();
    assert_eq!((afternoon.notices_enqueued, afternoon.composed.digests), (1, 0));
    app.tick(at("2026-03-12T20:00:00Z")).await.unwrap();
    app.tick(at("2026-03-13T07:45:00Z")).await.unwrap();
    assert_eq!(subjects_to(&smtp, "w42@example.org").len(), 2);

    let friday = app.tick(at("2026-03-13T08:00:00Z")).await.unwrap();
    assert_eq!(friday.composed.digests, 1);
    let to_w42 = subjects_to(&smtp, "w42@example.org");
    assert_eq!(to_w42[2], "1 reminder — casewatch");
    let text = smtp.received().last().unwrap().parsed().body_text(0).unwrap().into_owned();
    assert!(text.contains("LL-100043") && text.contains("Failed statutory visits"), "{text}");
});

backend_test!(async fn a_window_missed_until_after_working_hours_waits_for_the_next_day(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let app = env.app(&smtp, "").await;
    // First up on Thursday 12 March at 18:15 GMT: too late to catch up the 08:00 window, and outside working
    // hours for the immediate notices.
    let evening = app.tick(at("2026-03-12T18:15:00Z")).await.unwrap();
    assert_eq!(evening.notices_enqueued, 7);
    assert_eq!((evening.composed.digests, evening.composed.immediate), (0, 0));
    app.tick(at("2026-03-12T23:45:00Z")).await.unwrap();
    assert!(smtp.received().is_empty());

    // Friday's 08:00 window: the same two digests as Thursday's would have been (the stages are still active),
    // and the breach and escalation at the start of working hours.
    let friday = app.tick(at("2026-03-13T08:00:00Z")).await.unwrap();
    assert_eq!((friday.composed.digests, friday.composed.immediate), (2, 3));
    let mut w42 = subjects_to(&smtp, "w42@example.org");
    w42.sort();
    assert_eq!(w42, ["2 reminders — casewatch", "Overdue: Failed statutory visits (LL-100042) — casewatch"]);
    assert!(subjects_to(&smtp, "pm4@example.org").contains(&"1 warning, 1 reminder — casewatch".to_owned()));
});
