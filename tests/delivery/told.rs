//! Notices that say what happened: the facts behind a breach or escalation (from the rule's labelled anchors),
//! who was told before (from the state database), what to do, and the link to the case — after a sequence of
//! passes over the SPEC's C42, with no child's name, fact or history line in any log line.

use casewatch::app::App;
use casewatch::config::Config;
use tracing::level_filters::LevelFilter;

use crate::county::load_spec_example;
use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::at;
use crate::support::smtp::{Received, SmtpServer};

fn bodies(m: &Received) -> (String, String) {
    let parsed = m.parsed();
    (
        parsed
            .body_text(0)
            .unwrap_or_default()
            .replace("\r\n", "\n"),
        parsed
            .body_html(0)
            .unwrap_or_default()
            .replace("\r\n", "\n"),
    )
}

backend_test!(async fn an_escalation_says_what_happened_who_was_told_before_and_links_the_case(db) {
    let logs = crate::support::LogCapture::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_max_level(LevelFilter::TRACE)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let env = Env::new(db.backend).await;
    load_spec_example(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let config = env.config_text(smtp.port(), "").replace(
        "fallback_address = \"ops@example.org\"",
        "fallback_address = \"ops@example.org\"\ncase_url = \"https://lcs.council.example/case/{case_id}\"",
    );
    let path = env.dir.path().join("casewatch.toml");
    std::fs::write(&path, config).unwrap();
    let app = App::open(Config::load(&path).unwrap()).await.unwrap();
    // C42's statutory visit failed on Monday 2 March at 10:00 (GMT). Tuesday 3rd: the re-attempt reminder in
    // W42's 08:00 digest. Friday 6th: the re-attempt was due by the end of Thursday 5th (the 3rd working day
    // after), so it is overdue to W42 and P4, at once. Thursday 12th: ten days after the failure, the team
    // manager S7 (tm7@) is told.
    for pass in ["2026-03-03T09:00:00Z", "2026-03-06T09:00:00Z", "2026-03-12T09:00:00Z"] {
        app.tick(at(pass)).await.unwrap();
    }
    let mail = smtp.received();
    let to_tm7: Vec<&Received> = mail.iter().filter(|m| m.to == ["tm7@example.org"]).collect();
    assert_eq!(to_tm7.len(), 1);
    assert_eq!(
        to_tm7[0].parsed().subject(),
        Some("Escalation: Failed statutory visits (LL-100042) — casewatch")
    );
    let (text, html) = bodies(to_tm7[0]);
    assert!(text.contains("ESCALATION: Failed statutory visits: Not seen for 10 days: team manager to decide"), "{text}");
    assert!(text.contains("What happened:\n  - Visit failed: Mon 2 Mar 2026, 10:00\n"), "{text}");
    // Earliest first; W42 was told as worker, P4 as practice manager (the rule's `supervisor`), both on Friday.
    let told = text.split("Who was told before:\n").nth(1).unwrap().split("\n\n").next().unwrap();
    let mut lines: Vec<&str> = told.lines().collect();
    assert_eq!(lines[0], "  - Staff W42 (worker) was reminded on Tue 3 Mar 2026", "{text}");
    lines.sort();
    assert_eq!(
        lines,
        [
            "  - Staff P4 (practice manager) was told it was overdue on Fri 6 Mar 2026",
            "  - Staff W42 (worker) was reminded on Tue 3 Mar 2026",
            "  - Staff W42 (worker) was told it was overdue on Fri 6 Mar 2026",
        ]
    );
    assert!(text.contains("What to do: The child has not been seen for 10 days after a failed visit"), "{text}");
    assert!(text.contains("Open the case: https://lcs.council.example/case/C42\n"), "{text}");
    assert!(html.contains(r#"<a href="https://lcs.council.example/case/C42""#), "{html}");
    assert!(html.contains("<li>Staff P4 (practice manager) was told it was overdue on Fri 6 Mar 2026</li>"), "{html}");

    // Friday's breach reminded W42 of their own reminder on Tuesday.
    let friday = mail
        .iter()
        .find(|m| m.to == ["w42@example.org"] && m.parsed().subject().unwrap_or_default().starts_with("Overdue"))
        .unwrap();
    let (text, _) = bodies(friday);
    assert!(text.contains("Failed statutory visits: Re-attempt overdue"), "{text}");
    assert!(text.contains("Who was told before:\n  - You (worker) were reminded on Tue 3 Mar 2026\n"), "{text}");

    // The child's name ("Fictional Child" in the case database), the facts and the history stay out of the logs.
    let logged = logs.text();
    assert!(logged.contains("casewatch"), "the capture saw the passes: {logged}");
    for secret in ["Fictional", "Visit failed", "was told it was overdue", "reminded on"] {
        assert!(!logged.contains(secret), "`{secret}` logged:\n{logged}");
    }
});
