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

/// `rules show ID` prints exactly `text`.
fn shows_exactly(id: &str, text: &str) {
    assert_eq!(stdout(&["rules", "show", id]), text, "{id}");
}

/// The ladder of SPEC 8.4 with the reminder `lead` working days ahead, as `rules show` words it.
fn common_ladder(lead: &str) -> String {
    format!(
        "Stages:
- due-soon (reminder): from the start of the {lead} working day before the due date, until the due time; tells \
the worker.
- overdue (breach): from the due time, until it is done; tells the worker and the practice manager; told again \
every 5 working days while it stands.
- escalated (escalation): from the start of the 5th working day after the due date, until it is done; tells the \
team manager.
"
    )
}

/// One rule of each shape, word for word: read as a practice lead reads them, with no name from the data (`icpc`,
/// `case_summary`) and no rule grammar (`d`, `L`).
#[test]
fn show_words_one_rule_of_each_shape_word_for_word() {
    shows_exactly(
        "icpc-record",
        &format!(
            "icpc-record (havering): Initial child protection conference: record
Seed row: hv-icpc-record
Guidance: Havering recording timescales, Initial CP Conference: the CP conference record \"Within 15 working days of \
meeting\".
Watches: each ICPC held.
Due: the end of the 15th working day after the ICPC.
Done when: a conference record completed at or after the ICPC; a record linked to it counts whenever it was \
completed.
{}",
            common_ladder("2nd")
        ),
    );
    shows_exactly(
        "rcpc-report",
        &format!(
            "rcpc-report (havering): Review child protection conference: social worker's report
Seed row: hv-rcpc-report
Guidance: Havering recording timescales, CP Review Conference: the social worker's report to the chair and the \
family \"5 working days before meeting\".
Watches: each review child protection conference scheduled and not yet held or cancelled.
Due: the end of the 5th working day before the day the review child protection conference is scheduled for.
Done when: a social worker's report completed, linked to the meeting or since the previous review child protection \
conference was held; the obligation ends when the meeting is held or cancelled.
{}",
            common_ladder("3rd")
        ),
    );
    shows_exactly(
        "case-summary-3-monthly",
        &format!(
            "case-summary-3-monthly (lcs): Case summary to be updated
Seed row: lcs-cs-3m
Guidance: LCS recording guide, Case Summary: the case summary should be \"updated every 3 months\" on all open \
cases. Due 3 calendar months after the last completed case summary (or after the case opened).
Watches: each open child in need, child protection or looked-after case.
Due: the end of 3 months after the last case summary completed (or the day the case opened, when there is none).
Done when: nothing ends it: each new case summary completed moves the due date on.
{}",
            common_ladder("5th")
        ),
    );
    shows_exactly(
        "pathway-plan-by-15y9m",
        &format!(
            "pathway-plan-by-15y9m (havering): Pathway plan by 15 years 9 months
Seed row: hv-pathway-age
Guidance: Havering recording timescales, Pathway Plan: the pathway plan is \"in place by age 15 years and 9 months\" \
(the date of birth plus 189 months; a child born on the 29th to 31st of a month whose month is shorter reaches it at \
that month's end).
Watches: each open looked-after case whose child's date of birth is recorded, when the child is 15 years and 9 \
months old.
Due: the end of the day the child is 15 years and 9 months old.
Done when: a pathway plan completed, at any time.
{}",
            common_ladder("20th")
        ),
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
            "Watches: each looked-after review held.",
            "- due-soon (reminder): from the start of the 2nd working day before the due date, until the due \
           time; tells the meeting's chair.",
        ],
    );
    shows(
        "icpc-report",
        &[
            "Watches: each ICPC scheduled and not yet held or cancelled.",
            "Due: 24 hours before the scheduled time of the ICPC.",
        ],
    );
    shows(
        "eh-taf-plan",
        &[
            "Watches: each TAF review held on an early help case.",
            "Due: 72 working hours after the TAF review.",
            "Done when: a TAF plan completed and signed off at or after the TAF review; a record linked to it \
           counts whenever it was completed.",
        ],
    );
}

/// The new readings in words: a decision that starts a clock, an event that ends it, a bounded look-back, an
/// initial review told from later ones, an interval that changes with the child's age.
#[test]
fn show_words_the_readings_of_issue_24() {
    shows(
        "iow-allocate",
        &[
            "Done when: an allocation recorded at or after the decision that an initial assessment is needed or \
           decision that a child protection enquiry is needed.",
            "- due-soon (reminder): from the start of the 2nd working day before the due date, until the due \
           time; tells the manager who made the decision.",
        ],
    );
    shows(
        "iow-strat-cpe",
        &[
            "Done when: a strategy discussion held at or after the child protection enquiry's start, or in the 2 weeks \
         before its day.",
        ],
    );
    shows(
        "hv-cla-report-initial",
        &[
            "Due: the end of 1 day before the day the looked-after review is scheduled for, only when no \
         looked-after review has been held before it.",
        ],
    );
    shows(
        "hv-rha-under5",
        &[
            "Due: the end of 6 months after the last health assessment completed (or the day the case opened, when \
         there is none), only when that is before the day the child is 5 years old.",
        ],
    );
    shows(
        "tys-eha",
        &[
            "Done when: an EHA begun at or after the allocation; a record linked to it counts whenever it was \
         completed.",
        ],
    );
}

#[test]
fn show_finds_a_rule_by_its_seed_row_too() {
    shows(
        "hv-icpc-record",
        &[
            "icpc-record (havering): Initial child protection conference: record",
            "Due: the end of the 15th working day after the ICPC.",
        ],
    );
}

#[test]
fn show_words_the_national_pack_settings_and_series() {
    shows(
        "national-cla-visits",
        &[
            "Watches: each open looked-after case, counted from the latest placement's start (from the case's \
           opening when there is none), unless that is marked long_term.",
            "Due: the end of 6 weeks after the last statutory visit with the child seen since then; or, when there \
           is none, 7 days after the latest placement's start.",
            "Settings (the figures above that an authority may change, with \
           `rules.settings.national-cla-visits`): `first_visit_days` = 7 and `interval_weeks` = 6.",
        ],
    );
    shows(
        "national-cla-visits-long-term",
        &[
            "Due: the end of 6 weeks after the last statutory visit with the child seen since then when that is \
         before 12 months after the latest placement's start, and otherwise 3 months after it; or, when there is \
         none, 7 days after the latest placement's start.",
        ],
    );
    shows(
        "national-cp-reviews",
        &[
            "Due: the end of 3 months after the latest ICPC held when there is no review child protection \
         conference held since then, and otherwise 6 months after the last review child protection conference \
         held since then.",
        ],
    );
    shows(
        "national-cla-reviews",
        &[
            "Due: the end of the 20th working day after the latest time the child became looked after when there is \
         no looked-after review held since then, and otherwise 3 months after the last looked-after review held \
         since then when there are fewer than 2 looked-after reviews held since then, and otherwise 6 months after \
         it.",
        ],
    );
    shows(
        "national-cp-visits",
        &[
            "Due: the end of the 10th working day after the last statutory visit with the child seen (or the day the \
         case opened, when there is none).",
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
    assert_eq!(rhi["timescale"], "72 hours after the return from missing");
}

#[test]
fn list_one_pack_as_a_table() {
    let table = stdout(&["rules", "list", "--pack", "luton"]);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines[0], "| id | row | title | shape | due | guidance |");
    assert_eq!(lines.len(), 2 + 5, "{table}");
    assert!(lines[2].starts_with(
        "| `workbook-decision` | lu-wb-decision | Decision to open a Workbook | after-event | 24 hours after the \
         transfer into the service | "
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
        text.contains("Due: the end of the 10th working day after the ICPC.\n"),
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
