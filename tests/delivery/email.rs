//! Email delivery: digests and immediate notices, exactly once, repeats, retries and dead letters.

use casewatch::outbox::message_id;

use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::at;
use crate::support::smtp::SmtpServer;

fn subject_and_text(m: &crate::support::smtp::Received) -> (String, String, String) {
    let parsed = m.parsed();
    (
        parsed.subject().unwrap_or_default().to_owned(),
        parsed.body_text(0).unwrap_or_default().into_owned(),
        parsed.body_html(0).unwrap_or_default().into_owned(),
    )
}

backend_test!(async fn a_tick_sends_digests_and_immediate_notices(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let app = env.app(&smtp, "").await;
    let report = app.tick(at(THURSDAY)).await.unwrap();
    assert_eq!((report.composed.digests, report.composed.immediate), (2, 3));
    assert_eq!((report.delivered.sent, report.delivered.dead), (5, 0));
    assert_eq!(
        recipients(&smtp),
        ["pm4@example.org", "pm4@example.org", "tm7@example.org", "w42@example.org", "w42@example.org"]
    );
    let mail = smtp.received();
    let to = |who: &str, subject: &str| {
        mail.iter()
            .find(|m| m.to == [who] && subject_and_text(m).0 == subject)
            .unwrap_or_else(|| panic!("no `{subject}` to {who}: {:?}", mail.iter().map(subject_and_text).map(|s| s.0).collect::<Vec<_>>()))
    };
    let (_, text, html) = subject_and_text(to("w42@example.org", "2 reminders — casewatch"));
    assert!(text.starts_with("Dear Staff W42,"), "{text}");
    // Grouped by child, most urgent first: LL-100042's assessment (due Friday 13th), then LL-100043's note
    // (due Monday 16th).
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} not in {text}"));
    assert!(at("LL-100042") < at("C&F assessment due: Due soon"));
    assert!(at("C&F assessment due: Due soon") < at("LL-100043"));
    assert!(at("LL-100043") < at("Statutory visit note awaiting manager's comments: Manager's comments due soon"));
    assert!(text.contains("due Fri 13 Mar 2026, 23:59"), "{text}");
    assert!(html.contains("<h3") && html.contains("LL-100042"), "{html}");
    let (_, text, _) = subject_and_text(to("pm4@example.org", "1 warning, 1 reminder — casewatch"));
    assert!(text.find("[Warning] C&F, please set priority").unwrap() < text.find("[Reminder]").unwrap());
    let escalation = to("tm7@example.org", "Escalation: Failed statutory visits (LL-100042) — casewatch");
    let (_, text, _) = subject_and_text(escalation);
    assert!(text.contains("ESCALATION: Failed statutory visits: Not seen for 10 days: team manager to decide"), "{text}");
    assert!(text.contains("Due: Fri 13 Mar 2026, 23:59"), "{text}");
    to("w42@example.org", "Overdue: Failed statutory visits (LL-100042) — casewatch");
    // The Message-ID is derived from the message's key: the same on any retry, from any replica.
    let stored = messages(&app, None).await;
    let immediate = stored.iter().find(|m| m.address == "tm7@example.org").unwrap();
    assert_eq!(escalation.parsed().message_id().map(|id| format!("<{id}>")), Some(message_id(&immediate.key)));
});

backend_test!(async fn ten_ticks_at_the_same_instant_send_each_message_once(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let app = env.app(&smtp, "").await;
    for _ in 0..10 {
        app.tick(at(THURSDAY)).await.unwrap();
    }
    assert_eq!(smtp.received().len(), 5);
    // A later tick the same day adds nothing: the digest window is spent and every stage was told.
    let later = app.tick(at("2026-03-12T15:00:00Z")).await.unwrap();
    assert_eq!((later.notices_enqueued, later.delivered.attempts()), (0, 0));
    assert_eq!(smtp.received().len(), 5);
});

backend_test!(async fn a_repeating_stage_is_told_again_five_working_days_after_the_last_notice(db) {
    // R3 `overdue` repeats every 5 working days. X = Friday 13 March, so overdue from its end; the service first
    // tells W42 on Monday 16th, so again from Monday 23rd (not Friday 20th, five working days after the stage
    // began), and again from Monday 30th.
    let env = Env::new(db.backend).await;
    let source = env.source().await;
    load_county(&source).await;
    let smtp = SmtpServer::start().await;
    let app = env.app(&smtp, "").await;
    // On its own, or together with the day's other breaches to W42 (the failed-visit ladder's).
    let overdue_to_w42 = |smtp: &SmtpServer| {
        smtp.received()
            .iter()
            .filter(|m| {
                let text = subject_and_text(m).1;
                m.to == ["w42@example.org"]
                    && (text.contains("OVERDUE: C&F assessment due: Overdue")
                        || text.contains("[Overdue] C&F assessment due: Overdue"))
            })
            .count()
    };
    app.tick(at("2026-03-16T09:00:00Z")).await.unwrap();
    assert_eq!(overdue_to_w42(&smtp), 1);
    app.tick(at("2026-03-20T09:00:00Z")).await.unwrap();
    assert_eq!(overdue_to_w42(&smtp), 1, "not before five working days after W42 was told");
    app.tick(at("2026-03-23T09:00:00Z")).await.unwrap();
    assert_eq!(overdue_to_w42(&smtp), 2);
    app.tick(at("2026-03-23T16:00:00Z")).await.unwrap();
    app.tick(at("2026-03-27T09:00:00Z")).await.unwrap();
    assert_eq!(overdue_to_w42(&smtp), 2);
    // A catch-up on Monday 6 April (a bank holiday: the notice waits for Tuesday's working hours) after a week
    // without passes sends the stage once, not once for each interval missed.
    app.tick(at("2026-04-06T09:00:00Z")).await.unwrap();
    assert_eq!(overdue_to_w42(&smtp), 2);
    app.tick(at("2026-04-07T09:00:00Z")).await.unwrap();
    assert_eq!(overdue_to_w42(&smtp), 3);
});

backend_test!(async fn a_451_is_retried_after_backoff_and_then_delivered(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let smtp = SmtpServer::builder().answer_first(1, 451).start().await;
    let app = env.app(&smtp, "").await;
    let first = app.tick(at(THURSDAY)).await.unwrap();
    assert_eq!((first.delivered.sent, first.delivered.retried), (4, 1));
    let pending = messages(&app, Some("pending")).await;
    assert_eq!(pending.len(), 1);
    assert!(pending[0].last_error.as_deref().unwrap().contains("451"), "{:?}", pending[0].last_error);
    // Backoff: 60 s with jitter of 0.5-1.5, so not before 30 s and due by 90 s.
    let too_soon = app.deliver(at("2026-03-12T09:00:29Z")).await.unwrap();
    assert_eq!(too_soon.attempts(), 0);
    let retried = app.deliver(at("2026-03-12T09:01:31Z")).await.unwrap();
    assert_eq!(retried.sent, 1);
    assert_eq!(smtp.received().len(), 5);
    let audit = app.store.case_audit("C42").await.unwrap();
    let outcomes: Vec<_> = audit.attempts.iter().map(|a| a.outcome.as_str()).collect();
    assert_eq!(outcomes.iter().filter(|o| **o == "transient").count(), 1);
    assert_eq!(outcomes.iter().filter(|o| **o == "sent").count(), 5);
});

backend_test!(async fn a_550_dead_letters_and_an_operator_requeues_it(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    let refusing = SmtpServer::builder().answer_every(550).start().await;
    let app = env.app(&refusing, "").await;
    let report = app.tick(at(THURSDAY)).await.unwrap();
    assert_eq!((report.delivered.sent, report.delivered.dead), (0, 5));
    let dead = messages(&app, Some("dead")).await;
    assert_eq!(dead.len(), 5);
    assert!(dead.iter().all(|m| m.last_error.as_deref().unwrap().contains("550")));
    // Fixed relay, re-queued: the next pass sends them, once.
    let smtp = SmtpServer::start().await;
    let app = env.app(&smtp, "").await;
    let requeued = app.store.requeue(None, at("2026-03-12T10:00:00Z")).await.unwrap();
    assert_eq!(requeued.len(), 5);
    app.tick(at("2026-03-12T10:00:00Z")).await.unwrap();
    app.tick(at("2026-03-12T10:15:00Z")).await.unwrap();
    assert_eq!(smtp.received().len(), 5);
    assert!(messages(&app, Some("dead")).await.is_empty());
});

backend_test!(async fn an_unreachable_relay_is_retried_then_dead_lettered_never_dropped(db) {
    let env = Env::new(db.backend).await;
    load_county(&env.source().await).await;
    // A port nobody listens on: connection refused, a transient failure.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let path = env.write_config(closed, "");
    let app = casewatch::app::App::open(casewatch::config::Config::load(&path).unwrap()).await.unwrap();
    let mut now = at(THURSDAY);
    for _ in 0..3 {
        app.tick(now).await.unwrap();
        now += chrono::Duration::hours(2);
    }
    // max_attempts = 3: every message tried three times, then dead-lettered where `outbox list --dead` shows it.
    let dead = messages(&app, Some("dead")).await;
    assert_eq!(dead.len(), 5);
    assert!(dead.iter().all(|m| m.attempts == 3));
});
