//! Time travel: a pass every 15 minutes from Monday 23 March to Wednesday 8 April 2026 (the clocks go forward on
//! Sunday 29 March; Good Friday 3 April and Easter Monday 6 April are bank holidays: eleven working days), over a
//! random caseload whose stages begin at all hours and whose data changes on the way. Each person's notices go to
//! their own webhook on a real HTTP server. The service is down twice: over one morning's window (back within
//! working hours) and over a whole working day (back in the evening). With PostgreSQL state a second replica
//! composes and delivers beside the first at every pass.
//!
//! What each person receives is checked against the delivery rules (README, "How delivery works"), with the
//! windows, working hours and working days worked out by the test's own calendar. Which stages are active at a
//! pass is what that pass's evaluation found (the rules themselves are checked against the SPEC elsewhere).

mod calendar;
mod caseload;
mod check;

use casewatch::app::App;
use casewatch::channels::Channels;
use chrono::{DateTime, Duration, Utc};

use self::caseload::{Caseload, What};
use self::check::{Active, Episode, Receipt, Run, check};
use crate::harness::{Env, generic_webhook};
use crate::support::backend_test;
use crate::support::fixtures::at;
use crate::support::smtp::SmtpServer;
use crate::webhook_server::Server;

const START: &str = "2026-03-23T00:00:00Z";
/// Thursday 9 April, 00:00 BST.
const END: &str = "2026-04-08T23:00:00Z";
const SEED: u64 = 14;

/// When the service is down: no pass runs from the first instant until the second.
const OUTAGES: [(&str, &str); 2] = [
    // Wednesday 25 March, 06:00–10:30 GMT: the 08:00 window is caught up at 10:30.
    ("2026-03-25T06:00:00Z", "2026-03-25T10:30:00Z"),
    // Tuesday 31 March, 07:00–19:00 BST: back after working hours; that window's notices wait for Wednesday's.
    ("2026-03-31T06:00:00Z", "2026-03-31T18:00:00Z"),
];

/// Local timescales beside the built-in pack: a reminder measured in hours (it can end before the next window),
/// and a reminder repeated every three working days.
const LOCAL_RULES: &str = r#"
[[rule]]
id = "note-same-day"
title = "Visit note read the same day"
guidance = "a timescale in hours, for the delivery time-travel test"
subject = { kind = "visit-note", visit_types = ["statutory"] }
done_when = ["manager_commented", "note_finalised"]

[[rule.stage]]
name = "read-it"
from = "note_created"
due_at = "note_created + 6h"
severity = "reminder"
notify = ["supervisor"]

[[rule]]
id = "assessment-nudge"
title = "Assessment still open"
guidance = "a repeating reminder, for the delivery time-travel test"
subject = { kind = "assessment" }
done_when = ["completed"]

[rule.anchors]
D = "started"

[[rule.stage]]
name = "open"
from = "start(D + 2wd)"
due_at = "end(D + 60wd)"
severity = "reminder"
notify = ["worker"]
repeat_every = "3wd"
"#;

fn config(env: &Env, hook: &Server, load: &Caseload) -> String {
    std::fs::write(env.dir.path().join("local-rules.toml"), LOCAL_RULES).unwrap();
    let mut text = "[rules]\nfiles = [\"local-rules.toml\"]\n".to_owned();
    for person in &load.staff {
        let id = &person.id.0;
        text += &generic_webhook(env, &format!("hook-{id}"), &hook.url);
        text += &format!(
            "max_per_second = 1000\n[[routes]]\nstaff = [\"{id}\"]\nwebhooks = [\"hook-{id}\"]\nemail = false\n"
        );
    }
    text
}

fn down(now: DateTime<Utc>) -> bool {
    OUTAGES
        .iter()
        .any(|(from, until)| at(from) <= now && now < at(until))
}

fn episode(item: &serde_json::Value) -> Episode {
    let text = |k: &str| item[k].as_str().unwrap_or_default().to_owned();
    Episode {
        rule: text("rule"),
        subject: text("subject_id"),
        stage: text("stage"),
        from: at(&text("from")),
    }
}

/// Drives the passes, recording what each found active and what each person received at it.
async fn drive(
    env: &Env,
    load: &Caseload,
    app: &App<Channels>,
    replica: Option<&App<Channels>>,
    hook: &Server,
) -> Run {
    let source = env.source().await;
    let mut run = Run::default();
    let mut changes = load.changes.iter().peekable();
    let mut received = 0;
    let mut now = at(START);
    while now < at(END) {
        while let Some(change) = changes.next_if(|c| c.at <= now) {
            match &change.what {
                What::Record(visit) => source
                    .loader()
                    .insert(std::slice::from_ref(visit))
                    .await
                    .unwrap(),
                What::Sql(sql) => env.source_db.execute(sql).await,
            }
            run.ended
                .extend(change.ends.iter().map(|e| (now, e.clone())));
        }
        if !down(now) {
            app.evaluate_and_enqueue(now).await.unwrap();
            // The pass keeps no lines (it enqueues a batch of cases at a time): read what was active again.
            let evaluation = casewatch::app::evaluate(&app.config, &app.calendar, &app.source, now)
                .await
                .unwrap();
            let active = evaluation.lines.iter().map(|line| Active {
                episode: Episode {
                    rule: line.rule.clone(),
                    subject: line.subject_id.clone(),
                    stage: line.stage.clone(),
                    from: line.from,
                },
                person: line
                    .staff_id
                    .clone()
                    .expect("every role resolves to a person"),
                immediate: matches!(line.severity.to_string().as_str(), "breach" | "escalation"),
                due_at: line.due_at,
            });
            run.passes.push((now, active.collect()));
            if let Some(replica) = replica {
                let (a, b) = tokio::join!(app.compose(now), replica.compose(now));
                a.unwrap();
                b.unwrap();
                let (a, b) = tokio::join!(app.deliver(now), replica.deliver(now));
                a.unwrap();
                b.unwrap();
            } else {
                app.compose(now).await.unwrap();
                app.deliver(now).await.unwrap();
            }
            let requests = hook.requests();
            for request in &requests[received..] {
                let body = request.json();
                let items = body["items"].as_array().unwrap();
                run.receipts.push(Receipt {
                    at: now,
                    person: body["to"]
                        .as_str()
                        .unwrap()
                        .trim_start_matches("hook-")
                        .into(),
                    digest: body["kind"] == "digest",
                    items: items
                        .iter()
                        .map(|i| {
                            (
                                episode(i),
                                i["case_id"].as_str().unwrap().into(),
                                i["severity"].as_str().unwrap().into(),
                            )
                        })
                        .collect(),
                });
            }
            received = requests.len();
        }
        now += Duration::minutes(15);
    }
    run
}

backend_test!(async fn passes_every_quarter_hour_for_two_weeks_tell_each_person_at_their_windows(db) {
    let env = Env::new(db.backend).await;
    let load = caseload::generate(SEED, at(START), at(END));
    let source = env.source().await;
    let loader = source.loader();
    loader.insert(&load.staff).await.unwrap();
    loader.insert(&load.children).await.unwrap();
    loader.insert(&load.cases).await.unwrap();
    loader.insert(&load.assessments).await.unwrap();
    loader.insert(&load.visits).await.unwrap();
    let smtp = SmtpServer::start().await;
    let hook = Server::start([]).await;
    let extra = config(&env, &hook, &load);
    let app = env.app(&smtp, &extra).await;
    let replica = match db.backend {
        crate::support::Backend::Postgres => Some(env.app(&smtp, &extra).await),
        crate::support::Backend::Sqlite => None,
    };

    let run = drive(&env, &load, &app, replica.as_ref(), &hook).await;

    let (problems, counts) = check(&run);
    eprintln!("{:?}: {} passes, {counts:?}", db.backend, run.passes.len());
    assert!(
        problems.is_empty(),
        "{} problems; the first 40:\n{}",
        problems.len(),
        problems.iter().take(40).cloned().collect::<Vec<_>>().join("\n")
    );
    assert!(smtp.received().is_empty(), "every notice is routed to a webhook");
    // The run exercised what it checks.
    for what in ["digests", "immediate", "caught-up digests", "reminders sent at once", "repeats"] {
        assert!(counts.get(what).copied().unwrap_or(0) > 0, "no {what}: {counts:?}");
    }
});
