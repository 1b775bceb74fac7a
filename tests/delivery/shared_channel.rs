//! Several managers' summaries routed to one shared Teams, Slack or generic channel: each is a message of its own.

use casewatch::model::Staff;

use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::{at, staff};
use crate::support::smtp::SmtpServer;
use crate::webhook_server::{Reply, Server};

backend_test!(async fn three_managers_summaries_to_one_channel_are_three_messages(db) {
    let env = Env::new(db.backend).await;
    let source = env.source().await;
    let mut people = Vec::new();
    for n in 1..=3 {
        let team = format!("Team {n}");
        people.push(Staff {
            role: "team_manager".into(),
            team: Some(team.clone()),
            ..staff(&format!("T{n}"))
        });
        people.push(Staff {
            team: Some(team),
            manager_id: Some(format!("T{n}").as_str().into()),
            ..staff(&format!("W{n}"))
        });
    }
    source.loader().insert(&people).await.unwrap();
    let smtp = SmtpServer::start().await;
    let hook = Server::start((0..3).map(|_| Reply::status(200))).await;
    let routes = generic_webhook(&env, "managers", &hook.url)
        + r#"
[[routes]]
teams = ["Team 1", "Team 2", "Team 3"]
webhooks = ["managers"]
email = false
"#;
    let app = env.app(&smtp, &routes).await;
    // Thursday 12 March 2026, 09:00: the 08:30 summary time is open.
    let report = app.tick(at(THURSDAY)).await.unwrap();
    assert_eq!(report.summaries, 3, "one summary per manager");
    let requests = hook.requests();
    assert_eq!(requests.len(), 3, "three messages to the shared channel");
    let mut readers: Vec<String> = requests
        .iter()
        .map(|r| r.json()["summary"]["title"].as_str().unwrap_or_default().to_owned())
        .collect();
    readers.sort();
    assert_eq!(readers, ["Team 1", "Team 2", "Team 3"]);
    assert!(smtp.received().is_empty(), "the route sends no email");
});
