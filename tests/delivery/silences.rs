//! SPEC 6a silences, through the real commands: `casewatch silence add|list|end`, then passes at chosen instants.
//! A silenced case is told to no one, stays in `explain`, `audit` and the managers' summary, and what it held back
//! is told afresh when it ends (once, with two replicas on PostgreSQL state too).

use std::process::{Command, Output};

use crate::county::load_spec_example;
use crate::harness::*;
use crate::support::fixtures::at;
use crate::support::smtp::SmtpServer;
use crate::support::{Backend, backend_test};

fn casewatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(args)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run casewatch")
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn refused(out: &Output, why: &str) {
    assert!(
        !out.status.success(),
        "accepted: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(why), "{why:?} not in {stderr}");
}

backend_test!(async fn a_silence_keeps_a_case_out_of_every_message_and_is_told_afresh_when_it_ends(db) {
    let env = Env::new(db.backend).await;
    load_spec_example(&env.source().await).await;
    let smtp = SmtpServer::start().await;
    let app = env.app(&smtp, "").await;
    let config = env.dir.path().join("casewatch.toml");
    let config = config.to_str().unwrap();

    // C42's statutory visit failed on Monday 2 March 2026 at 10:00. Friday 6th, 09:00: the re-attempt was due by
    // the end of Thursday 5th (the 3rd working day after), so W42 and P4 are told it is overdue, at once.
    app.tick(at("2026-03-06T09:00:00Z")).await.unwrap();
    assert_eq!(recipients(&smtp), ["pm4@example.org", "w42@example.org"]);

    // P4 says it is in hand until the end of Friday 13 March. What is refused is refused with the reason.
    let add = |extra: &[&str]| {
        let mut args = vec!["silence", "add", "--config", config, "--case", "C42", "--reason"];
        args.push("Family moved; a visit is booked for Monday");
        args.extend_from_slice(&["--at", "2026-03-06T10:00:00Z"]);
        args.extend_from_slice(extra);
        casewatch(&args)
    };
    refused(&add(&["--until", "2026-03-13", "--by", "NOBODY"]), "--by NOBODY: no member of staff");
    // 92 days after Friday 6 March is Saturday 6 June: the 7th is one day too far.
    refused(&add(&["--until", "2026-06-07", "--by", "P4"]), "at most 92 days");
    refused(&add(&["--until", "2026-03-13", "--by", "P4", "--rule", "no-such-rule"]), "--rule no-such-rule");
    refused(&add(&["--until", "2026-03-05", "--by", "P4"]), "has passed");
    let id = stdout(&add(&["--until", "2026-03-13", "--by", "P4"]));
    assert_eq!(id.trim(), "1");

    // Thursday 12 March, 09:00: ten days after the failure the team manager would be told, and the breach's
    // repeat (every 5 working days from Friday 6th) is due: told to no one.
    app.tick(at("2026-03-12T09:00:00Z")).await.unwrap();
    assert_eq!(smtp.received().len(), 2, "nothing told while the silence is active");
    let list = stdout(&casewatch(&["silence", "list", "--config", config, "--at", "2026-03-12T09:00:00Z"]));
    assert!(list.contains("C42") && list.contains("active") && list.contains("2026-03-13"), "{list}");
    let explain = stdout(&casewatch(&[
        "explain", "--config", config, "--case", "C42", "--at", "2026-03-12T09:00:00Z",
    ]));
    assert!(explain.contains("silence 1: every rule, until Fri 13 Mar 2026"), "{explain}");
    assert!(explain.contains("holding back failed-visit-ladder escalate-to-team-manager"), "{explain}");
    let audit = stdout(&casewatch(&["audit", "--config", config, "--case", "C42"]));
    assert!(audit.contains("silence 1: every rule") && audit.contains("by P4"), "{audit}");
    let summary = stdout(&casewatch(&[
        "summary", "--config", config, "--manager", "S7", "--at", "2026-03-12T09:00:00Z", "--format", "text",
    ]));
    assert!(summary.contains("In hand"), "{summary}");
    assert!(summary.contains("until Fri 13 Mar 2026, by Staff P4: \"Family moved"), "{summary}");

    // The silence covers Friday 13th and ends as Saturday begins. Monday 16th, 09:00: what it held back is told,
    // as if it had just begun: the breach afresh to W42 and P4, the team manager's escalation (from Thursday
    // 12th) to S7, and the senior manager's (d1 + 14 days = Monday 16th) to the fallback mailbox (SM1 has no
    // address). With PostgreSQL state, a second replica passes at the same time and nothing goes twice.
    app.tick(at("2026-03-16T09:00:00Z")).await.unwrap();
    if db.backend == Backend::Postgres {
        let replica = env.app(&smtp, "").await;
        replica.tick(at("2026-03-16T09:00:00Z")).await.unwrap();
        replica.tick(at("2026-03-16T09:15:00Z")).await.unwrap();
    }
    app.tick(at("2026-03-16T09:15:00Z")).await.unwrap();
    let mut after: Vec<String> = smtp.received()[2..].iter().flat_map(|m| m.to.clone()).collect();
    after.sort();
    assert_eq!(after, ["ops@example.org", "pm4@example.org", "tm7@example.org", "w42@example.org"]);

    // A silence ended early: listed as ended by whom, and not ended twice.
    let second = stdout(&casewatch(&[
        "silence", "add", "--config", config, "--case", "C42", "--rule", "failed-visit-ladder", "--until",
        "2026-03-31", "--reason", "Police enquiry", "--by", "S7", "--at", "2026-03-16T10:00:00Z",
    ]));
    let second = second.trim();
    stdout(&casewatch(&["silence", "end", "--config", config, second, "--by", "S7", "--at", "2026-03-16T11:00:00Z"]));
    refused(
        &casewatch(&["silence", "end", "--config", config, second, "--by", "S7", "--at", "2026-03-16T11:05:00Z"]),
        "already ended",
    );
    let all = stdout(&casewatch(&["silence", "list", "--config", config, "--all", "--at", "2026-03-16T12:00:00Z"]));
    assert!(all.contains("expired") && all.contains("ended 16 Mar 2026 by S7"), "{all}");
    let active = stdout(&casewatch(&["silence", "list", "--config", config, "--at", "2026-03-16T12:00:00Z"]));
    assert!(active.ends_with("0 silence(s)\n"), "{active}");
});
