//! Rule files: the built-in pack loads, a local pack can replace a rule's timescale, and mistakes are reported
//! with the rule, stage and field they are in.

mod common;
use casewatch::rules::RulePack;
use common::*;

#[test]
fn builtin_pack_has_the_six_spec_rules() {
    let pack = RulePack::load(true, &[] as &[&str], &[]).unwrap();
    let ids: Vec<_> = pack.rules.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "statutory-visit-oversight",
            "cf-set-priority",
            "cf-assessment-due",
            "failed-visit-ladder",
            "kit-visit-due",
            "kit-ssda903-window"
        ]
    );
}

fn error_of(text: &str) -> String {
    RulePack::parse(text, "local.toml").unwrap_err().to_string()
}

const HEAD: &str = r#"
[[rule]]
id = "local-rule"
subject = { kind = "visit-note" }
[rule.anchors]
D = "date(note_created)"
"#;

fn with_stage(from: &str, due: &str) -> String {
    format!(
        "{HEAD}\n[[rule.stage]]\nname = \"s1\"\nfrom = \"{from}\"\ndue_at = \"{due}\"\nseverity = \"reminder\"\nnotify = [\"worker\"]\n"
    )
}

#[test]
fn unknown_anchor_names_rule_stage_and_field() {
    let e = error_of(&with_stage("start(Q + 3wd)", "end(D)"));
    assert_eq!(
        e,
        "rule file local.toml: rule `local-rule`, stage `s1`, from: unknown anchor `Q`"
    );
}

#[test]
fn a_date_where_an_instant_is_needed() {
    let e = error_of(&with_stage("D + 3wd", "end(D)"));
    assert!(
        e.contains("stage `s1`, from: `D + 3wd` is a date; write start(...) or end(...)"),
        "{e}"
    );
    let e = error_of(&with_stage("start(note_created)", "end(D)"));
    assert!(
        e.contains("`note_created` is an instant; write date(note_created)"),
        "{e}"
    );
}

#[test]
fn bad_units_and_syntax() {
    assert!(error_of(&with_stage("start(D + 3x)", "end(D)")).contains("unknown unit `x`"));
    assert!(error_of(&with_stage("start(D + 3)", "end(D)")).contains("an amount needs a unit"));
    assert!(
        error_of(&with_stage("start(D + 3h)", "end(D)"))
            .contains("a date cannot be shifted by hours")
    );
    assert!(
        error_of(&with_stage("start(D + 3wd", "end(D)")).contains("expected `)`, found the end")
    );
    assert!(error_of(&with_stage("note_created + 2d", "end(D)")).contains("shifted by hours"));
}

#[test]
fn unknown_fact_lists_what_the_subject_offers() {
    let text =
        with_stage("start(D)", "end(D)").replace("notify", "done_when = [\"signed\"]\nnotify");
    let e = error_of(&text);
    assert!(
        e.contains(
            "unknown fact `signed` (this subject offers: manager_commented, note_finalised)"
        ),
        "{e}"
    );
}

#[test]
fn anchors_in_a_circle() {
    let text = with_stage("start(D)", "end(D)").replace(
        "D = \"date(note_created)\"",
        "D = \"E + 1d\"\nE = \"D + 1d\"",
    );
    assert!(error_of(&text).contains("depend on each other in a circle: D, E"));
}

#[test]
fn unknown_subject_kind_and_misplaced_fields() {
    let e = error_of(&with_stage("start(D)", "end(D)").replace("visit-note", "visit-notes"));
    assert!(e.contains("unknown subject kind `visit-notes`"), "{e}");
    let e = error_of(&with_stage("start(D)", "end(D)").replace(
        "kind = \"visit-note\"",
        "kind = \"visit-note\", ages = [18]",
    ));
    assert!(
        e.contains("subject.ages does not apply to kind `visit-note`"),
        "{e}"
    );
}

#[test]
fn unknown_keys_and_bad_values_are_toml_errors_with_the_key() {
    let e = error_of(
        &with_stage("start(D)", "end(D)")
            .replace("severity = \"reminder\"", "severity = \"urgent\""),
    );
    assert!(e.contains("urgent") && e.contains("severity"), "{e}");
    let e = error_of(&with_stage("start(D)", "end(D)").replace("notify", "notfy"));
    assert!(e.contains("notfy"), "{e}");
}

#[test]
fn disabled_rule_must_exist() {
    let e = RulePack::load(true, &[] as &[&str], &["no-such-rule".into()]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "rule file configuration: rules.disabled: no rule has the id `no-such-rule`"
    );
    let pack = RulePack::load(true, &[] as &[&str], &["kit-ssda903-window".into()]).unwrap();
    assert_eq!(pack.rules.len(), 5);
}

#[test]
fn a_local_pack_replaces_a_builtin_timescale() {
    // A local authority whose system finalises notes after 3 working days instead of 5.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("local.toml");
    let local = casewatch::rules::DEFAULT_RULES
        .split("\n[[rule]]")
        .nth(1)
        .map(|r| {
            format!("[[rule]]{r}")
                .replace("X = \"D + 5wd\"", "X = \"D + 3wd\"")
                .replace("D + 3wd)", "D + 1wd)")
        })
        .unwrap();
    std::fs::write(&path, local).unwrap();
    let pack = RulePack::load(true, &[&path], &[]).unwrap();
    assert_eq!(pack.rules.len(), 6);
    let mut file = case_file("C1", "CP");
    file.visits.push(statutory_note(
        "V1",
        "C1",
        "2026-03-02T10:00:00Z",
        "2026-03-02T16:30:00Z",
    ));
    let mut out = Vec::new();
    let cal = casewatch::calendar::WorkingCalendar::new(Default::default(), []);
    pack.evaluate_case(
        &file,
        &cal,
        &casewatch::rules::AsOf::new(t("2026-03-05T23:59:59Z")),
        &mut out,
    );
    // X = Thu 5 March now: the note auto-finalises at the end of that day.
    let names: Vec<_> = out.iter().map(|a| a.stage(&pack).name.as_str()).collect();
    assert_eq!(names, ["upcoming", "due-today", "auto-finalised"]);
}
