//! Bounded messages (SPEC 6a): a message lists at most `delivery.max_items_per_message` items, the most urgent,
//! says how many more there are, and carries every item in `items.csv`; webhooks get `more`, Teams and Slack say
//! "And N more"; the audit says which notices were listed and which counted.

use casewatch::app::App;
use casewatch::channels::Channels;
use casewatch::model::Staff;
use casewatch::source::CaseSource;
use chrono::{Datelike, Duration, NaiveDate, Weekday};
use mail_parser::MimeHeaders;

use crate::county::{case, child, person, staff, visit};
use crate::harness::*;
use crate::support::backend_test;
use crate::support::fixtures::at;
use crate::support::smtp::{Received, SmtpServer};
use crate::webhook_server::Server;

/// The 26 working days from Friday 30 January to Friday 6 March 2026 (no bank holiday falls between them).
/// `[delivery]` lines: every failed visit here is told, the first (due Wednesday 4 February) too, which the
/// default go-live date (20 working days before the first pass on Thursday 12 March: Thursday 12 February) would
/// keep in the backlog.
const TELL_ALL: &str = "tell_from = \"2026-01-05\"\n";

fn failed_visit_days() -> Vec<NaiveDate> {
    let mut day = NaiveDate::from_ymd_opt(2026, 1, 30).unwrap();
    let mut days = Vec::new();
    while days.len() < 26 {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            days.push(day);
        }
        day += Duration::days(1);
    }
    assert_eq!(days[25], NaiveDate::from_ymd_opt(2026, 3, 6).unwrap());
    days
}

fn worker(id: &str) -> Staff {
    person(
        id,
        Some(&format!("{}@example.org", id.to_lowercase())),
        Some("P4"),
        None,
    )
}

/// W1, W25 and W26 (all supervised by P4) with 1, 25 and 26 cases, each with one failed statutory visit at 10:00
/// on the Nth of [`failed_visit_days`], the child `LL-<worker>-<N>` (`LL-1-01`, `LL-26-01` … `LL-26-26`), case `C<worker>-<N>`.
///
/// At [`THURSDAY`] each re-attempt is overdue (due by the end of the 3rd working day after the visit: the 1st
/// visit's by Wednesday 4 February, the 26th's by Wednesday 11 March), so each worker is told of their own as
/// breaches, in one immediate message, the earliest due first; P4 of all 52. S7 is told of the 45 failed on or
/// before Monday 2 March (10 days before), SM1 — who has no email, so the fallback mailbox — of the 41 on or
/// before Thursday 26 February (14 days before).
async fn load_failed_visits(source: &CaseSource) {
    let loader = source.loader();
    let mut people = staff();
    people.extend(["W1", "W25", "W26"].map(worker));
    loader.insert(&people).await.unwrap();
    let days = failed_visit_days();
    for (who, n) in [("W1", 1), ("W25", 25), ("W26", 26)] {
        for (i, day) in days.iter().take(n).enumerate() {
            let tag = format!("{}-{:02}", &who[1..], i + 1);
            let (k, c) = (format!("K{tag}"), format!("C{tag}"));
            loader
                .insert(&[child(&k, &format!("LL-{tag}"))])
                .await
                .unwrap();
            loader.insert(&[case(&c, &k, who, "CIN")]).await.unwrap();
            let when = format!("{day}T10:00:00Z");
            loader
                .insert(&[visit(&format!("V{tag}"), &c, &when, false)])
                .await
                .unwrap();
        }
    }
}

fn to<'a>(smtp: &'a [Received], who: &str) -> &'a Received {
    let mut sent = smtp.iter().filter(|m| m.to == [who]);
    let one = sent.next().unwrap_or_else(|| panic!("nothing to {who}"));
    assert!(sent.next().is_none(), "one message to {who}");
    one
}

/// The message's `items.csv`, parsed: the header and the rows.
fn items_csv(mail: &Received) -> (Vec<String>, Vec<Vec<String>>) {
    let parsed = mail.parsed();
    // The text and HTML as alternatives of each other, and the file beside them.
    let mixed = parsed.content_type().unwrap();
    assert_eq!(
        (mixed.ctype(), mixed.subtype()),
        ("multipart", Some("mixed"))
    );
    let files: Vec<_> = parsed.attachments().collect();
    assert_eq!(files.len(), 1, "one attachment");
    assert_eq!(files[0].attachment_name(), Some("items.csv"));
    let mut reader = csv::Reader::from_reader(files[0].contents());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

fn text_and_html(mail: &Received) -> (String, String) {
    let parsed = mail.parsed();
    (
        parsed.body_text(0).unwrap().into_owned(),
        parsed.body_html(0).unwrap().into_owned(),
    )
}

/// The children `LL-<who>-<from>` to `LL-<who>-<to>`.
fn children(who: &str, from: usize, to: usize) -> Vec<String> {
    (from..=to).map(|n| format!("LL-{who}-{n:02}")).collect()
}

backend_test!(async fn messages_of_1_25_and_26_items_list_at_most_25_and_attach_every_item(db) {
    let env = Env::new(db.backend).await;
    load_failed_visits(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let app = env.app(&smtp, TELL_ALL).await;
    app.tick(at(THURSDAY)).await.unwrap();
    let mail = smtp.received();

    // One item: the message on its own, and items.csv with its one row.
    let one = to(&mail, "w1@example.org");
    assert_eq!(one.parsed().subject(), Some("Overdue: Failed statutory visits (LL-1-01) — casewatch"));
    let (header, rows) = items_csv(one);
    assert_eq!(
        header,
        ["severity", "title", "stage", "child", "case_id", "record_id", "due_uk_time", "role", "link"]
    );
    assert_eq!(
        rows,
        [["breach", "Failed statutory visits", "Re-attempt overdue", "LL-1-01", "C1-01", "C1-01", "2026-02-04 23:59", "worker", ""]]
    );

    // 25 items: every one listed, nothing "more".
    let w25 = to(&mail, "w25@example.org");
    assert_eq!(w25.parsed().subject(), Some("25 overdue — casewatch"));
    let (text, html) = text_and_html(w25);
    for child in children("25", 1, 25) {
        assert!(text.contains(&child) && html.contains(&child), "{child} listed");
    }
    assert!(!text.contains("more") && !html.contains("more"), "{text}");
    let (_, rows) = items_csv(w25);
    assert_eq!(rows.iter().map(|r| r[3].clone()).collect::<Vec<_>>(), children("25", 1, 25));

    // 26 items: the subject counts all 26; the body lists the 25 due first and counts the 26th, the
    // last re-attempt due (Wednesday 11 March); items.csv holds all 26, most urgent first.
    let w26 = to(&mail, "w26@example.org");
    assert_eq!(w26.parsed().subject(), Some("26 overdue — casewatch"));
    let (text, html) = text_and_html(w26);
    for child in children("26", 1, 25) {
        assert!(text.contains(&child) && html.contains(&child), "{child} listed");
    }
    assert!(!text.contains("LL-26-26") && !html.contains("LL-26-26"), "{text}");
    assert!(text.contains("This message lists the 25 most urgent. The other 1 (1 overdue) is in the attached items.csv, which holds every item."), "{text}");
    assert!(text.contains("And 1 more, less urgent (1 overdue): every item is in the attached items.csv."), "{text}");
    assert!(html.contains("<strong>And 1 more, less urgent</strong> (1 overdue): every item is in the attached <strong>items.csv</strong>."), "{html}");
    let (_, rows) = items_csv(w26);
    assert_eq!(rows.iter().map(|r| r[3].clone()).collect::<Vec<_>>(), children("26", 1, 26));
    assert_eq!(rows[0][6], "2026-02-04 23:59");
    assert_eq!(rows[25][4..7], ["C26-26", "C26-26", "2026-03-11 23:59"]);

    // A supervisor's breaches, a team manager's escalations and the fallback mailbox's are bounded the same way.
    let stored = messages(&app, None).await;
    let listed = |address: &str| {
        let m = stored.iter().find(|m| m.address == address).unwrap();
        let items: Vec<serde_json::Value> = serde_json::from_str(&m.items_json).unwrap();
        (m.subject.clone(), items.len(), m.listed)
    };
    assert_eq!(listed("pm4@example.org"), ("52 overdue — casewatch".into(), 52, Some(25)));
    assert_eq!(listed("tm7@example.org"), ("45 escalations — casewatch".into(), 45, Some(25)));
    assert_eq!(listed("ops@example.org"), ("41 escalations — casewatch".into(), 41, Some(25)));
    assert_eq!(listed("w26@example.org").2, Some(25));
    assert_eq!(listed("w1@example.org").2, Some(1));
    let (text, _) = text_and_html(to(&mail, "tm7@example.org"));
    assert!(text.contains("And 20 more, less urgent (20 escalations)"), "{text}");
    assert_eq!(items_csv(to(&mail, "ops@example.org")).1.len(), 41);
});

/// P4's digest at [`THURSDAY`], on five cases of W42's: three "C&F, please set priority" warnings (assessments
/// started Friday 27 February, Monday 2 and Thursday 5 March: due by the end of the 10th working day after, 13,
/// 16 and 19 March) and two "manager's comments due soon" reminders (statutory-visit notes started Friday 6 and
/// Monday 9 March: due by the end of the 5th working day after, 13 and 16 March).
async fn load_five_digest_items(source: &CaseSource) {
    let loader = source.loader();
    loader.insert(&staff()).await.unwrap();
    // A case of W42's for each child `LL-<tag>`.
    let case_of = async |tag: &str| {
        let (k, c) = (format!("K{tag}"), format!("C{tag}"));
        loader
            .insert(&[child(&k, &format!("LL-{tag}"))])
            .await
            .unwrap();
        loader.insert(&[case(&c, &k, "W42", "CIN")]).await.unwrap();
        c
    };
    for (tag, started) in [
        ("W13", "2026-02-27"),
        ("W16", "2026-03-02"),
        ("W19", "2026-03-05"),
    ] {
        let case_id = case_of(tag).await;
        let assessment = casewatch::model::Assessment {
            id: format!("A{tag}"),
            case_id: case_id.into(),
            started_on: started.parse().unwrap(),
            referral_on: None,
            priority_working_days: 45,
            priority_set_at: None,
            completed_on: None,
            worker_id: None,
        };
        loader.insert(&[assessment]).await.unwrap();
    }
    for (tag, created) in [
        ("R13", "2026-03-06T14:00:00Z"),
        ("R16", "2026-03-09T14:00:00Z"),
    ] {
        let case_id = case_of(tag).await;
        let mut note = visit(&format!("V{tag}"), &case_id, created, true);
        note.note_created_at = Some(at(created));
        loader.insert(&[note]).await.unwrap();
    }
}

backend_test!(async fn with_a_bound_of_3_a_digest_lists_the_3_most_urgent(db) {
    let env = Env::new(db.backend).await;
    load_five_digest_items(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let app: App<Channels> = env.app(&smtp, &format!("{TELL_ALL}max_items_per_message = 3")).await;
    app.tick(at(THURSDAY)).await.unwrap();
    let mail = smtp.received();
    let digest = to(&mail, "pm4@example.org");
    assert_eq!(digest.parsed().subject(), Some("3 warnings, 2 reminders — casewatch"));
    // Warnings before reminders, whatever their due dates: the three warnings are listed, due 13, 16, 19 March.
    let (text, _) = text_and_html(digest);
    let pos = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} not in {text}"));
    assert!(pos("LL-W13") < pos("LL-W16") && pos("LL-W16") < pos("LL-W19"), "{text}");
    assert!(!text.contains("LL-R13") && !text.contains("LL-R16"), "{text}");
    assert!(text.contains("And 2 more, less urgent (2 reminders)"), "{text}");
    let (_, rows) = items_csv(digest);
    let order: Vec<(&str, &str)> = rows.iter().map(|r| (r[0].as_str(), r[3].as_str())).collect();
    assert_eq!(
        order,
        [("warning", "LL-W13"), ("warning", "LL-W16"), ("warning", "LL-W19"), ("reminder", "LL-R13"), ("reminder", "LL-R16")]
    );
});

backend_test!(async fn the_audit_says_which_notices_were_listed_and_which_counted(db) {
    let env = Env::new(db.backend).await;
    load_failed_visits(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let app = env.app(&smtp, TELL_ALL).await;
    app.tick(at(THURSDAY)).await.unwrap();
    // C26-13, failed on Tuesday 17 February (the 13th day): W26 has it 13th of 26, listed. P4, S7 and the fallback
    // mailbox each list the 25 due first: LL-1-01, LL-25-01, LL-26-01 (day 1), then two a day to day 12.
    let audit = app.store.case_audit("C26-13").await.unwrap();
    let mut out = Vec::new();
    casewatch::outbox::write_audit("C26-13", &audit, &mut out).unwrap();
    let out = String::from_utf8(out).unwrap();
    let lines: Vec<&str> = out.lines().collect();
    let message_line = |notice: &str| {
        let at = lines.iter().position(|l| l.contains(notice)).unwrap_or_else(|| panic!("{notice} in {out}"));
        lines[at + 1]
    };
    assert!(message_line("notice for worker W26 <w26@example.org>").ends_with("(immediate, now sent): listed"), "{out}");
    for counted in ["notice for supervisor P4 <pm4@example.org>", "notice for team_manager S7 <tm7@example.org>"] {
        assert!(message_line(counted).contains("now sent): counted in \"and N more\", not listed"), "{out}");
    }
});

/// A generic, a Teams and a Slack webhook that W26's breaches are also routed to.
fn three_hooks(env: &Env, generic: &Server, teams: &Server, slack: &Server) -> String {
    let mut extra = generic_webhook(env, "w26-hook", &generic.url);
    for (name, kind, server) in [("w26-teams", "teams", teams), ("w26-slack", "slack", slack)] {
        let file = env.dir.path().join(name);
        std::fs::write(&file, &server.url).unwrap();
        extra += &format!(
            "\n[[webhooks]]\nname = \"{name}\"\nkind = \"{kind}\"\nurl_secret = {{ file = \"{}\" }}\nallow_plain_http_loopback = true\n",
            file.display()
        );
    }
    extra
        + "\n[[routes]]\nstaff = [\"W26\"]\nseverities = [\"breach\"]\nwebhooks = [\"w26-hook\", \"w26-teams\", \"w26-slack\"]\n"
}

backend_test!(async fn webhooks_list_the_most_urgent_and_say_how_many_more(db) {
    let env = Env::new(db.backend).await;
    load_failed_visits(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let (generic, teams, slack) = (Server::start([]).await, Server::start([]).await, Server::start([]).await);
    let app = env.app(&smtp, &format!("{TELL_ALL}{}", three_hooks(&env, &generic, &teams, &slack))).await;
    app.tick(at(THURSDAY)).await.unwrap();

    let body = generic.only_request().json();
    let items = body["items"].as_array().unwrap();
    let listed: Vec<&str> = items.iter().map(|i| i["child"].as_str().unwrap()).collect();
    assert_eq!(listed, children("26", 1, 25));
    assert_eq!(body["more"], 1);

    let card = teams.only_request().json();
    let blocks = card["attachments"][0]["content"]["body"].as_array().unwrap().clone();
    assert_eq!(blocks.len(), 1 + 25 + 1, "a heading, 25 items, the closing line");
    assert_eq!(blocks[1]["items"][1]["facts"][0]["value"], "LL-26-01");
    assert_eq!(blocks[25]["items"][1]["facts"][0]["value"], "LL-26-25");
    assert_eq!(blocks[26]["text"], "And 1 more, less urgent, not shown here.");

    let message = slack.only_request().json();
    let blocks = message["blocks"].as_array().unwrap();
    assert_eq!(blocks.len(), 1 + 25 + 1);
    assert_eq!(blocks[25]["fields"][0]["text"], "*Child*\nLL-26-25");
    assert_eq!(blocks[26]["elements"][0]["text"], "And 1 more, less urgent, not shown here.");
    assert_eq!(message["text"], "26 overdue — casewatch: 26 items");
});
