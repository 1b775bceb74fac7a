//! Webhook delivery against a real HTTP server on 127.0.0.1: the three payloads, and what each kind of reply
//! means for the outbox.

mod webhook_server;

use std::time::Duration;

use casewatch::channels::ChannelError;
use casewatch::channels::webhook::{WebhookChannel, WebhookKind};
use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use webhook_server::{Reply, SIGNING_KEY, Server, item, message, settings};

fn channel_for(kind: WebhookKind, server: &Server) -> (WebhookChannel, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let channel = WebhookChannel::new(&settings(kind, &server.url, dir.path())).unwrap();
    (channel, dir)
}

fn transient_reason(error: ChannelError) -> String {
    match error {
        ChannelError::Transient { reason, .. } => reason,
        ChannelError::Permanent { .. } => panic!("expected a transient error: {error:?}"),
    }
}

fn two_items() -> Vec<casewatch::channels::Item> {
    vec![
        item(
            "breach",
            "C&F assessment due",
            "CH-0042",
            "2026-03-03T23:59:59Z",
        ),
        item(
            "warning",
            "Statutory visit due",
            "CH-0107",
            "2026-07-01T22:59:59Z",
        ),
    ]
}

#[tokio::test]
async fn generic_payload_is_signed_over_timestamp_and_raw_body() {
    let server = Server::start([]).await;
    let (channel, _dir) = channel_for(WebhookKind::Generic, &server);
    let msg = message("k-2026-03-04-w17", two_items());

    let receipt = channel.send(&msg).await.unwrap();

    assert!(receipt.detail.starts_with("HTTP 200"), "{receipt:?}");
    let request = server.only_request();
    assert_eq!(request.header("content-type"), "application/json");
    assert_eq!(request.header("idempotency-key"), "k-2026-03-04-w17");
    let timestamp = request.header("x-casewatch-timestamp");
    let sent: i64 = timestamp.parse().unwrap();
    assert!((Utc::now().timestamp() - sent).abs() < 60, "{sent}");
    // Verify as a receiver would, with nothing from the channel's code: HMAC-SHA256 of "<timestamp>.<body>".
    let signature = request.header("x-casewatch-signature");
    let hex_digest = signature.strip_prefix("sha256=").expect("sha256= prefix");
    let mut mac = Hmac::<Sha256>::new_from_slice(SIGNING_KEY.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(&request.body);
    mac.verify_slice(&hex::decode(hex_digest).unwrap())
        .expect("signature verifies");
}

#[tokio::test]
async fn generic_payload_has_the_documented_shape_and_no_names_but_the_childs_reference() {
    let server = Server::start([]).await;
    let (channel, _dir) = channel_for(WebhookKind::Generic, &server);
    let msg = message("k-1", two_items());

    channel.send(&msg).await.unwrap();

    let body = server.only_request().json();
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id", "items", "kind", "more", "sent_at", "subject", "to", "version"
        ]
    );
    assert_eq!(body["more"], 0, "every item listed");
    assert_eq!(body["version"], 1);
    assert_eq!(body["id"], "k-1");
    assert_eq!(body["kind"], "digest");
    assert_eq!(body["to"], "cin-team");
    assert_eq!(body["subject"], "casewatch: 2 deadlines need attention");
    assert!(body["sent_at"].as_str().unwrap().ends_with('Z'));
    let first = &body["items"][0];
    assert_eq!(first["child"], "CH-0042");
    assert_eq!(first["severity"], "breach");
    assert_eq!(first["due_at"], "2026-03-03T23:59:59Z");
    assert_eq!(body["items"].as_array().unwrap().len(), 2);
    // The recipient's display name and the rendered bodies stay out.
    let raw = String::from_utf8(server.only_request().body.to_vec()).unwrap();
    assert!(
        !raw.contains("Priya") && !raw.contains("html body"),
        "{raw}"
    );
}

#[tokio::test]
async fn teams_payload_is_a_workflows_adaptive_card_with_one_block_per_item() {
    let server = Server::start([Reply::status(202)]).await;
    let (channel, _dir) = channel_for(WebhookKind::Teams, &server);
    let msg = message("k-2", two_items());

    let receipt = channel.send(&msg).await.unwrap();

    assert_eq!(receipt.detail, "HTTP 202 Accepted");
    let body = server.only_request().json();
    assert_eq!(body["type"], "message");
    let attachment = &body["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    let card = &attachment["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(card["version"], "1.4");
    let blocks = card["body"].as_array().unwrap();
    assert_eq!(blocks.len(), 1 + 2, "a heading, then one block per item");
    assert_eq!(blocks[0]["text"], "casewatch: 2 deadlines need attention");
    // Most urgent first, as the message orders them; due times on the UK wall clock (GMT in March, BST in July).
    assert_eq!(blocks[1]["items"][0]["text"], "Breach: C&F assessment due");
    let facts = |block: &serde_json::Value| -> Vec<(String, String)> {
        block["items"][1]["facts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["title"].as_str().unwrap().into(),
                    f["value"].as_str().unwrap().into(),
                )
            })
            .collect()
    };
    let first = facts(&blocks[1]);
    assert!(
        first.contains(&("Child".into(), "CH-0042".into())),
        "{first:?}"
    );
    assert!(
        first.contains(&("Stage".into(), "overdue".into())),
        "{first:?}"
    );
    assert!(first.contains(&("Due (UK time)".into(), "Tue 3 Mar 2026 23:59".into())));
    let second = facts(&blocks[2]);
    assert!(second.contains(&("Due (UK time)".into(), "Wed 1 Jul 2026 23:59".into())));
}

#[tokio::test]
async fn slack_payload_has_blocks_and_escaped_text() {
    let server = Server::start([]).await;
    let (channel, _dir) = channel_for(WebhookKind::Slack, &server);
    let mut msg = message("k-3", two_items());
    msg.subject = "Overdue: C&F <urgent>".into();
    msg.items[0].child = "<!channel>".into();

    channel.send(&msg).await.unwrap();

    let body = server.only_request().json();
    assert_eq!(body["text"], "Overdue: C&amp;F &lt;urgent&gt;: 2 items");
    let blocks = body["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 1 + 2);
    assert_eq!(blocks[0]["type"], "header");
    assert_eq!(blocks[0]["text"]["type"], "plain_text");
    assert_eq!(blocks[0]["text"]["text"], "Overdue: C&F <urgent>");
    assert_eq!(blocks[1]["type"], "section");
    assert_eq!(
        blocks[1]["text"]["text"],
        "*Breach*: C&amp;F assessment due"
    );
    assert_eq!(blocks[1]["fields"][0]["text"], "*Child*\n&lt;!channel&gt;");
    assert_eq!(
        blocks[2]["fields"][2]["text"],
        "*Due (UK time)*\nWed 1 Jul 2026 23:59"
    );
}

/// An escalation as casewatch composes it: its stage label, the facts behind it, who was told before, what to do
/// and the case's link.
fn told_item() -> casewatch::channels::Item {
    let mut item = item(
        "escalation",
        "Failed statutory visits",
        "CH-0042",
        "2026-03-13T23:59:59Z",
    );
    item.stage = "escalate-to-team-manager".into();
    item.stage_label = "Not seen for 10 days: team manager to decide".into();
    item.facts = vec!["Visit failed: Mon 2 Mar 2026, 10:00".into()];
    item.history = vec!["Staff W42 (worker) was told it was overdue on Fri 6 Mar 2026".into()];
    item.action = Some("Decide what happens next & record it.".into());
    item.link = Some("https://lcs.council.example/case/C-1001".into());
    item
}

#[tokio::test]
async fn teams_card_says_what_happened_who_was_told_what_to_do_and_opens_the_case() {
    let server = Server::start([Reply::status(202)]).await;
    let (channel, _dir) = channel_for(WebhookKind::Teams, &server);
    channel
        .send(&message("k-6", vec![told_item()]))
        .await
        .unwrap();
    let body = server.only_request().json();
    let items = body["attachments"][0]["content"]["body"][1]["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        items[1]["facts"][1]["value"],
        "Not seen for 10 days: team manager to decide"
    );
    let texts: Vec<&str> = items.iter().filter_map(|i| i["text"].as_str()).collect();
    assert_eq!(
        texts[1..],
        [
            "**What happened:** Visit failed: Mon 2 Mar 2026, 10:00",
            "**Told before:** Staff W42 (worker) was told it was overdue on Fri 6 Mar 2026",
            "**To do:** Decide what happens next & record it.",
        ]
    );
    let button = &items.last().unwrap()["actions"][0];
    assert_eq!(button["type"], "Action.OpenUrl");
    assert_eq!(button["title"], "Open case C-1001");
    assert_eq!(button["url"], "https://lcs.council.example/case/C-1001");
}

/// A notice that reached no one: the card says whom it was meant for and why, and names the role as the
/// authority does ("practice manager", not the rule files' `supervisor`).
#[tokio::test]
async fn teams_card_of_a_notice_meant_for_someone_else_says_whom_and_why() {
    let server = Server::start([Reply::status(202)]).await;
    let (channel, _dir) = channel_for(WebhookKind::Teams, &server);
    let mut item = told_item();
    item.role = "supervisor".into();
    let why = "Meant for the practice manager of worker W42. It came here because staff P4, who holds that role, \
               has no email address.";
    item.meant_for = vec![why.into()];
    channel.send(&message("k-6b", vec![item])).await.unwrap();
    let body = server.only_request().json();
    let items = body["attachments"][0]["content"]["body"][1]["items"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(items[1]["facts"][3]["title"], "You are told as");
    assert_eq!(items[1]["facts"][3]["value"], "practice manager");
    let texts: Vec<&str> = items.iter().filter_map(|i| i["text"].as_str()).collect();
    assert_eq!(texts[1], format!("**Why it came here:** {why}"));
}

#[tokio::test]
async fn a_teams_card_of_many_full_items_stays_under_teams_limit() {
    // Teams refuses cards of more than about 28 KB. Fifty items with long facts, history and action texts.
    let server = Server::start([Reply::status(202)]).await;
    let (channel, _dir) = channel_for(WebhookKind::Teams, &server);
    let long = "x".repeat(1000);
    let mut item = told_item();
    item.facts = vec![long.clone(); 3];
    item.history = vec![long.clone(); 5];
    item.action = Some(long);
    channel.send(&message("k-7", vec![item; 50])).await.unwrap();
    let size = server.only_request().body.len();
    assert!(size < 28 * 1024, "{size} bytes");
}

#[tokio::test]
async fn a_teams_card_of_25_items_of_the_usual_size_lists_them_all_under_teams_limit() {
    // The default bound: 25 escalations, each with two facts, two lines of who was told before, what to do and
    // a link, for 25 different children; a 26th only counted.
    let server = Server::start([Reply::status(202)]).await;
    let (channel, _dir) = channel_for(WebhookKind::Teams, &server);
    let items: Vec<_> = (1..=26)
        .map(|n| {
            let mut item = told_item();
            item.child = format!("LL-1000{n:02}");
            item.case_id = format!("C-10{n:02}");
            item.link = Some(format!("https://lcs.council.example/case/C-10{n:02}"));
            item.facts.push("Last seen: Fri 20 Feb 2026, 10:00".into());
            item.history
                .push("Staff P4 (supervisor) was told it was overdue on Fri 6 Mar 2026".into());
            item
        })
        .collect();
    let mut msg = message("k-25", items);
    msg.listed = 25;

    channel.send(&msg).await.unwrap();

    let request = server.only_request();
    let size = request.body.len();
    assert!(size < 28 * 1024, "{size} bytes");
    let blocks = request.json()["attachments"][0]["content"]["body"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        blocks.len(),
        1 + 25 + 1,
        "a heading, 25 items, the closing line"
    );
    assert_eq!(blocks[25]["items"][1]["facts"][0]["value"], "LL-100025");
    assert_eq!(
        blocks[26]["text"],
        "And 1 more, less urgent, not shown here."
    );
}

#[tokio::test]
async fn slack_section_says_what_happened_and_has_a_button_to_the_case() {
    let server = Server::start([]).await;
    let (channel, _dir) = channel_for(WebhookKind::Slack, &server);
    channel
        .send(&message("k-8", vec![told_item()]))
        .await
        .unwrap();
    let section = &server.only_request().json()["blocks"][1];
    assert_eq!(
        section["text"]["text"],
        "*Escalation*: Failed statutory visits\n*What happened:* Visit failed: Mon 2 Mar 2026, 10:00\n\
         *Told before:* Staff W42 (worker) was told it was overdue on Fri 6 Mar 2026\n\
         *To do:* Decide what happens next &amp; record it."
    );
    assert_eq!(
        section["fields"][1]["text"],
        "*Stage*\nNot seen for 10 days: team manager to decide"
    );
    assert_eq!(section["accessory"]["type"], "button");
    assert_eq!(section["accessory"]["text"]["text"], "Open case C-1001");
    assert_eq!(
        section["accessory"]["url"],
        "https://lcs.council.example/case/C-1001"
    );
}

#[tokio::test]
async fn server_errors_are_transient_and_a_503_says_when_to_retry() {
    let server = Server::start([
        Reply::status(503).header("retry-after", "7"),
        Reply::status(500).body("upstream exploded"),
    ])
    .await;
    let (channel, _dir) = channel_for(WebhookKind::Generic, &server);
    let msg = message("k-4", two_items());

    let first = channel.send(&msg).await.unwrap_err();
    let second = channel.send(&msg).await.unwrap_err();
    let third = channel.send(&msg).await;

    assert!(
        matches!(first, ChannelError::Transient { retry_after: Some(d), .. } if d == Duration::from_secs(7))
    );
    assert_eq!(
        second,
        ChannelError::Transient {
            reason: "HTTP 500 Internal Server Error: upstream exploded".into(),
            retry_after: None
        }
    );
    assert!(third.is_ok(), "{third:?}");
    let keys: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.header("idempotency-key").to_owned())
        .collect();
    assert_eq!(keys, ["k-4", "k-4", "k-4"], "one key across retries");
}

#[tokio::test]
async fn one_connection_serves_successive_sends() {
    let server = Server::start([Reply::status(503)]).await;
    let (channel, _dir) = channel_for(WebhookKind::Teams, &server);
    let msg = message("k-12", two_items());

    for _ in 0..3 {
        let _ = channel.send(&msg).await;
    }

    let peers: Vec<_> = server.requests().iter().map(|r| r.peer).collect();
    assert_eq!(peers.len(), 3);
    assert!(peers.iter().all(|p| *p == peers[0]), "{peers:?}");
}

#[tokio::test]
async fn too_many_requests_is_transient_with_the_servers_retry_after() {
    let server = Server::start([Reply::status(429).header("retry-after", "2")]).await;
    let (channel, _dir) = channel_for(WebhookKind::Slack, &server);

    let error = channel
        .send(&message("k-5", two_items()))
        .await
        .unwrap_err();

    assert!(
        matches!(error, ChannelError::Transient { retry_after: Some(d), .. } if d == Duration::from_secs(2)),
        "{error:?}"
    );
}

#[tokio::test]
async fn request_timeout_is_transient() {
    let server = Server::start([Reply::status(408)]).await;
    let (channel, _dir) = channel_for(WebhookKind::Teams, &server);

    let error = channel
        .send(&message("k-6", two_items()))
        .await
        .unwrap_err();

    assert!(error.is_transient(), "{error:?}");
}

#[tokio::test]
async fn client_errors_are_permanent_and_keep_the_reply() {
    let server = Server::start([
        Reply::status(400).body("invalid_payload"),
        Reply::status(404).body("no_service"),
    ])
    .await;
    let (channel, _dir) = channel_for(WebhookKind::Slack, &server);
    let msg = message("k-7", two_items());

    let bad_request = channel.send(&msg).await.unwrap_err();
    let not_found = channel.send(&msg).await.unwrap_err();

    assert_eq!(
        bad_request,
        ChannelError::permanent("HTTP 400 Bad Request: invalid_payload")
    );
    assert_eq!(
        not_found,
        ChannelError::permanent("HTTP 404 Not Found: no_service")
    );
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let server =
        Server::start([Reply::status(301).header("location", "http://elsewhere.example/hook")])
            .await;
    let (channel, _dir) = channel_for(WebhookKind::Generic, &server);

    let error = channel
        .send(&message("k-8", two_items()))
        .await
        .unwrap_err();

    let ChannelError::Permanent { reason } = error else {
        panic!("{error:?}")
    };
    assert!(
        reason.starts_with("HTTP 301") && reason.contains("does not follow redirects"),
        "{reason}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_transient_and_names_no_url() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    drop(listener);
    let dir = tempfile::tempdir().unwrap();
    let channel = WebhookChannel::new(&settings(WebhookKind::Teams, &url, dir.path())).unwrap();

    let error = channel
        .send(&message("k-9", two_items()))
        .await
        .unwrap_err();

    let reason = transient_reason(error);
    assert!(reason.starts_with("cannot connect"), "{reason}");
    assert!(!reason.contains("/hook"), "{reason}");
}

#[tokio::test]
async fn a_reply_slower_than_the_timeout_is_transient() {
    let server = Server::start([Reply::status(200).after(Duration::from_secs(3))]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut hook = settings(WebhookKind::Generic, &server.url, dir.path());
    hook.timeout_seconds = 1.try_into().unwrap();
    let channel = WebhookChannel::new(&hook).unwrap();

    let error = channel
        .send(&message("k-10", two_items()))
        .await
        .unwrap_err();

    let reason = transient_reason(error);
    assert!(reason.starts_with("timed out"), "{reason}");
}

#[tokio::test]
async fn five_concurrent_sends_at_two_a_second_take_two_seconds() {
    let server = Server::start([]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut hook = settings(WebhookKind::Generic, &server.url, dir.path());
    hook.max_per_second = Some(2.try_into().unwrap());
    let channel = WebhookChannel::new(&hook).unwrap();
    let msg = message("k-11", two_items());
    let start = tokio::time::Instant::now();

    let results = futures_util::future::join_all((0..5).map(|_| channel.send(&msg))).await;

    // Slots at 0, 0.5, 1, 1.5 and 2 seconds.
    let elapsed = start.elapsed();
    assert!(results.iter().all(Result::is_ok));
    assert!(elapsed >= Duration::from_secs(2), "{elapsed:?}");
    assert!(elapsed < Duration::from_secs(4), "{elapsed:?}");
    assert_eq!(server.requests().len(), 5);
}

/// Throughput into the local server, release mode:
/// `cargo test --release --test webhook -- --ignored --nocapture throughput`
#[tokio::test(flavor = "multi_thread")]
#[ignore = "a measurement, not a check"]
async fn throughput_of_generic_messages_at_concurrency_eight() {
    use futures_util::StreamExt;
    let server = Server::start([]).await;
    let dir = tempfile::tempdir().unwrap();
    let mut hook = settings(WebhookKind::Generic, &server.url, dir.path());
    hook.max_per_second = Some(1_000_000.try_into().unwrap());
    let channel = WebhookChannel::new(&hook).unwrap();
    let messages: Vec<_> = (0..1000)
        .map(|i| message(&format!("k-{i}"), two_items()))
        .collect();
    let start = std::time::Instant::now();

    let delivered = futures_util::stream::iter(&messages)
        .map(|msg| channel.send(msg))
        .buffer_unordered(8)
        .filter(|r| std::future::ready(r.is_ok()))
        .count()
        .await;

    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(delivered, 1000);
    println!(
        "1000 generic webhooks at concurrency 8 in {seconds:.3} s: {:.0} webhooks/s",
        1000.0 / seconds
    );
}

/// A manager's summary as the outbox stores it for a webhook: the summary itself, no items.
fn summary_message(key: &str) -> casewatch::channels::Message {
    let mut msg = message(key, Vec::new());
    msg.kind = casewatch::channels::MessageKind::Summary;
    msg.subject = "0 escalations, 1 breach in Team 1 — casewatch daily summary".into();
    msg.summary = Some(Box::new(casewatch::summary::Summary::sample()));
    msg
}

#[tokio::test]
async fn a_summary_goes_to_teams_as_a_card_with_the_counts_trend_and_a_button_to_each_case() {
    let server = Server::start([Reply::status(202)]).await;
    let (channel, _dir) = channel_for(WebhookKind::Teams, &server);
    channel.send(&summary_message("k-9")).await.unwrap();
    let body = server.only_request().json();
    let blocks = body["attachments"][0]["content"]["body"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(
        blocks[0]["text"],
        "0 escalations, 1 breach in Team 1 — casewatch daily summary"
    );
    assert_eq!(
        blocks[1]["facts"][1],
        serde_json::json!({ "title": "Breaches", "value": "1" })
    );
    assert_eq!(
        blocks[1]["facts"][2],
        serde_json::json!({ "title": "New since the last summary", "value": "1" })
    );
    // One working day in the sample's trend, with one breach open: the tallest bar.
    assert_eq!(blocks[3]["text"], "█");
    let texts: Vec<&str> = blocks.iter().filter_map(|b| b["text"].as_str()).collect();
    assert!(
        texts.contains(&"Team 1: 0 escalations, 1 breach"),
        "{texts:?}"
    );
    assert!(
        texts.contains(&"REF-1: Rule (Overdue), 1 working day overdue; Worker, Team 1"),
        "{texts:?}"
    );
    let button = blocks.iter().find(|b| b["type"] == "ActionSet").unwrap();
    assert_eq!(button["actions"][0]["url"], "https://lcs.example/case/C1");
    let last = blocks.last().unwrap();
    assert_eq!(
        last["facts"][0],
        serde_json::json!({ "title": "Rule, Team 1", "value": "1 of 1 (100%)" })
    );
}

#[tokio::test]
async fn a_summary_goes_to_slack_with_fields_a_sparkline_and_a_button_to_each_case() {
    let server = Server::start([]).await;
    let (channel, _dir) = channel_for(WebhookKind::Slack, &server);
    channel.send(&summary_message("k-10")).await.unwrap();
    let body = server.only_request().json();
    assert_eq!(
        body["text"],
        "0 escalations, 1 breach in Team 1 — casewatch daily summary"
    );
    let blocks = body["blocks"].as_array().unwrap().clone();
    assert_eq!(blocks[1]["fields"][1]["text"], "*Breaches*\n1");
    assert!(
        blocks[2]["text"]["text"]
            .as_str()
            .unwrap()
            .starts_with("*Breaches open, last 4 weeks*\n`█`\n")
    );
    let case = blocks
        .iter()
        .find(|b| b.get("accessory").is_some())
        .unwrap();
    assert_eq!(case["accessory"]["url"], "https://lcs.example/case/C1");
    assert!(blocks.len() <= 50);
}

#[tokio::test]
async fn a_summary_in_the_generic_payload_is_the_summary_itself() {
    let server = Server::start([]).await;
    let (channel, _dir) = channel_for(WebhookKind::Generic, &server);
    channel.send(&summary_message("k-11")).await.unwrap();
    let body = server.only_request().json();
    assert_eq!(body["kind"], "summary");
    assert_eq!(body["items"], serde_json::json!([]));
    assert_eq!(body["summary"]["breaches"], 1);
    assert_eq!(
        body["summary"]["trend"][0],
        serde_json::json!({ "day": "2026-03-02", "open": 1 })
    );
}
