//! No floods: the immediate notices due to one person in one pass go as one message, each item as in a digest,
//! unless `delivery.immediate_together = false`.

use casewatch::app::App;
use casewatch::channels::Channels;
use casewatch::source::CaseSource;

use crate::county::{case, child, visit};
use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::at;
use crate::support::smtp::SmtpServer;

/// The county of [`load_county`] and a second case of W42's, C44 (LL-100044), whose statutory visit failed on
/// Tuesday 3 March: its re-attempt was due by the end of Friday 6th (the 3rd working day after), so at
/// [`THURSDAY`] it is overdue to W42 and P4 as C42's is. Its ten days run to Friday 13th: no escalation yet.
async fn load_two_failed_visits(source: &CaseSource) {
    load_county(source).await;
    let loader = source.loader();
    loader.insert(&[child("K44", "LL-100044")]).await.unwrap();
    loader
        .insert(&[case("C44", "K44", "W42", "CIN")])
        .await
        .unwrap();
    loader
        .insert(&[visit("V44", "C44", "2026-03-03T11:00:00Z", false)])
        .await
        .unwrap();
}

fn subjects_to(smtp: &SmtpServer, who: &str) -> Vec<String> {
    let mut subjects: Vec<String> = smtp
        .received()
        .iter()
        .filter(|m| m.to == [who])
        .map(|m| m.parsed().subject().unwrap_or_default().to_owned())
        .collect();
    subjects.sort();
    subjects
}

async fn app_with(env: &Env, smtp: &SmtpServer, extra: &str) -> App<Channels> {
    load_two_failed_visits(&env.source().await).await;
    env.app(smtp, extra).await
}

backend_test!(async fn two_breaches_to_one_person_in_one_pass_are_one_message(db) {
    let env = Env::new(db.backend).await;
    let smtp = SmtpServer::start().await;
    let app = app_with(&env, &smtp, "").await;
    let report = app.tick(at(THURSDAY)).await.unwrap();
    // W42: a digest and one message for both overdue re-attempts; P4 the same; S7 the C42 escalation alone.
    assert_eq!((report.composed.digests, report.composed.immediate), (2, 3));
    assert_eq!(report.delivered.sent, 5);
    assert_eq!(subjects_to(&smtp, "w42@example.org"), ["2 overdue — casewatch", "2 reminders — casewatch"]);
    assert_eq!(subjects_to(&smtp, "pm4@example.org"), ["1 warning, 1 reminder — casewatch", "2 overdue — casewatch"]);
    assert_eq!(
        subjects_to(&smtp, "tm7@example.org"),
        ["Escalation: Failed statutory visits (LL-100042) — casewatch"]
    );
    let together = smtp
        .received()
        .into_iter()
        .find(|m| m.to == ["w42@example.org"] && m.parsed().subject() == Some("2 overdue — casewatch"))
        .unwrap();
    let text = together.parsed().body_text(0).unwrap().into_owned();
    assert!(text.contains("2 overdue for the children you are responsible for, to act on today"), "{text}");
    // Each child's item as in a digest: C42's re-attempt was due by the end of Thursday 5 March, C44's by the
    // end of Friday 6th; the earlier first.
    let pos = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} not in {text}"));
    assert!(pos("LL-100042") < pos("due Thu 5 Mar 2026, 23:59"));
    assert!(pos("due Thu 5 Mar 2026, 23:59") < pos("LL-100044"));
    assert!(pos("LL-100044") < pos("due Fri 6 Mar 2026, 23:59"));
    // Both notices are in the one stored message, and a second pass sends nothing more.
    let stored = messages(&app, None).await;
    let message = stored.iter().find(|m| m.subject == "2 overdue — casewatch" && m.address == "w42@example.org").unwrap();
    assert_eq!(message.kind, "immediate");
    let again = app.tick(at(THURSDAY)).await.unwrap();
    assert_eq!(again.composed.immediate + again.composed.digests, 0);
});

backend_test!(async fn with_immediate_together_false_each_notice_goes_on_its_own(db) {
    let env = Env::new(db.backend).await;
    let smtp = SmtpServer::start().await;
    let app = app_with(&env, &smtp, "immediate_together = false").await;
    let report = app.tick(at(THURSDAY)).await.unwrap();
    assert_eq!((report.composed.digests, report.composed.immediate), (2, 5));
    assert_eq!(
        subjects_to(&smtp, "w42@example.org"),
        [
            "2 reminders — casewatch",
            "Overdue: Failed statutory visits (LL-100042) — casewatch",
            "Overdue: Failed statutory visits (LL-100044) — casewatch",
        ]
    );
});
