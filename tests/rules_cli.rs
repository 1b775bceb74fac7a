//! `casewatch rules list` and `rules show`: the words a practice lead reads, checked word for word for a few rules;
//! local rule files reviewed before deployment; a broken rule file named by file, rule and field (exit 2).

use std::path::Path;
use std::process::{Command, Output};

fn casewatch(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_casewatch"))
        .args(args)
        .output()
        .expect("casewatch runs")
}

fn stdout(args: &[&str]) -> String {
    let out = casewatch(args);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write");
    path.display().to_string()
}

#[test]
fn show_explains_an_icpc_record_stage_by_stage() {
    assert_eq!(
        stdout(&["rules", "show", "icpc-record"]),
        "icpc-record (havering): Initial child protection conference: record
Seed row: hv-icpc-record
Guidance: Havering recording timescales, Initial CP Conference: the CP conference record \"Within 15 working days of meeting\".
Watches: each icpc meeting held.
Due: the end of the 15th working day after the day of the icpc meeting.
Done when: a conference_record record, dated at or after it (or linked to it).
Stages:
- due-soon (reminder): from the start of the 2nd working day before the due date, until the due time; tells the worker.
- overdue (breach): from the due time, until it is done; tells the worker and the practice manager; told again every 5 working days while it stands.
- escalated (escalation): from the start of the 5th working day after the due date, until it is done; tells the team manager.
"
    );
}

/// `rules show ID` says each of these lines, word for word.
fn shows(id: &str, lines: &[&str]) {
    let text = stdout(&["rules", "show", id]);
    for line in lines {
        assert!(
            text.contains(&format!("{line}\n")),
            "{id}: no line {line:?} in\n{text}"
        );
    }
}

#[test]
fn show_names_the_chair_and_hours_before_a_meeting() {
    shows(
        "hv-cla-decisions",
        &[
            "- due-soon (reminder): from the start of the 2nd working day before the due date, until the due \
           time; tells the meeting's chair.",
        ],
    );
    shows(
        "icpc-report",
        &[
            "Watches: each icpc meeting scheduled, not yet held or cancelled.",
            "Due: 24 hours before the scheduled time of the icpc meeting.",
        ],
    );
    shows(
        "eh-taf-plan",
        &[
            "Watches: each taf review meeting held on a case of type EARLY_HELP.",
            "Due: 72 working hours after the taf review meeting.",
            "Done when: a taf_plan record (authorised), dated at or after it (or linked to it).",
        ],
    );
}

#[test]
fn show_finds_a_rule_by_its_seed_row_too() {
    shows(
        "hv-icpc-record",
        &[
            "icpc-record (havering): Initial child protection conference: record",
            "Due: the end of the 15th working day after the day of the icpc meeting.",
        ],
    );
}

#[test]
fn show_words_the_national_pack_settings_and_series() {
    shows(
        "national-cla-visits",
        &[
            "Due: the end of 6 weeks (setting `interval_weeks`) after the day of the latest statutory visit with the \
           child seen since then; or, where that is not recorded, 7 days (setting `first_visit_days`) after the day \
           of the latest placement started (else the start of the day the case opened).",
        ],
    );
    shows(
        "national-cla-visits-long-term",
        &[
            "Due: the end of 6 weeks (setting `first_year_interval_weeks`) after the day of the latest statutory \
           visit with the child seen since then when the day of the latest statutory visit with the child seen \
           since then is before 12 months (setting `first_year_months`) after the day of the latest placement \
           started (else the start of the day the case opened), and otherwise 3 months (setting \
           `later_interval_months`) after the day of the latest statutory visit with the child seen since then; \
           or, where that is not recorded, 7 days (setting `first_visit_days`) after the day of the latest \
           placement started (else the start of the day the case opened).",
        ],
    );
    shows(
        "national-cp-reviews",
        &[
            "Due: the end of 3 months (setting `first_review_months`) after the day of the latest icpc (else the \
           start of the day the case opened) when there is no rcpc meeting held since then, and otherwise 6 months \
           (setting `later_review_months`) after the day of the latest rcpc meeting held since then.",
        ],
    );
    shows(
        "national-cp-visits",
        &[
            "Due: the end of the 10th working day (setting `interval_working_days`) after the day of the latest \
           statutory visit with the child seen (else the start of the day the case opened).",
        ],
    );
}

#[test]
fn show_explains_the_built_in_rules_too() {
    shows(
        "statutory-visit-oversight",
        &[
            "- auto-finalised (breach): from the end of the 5th working day after the day the visit's case note \
           was started, until it is done; tells the practice manager and the team manager.",
        ],
    );
    shows(
        "hv-cl-needs",
        &["Due: the end of the 35th working day after the day the child is 18 years old."],
    );
}

#[test]
fn list_as_json_has_every_pack_rule_with_its_guidance() {
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&["rules", "list", "--format", "json"])).expect("json");
    let rules = json.as_array().expect("an array");
    let packs: Vec<&serde_json::Value> = rules.iter().filter(|r| r["pack"] != "default").collect();
    assert!(packs.len() >= 170, "{} pack rules", packs.len());
    assert!(
        packs
            .iter()
            .all(|r| r["guidance"].as_str().is_some_and(|g| !g.is_empty()))
    );
    let rhi = rules
        .iter()
        .find(|r| r["id"] == "rhi-offer")
        .expect("rhi-offer");
    assert_eq!(rhi["pack"], "havering");
    assert_eq!(rhi["row"], "hv-rhi-offer");
    assert_eq!(rhi["shape"], "after-event");
    assert_eq!(rhi["title"], "Return home interview to be offered");
    assert_eq!(
        rhi["timescale"],
        "72 hours after the returned from missing event"
    );
}

#[test]
fn list_one_pack_as_a_table() {
    let table = stdout(&["rules", "list", "--pack", "luton"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "| id | row | title | shape | due | guidance |");
    assert_eq!(lines.len(), 2 + 5, "{table}");
    assert!(lines[2].starts_with(
        "| `workbook-decision` | lu-wb-decision | Decision to open a Workbook | after-event | 24 hours after the \
         transferred in event | "
    ));
    let out = casewatch(&["rules", "list", "--pack", "barsetshire"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no rule is in pack `barsetshire`"));
}

#[test]
fn a_local_file_is_reviewed_before_it_is_deployed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let local = write(
        dir.path(),
        "local.toml",
        r#"
pack = "local-review"

[[rule]]
id = "icpc-record"
row = "hv-icpc-record"
title = "Initial child protection conference: record (10 working days)"
guidance = "Local practice: 10 working days."
subject = { kind = "after-event", meetings = ["icpc"] }
evidence = { records = ["conference_record"] }
due = "d + 10wd"
"#,
    );
    let text = stdout(&["rules", "show", "icpc-record", "--file", &local]);
    assert!(text.starts_with("icpc-record (local-review): "), "{text}");
    assert!(
        text.contains("Due: the end of the 10th working day after the day of the icpc meeting.\n"),
        "{text}"
    );
    let config = write(
        dir.path(),
        "casewatch.toml",
        r#"
[source]
url = "sqlite://cases.db"
[state]
url = "sqlite://state.db"
[notify]
fallback_address = "casewatch-ops@council.example"
[rules]
packs = ["luton"]
files = ["local.toml"]
disabled = ["kit-visit-due"]
"#,
    );
    let json: serde_json::Value = serde_json::from_str(&stdout(&[
        "rules", "list", "--config", &config, "--format", "json",
    ]))
    .expect("json");
    let ids: Vec<&str> = json
        .as_array()
        .expect("array")
        .iter()
        .map(|r| r["id"].as_str().expect("id"))
        .collect();
    assert_eq!(ids.len(), 6 - 1 + 5 + 1, "{ids:?}");
    assert!(ids.contains(&"lu-gcs") && ids.contains(&"icpc-record"));
    assert!(!ids.contains(&"kit-visit-due") && !ids.contains(&"icpc-decisions"));
}

#[test]
fn a_broken_rule_file_exits_2_naming_file_rule_and_field() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bad = write(
        dir.path(),
        "bad.toml",
        r#"
[[rule]]
id = "icpc-record"
guidance = "\"Within 15 working days of meeting\""
subject = { kind = "after-event", meetings = ["icpc"] }
evidence = { records = ["conference_record"] }
due = "d + 15 working days"
"#,
    );
    for args in [
        &["rules", "list", "--file", &bad][..],
        &["rules", "show", "icpc-record", "--file", &bad][..],
    ] {
        let out = casewatch(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&bad) && err.contains("rule `icpc-record`, due: "),
            "{err}"
        );
    }
}

#[test]
fn docs_packs_md_holds_each_pack_as_rules_list_prints_it() {
    let docs = std::fs::read_to_string("docs/packs.md").expect("docs/packs.md");
    for (pack, _) in casewatch::rules::PACKS {
        let table = stdout(&["rules", "list", "--pack", pack]);
        assert!(
            docs.contains(&format!("### `{pack}`\n\n{table}")),
            "docs/packs.md is out of date for pack {pack}: regenerate it with `casewatch rules list --pack {pack}`"
        );
    }
}
