//! The rule language's additions for the seeds' timescales (seed-timescales.md, "Anchor-time subtleties"), each at
//! its edges: weeks, working hours, the same working day, the earlier or later of two times, the first or latest
//! meeting of a kind, a grace period after closure, and the `owner` and `team:NAME` roles. Expected values are
//! worked out on the calendar by hand (England and Wales; clocks change 29 Mar and 25 Oct 2026).

mod common;

use std::collections::BTreeMap;

use casewatch::calendar::{Region, WorkingCalendar};
use casewatch::evaluate::Evaluator;
use casewatch::model::{Staff, StaffId};
use casewatch::recipients::Directory;
use casewatch::rules::RulePack;
use casewatch::rules::expr::{self, Kind, Symbols, Value};
use common::*;

fn calendar() -> WorkingCalendar {
    WorkingCalendar::new(Region::EnglandAndWales, [])
}

/// Evaluates `text` with a date anchor `D` and an instant anchor `T`.
fn eval(text: &str, date: Option<&str>, instant: Option<&str>) -> Option<String> {
    let mut symbols = Symbols::default();
    symbols.push("D", Kind::Date);
    symbols.push("T", Kind::Instant);
    let e = expr::parse(text, &symbols).unwrap_or_else(|e| panic!("{text}: {e}"));
    let env = [
        date.map(|s| Value::Date(d(s))),
        instant.map(|s| Value::Instant(t(s))),
    ];
    e.eval(&env, &calendar()).map(|v| match v {
        Value::Date(d) => d.to_string(),
        Value::Instant(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        Value::Number(n) => n.to_string(),
    })
}

fn parse_error(text: &str) -> String {
    let mut symbols = Symbols::default();
    symbols.push("D", Kind::Date);
    symbols.push("T", Kind::Instant);
    expr::parse(text, &symbols).unwrap_err()
}

#[test]
fn weeks_are_seven_calendar_days_and_cross_month_ends_and_leap_days() {
    assert_eq!(
        eval("D + 1w", Some("2028-02-25"), None).as_deref(),
        Some("2028-03-03")
    );
    assert_eq!(
        eval("D + 12w", Some("2026-12-31"), None).as_deref(),
        Some("2027-03-25")
    );
    assert_eq!(
        eval("D - 2w", Some("2028-03-07"), None).as_deref(),
        Some("2028-02-22")
    );
}

#[test]
fn working_hours_count_only_working_days() {
    let wh = |at: &str, n: u32| eval(&format!("T + {n}wh"), None, Some(at)).unwrap();
    // Fri 13 Nov 2026 16:00 + 72wh: Mon, Tue, Wed: Wed 18 Nov 16:00.
    assert_eq!(wh("2026-11-13T16:00:00Z", 72), "2026-11-18T16:00:00Z");
    // From a Saturday, counting starts at 00:00 on Monday: Sat 14 Nov + 24wh = Tue 17 Nov 00:00.
    assert_eq!(wh("2026-11-14T10:00:00Z", 24), "2026-11-17T00:00:00Z");
    // Part days run on into the next working day: Fri 20:00 + 6wh = Mon 02:00.
    assert_eq!(wh("2026-11-13T20:00:00Z", 6), "2026-11-16T02:00:00Z");
    // Over Christmas: Thu 24 Dec 2026 20:00 + 6wh = Tue 29 Dec 02:00 (25 and 28 Dec are bank holidays).
    assert_eq!(wh("2026-12-24T20:00:00Z", 6), "2026-12-29T02:00:00Z");
    // Across the spring clock change the London clock time is kept: Fri 27 Mar 2026 16:00 GMT + 24wh is Mon 30
    // Mar 16:00 BST, 15:00 UTC; and Good Friday (3 Apr) and Easter Monday (6 Apr) do not count.
    assert_eq!(wh("2026-03-27T16:00:00Z", 24), "2026-03-30T15:00:00Z");
    assert_eq!(wh("2026-04-02T09:00:00Z", 48), "2026-04-08T09:00:00Z");
    assert!(parse_error("T - 24wh").contains("only be added"));
}

#[test]
fn the_same_working_day_is_the_day_itself_or_the_next_working_day() {
    let same = |on: &str| eval("next_or_same_wd(D)", Some(on), None).unwrap();
    assert_eq!(same("2026-11-13"), "2026-11-13"); // a Friday
    assert_eq!(same("2026-11-14"), "2026-11-16"); // Saturday -> Monday
    assert_eq!(same("2026-12-25"), "2026-12-29"); // Christmas -> past the substitute Boxing Day
    assert_eq!(same("2026-08-31"), "2026-09-01"); // summer bank holiday
    assert_eq!(
        eval(
            "end(next_or_same_wd(date(T)))",
            None,
            Some("2026-10-24T23:30:00Z")
        )
        .as_deref(),
        Some("2026-10-26T23:59:59Z") // 00:30 GMT on Sun 25 Oct is Sunday: Mon 26 Oct, GMT
    );
}

#[test]
fn earliest_latest_and_coalesce_pass_over_missing_times() {
    // IoW: "within 15 working days of the last Strategy Discussion and within 28 days of the original referral".
    let both = eval(
        "earliest(D + 15wd, date(T) + 28d)",
        Some("2026-04-02"),
        Some("2026-04-01T09:00:00Z"),
    );
    assert_eq!(both.as_deref(), Some("2026-04-27")); // 15wd over Easter: Mon 27 Apr; 28 days: Wed 29 Apr
    let one = eval(
        "earliest(D + 15wd, date(T) + 28d)",
        Some("2026-04-02"),
        None,
    );
    assert_eq!(one.as_deref(), Some("2026-04-27"));
    assert_eq!(
        eval(
            "latest(D, date(T))",
            Some("2026-02-28"),
            Some("2026-02-27T23:30:00Z")
        )
        .as_deref(),
        Some("2026-02-28")
    );
    assert_eq!(
        eval("coalesce(date(T), D)", Some("2026-02-28"), None).as_deref(),
        Some("2026-02-28")
    );
    assert_eq!(eval("latest(D, date(T))", None, None), None);
    assert!(parse_error("earliest(D, T)").contains("one kind"));
    assert!(parse_error("earliest(D)").contains("two or more"));
}

#[test]
fn nth_picks_the_first_or_the_latest_meeting_of_a_kind() {
    // LCS: a case summary "5 working days after the first CIN Meeting".
    let text = r#"
[[rule]]
id = "summary-after-first-cin"
subject = { kind = "after-event", meetings = ["cin"], nth = "first" }
evidence = { records = ["case_summary"] }
due = "d + 5wd"

[[rule]]
id = "latest-cin-minutes"
subject = { kind = "after-event", meetings = ["cin"], nth = "latest" }
evidence = { records = ["cin_minutes"] }
due = "d + 5wd"
"#;
    let pack = RulePack::parse(text, "local.toml").unwrap();
    let mut file = case_file("C1", "CIN");
    file.meetings.push(meeting(
        "M2",
        "C1",
        "cin",
        None,
        Some("2026-06-15T10:00:00Z"),
    ));
    file.meetings.push(meeting(
        "M1",
        "C1",
        "cin",
        None,
        Some("2026-05-11T10:00:00Z"),
    ));
    let mut cancelled = meeting("M0", "C1", "cin", None, Some("2026-04-01T10:00:00Z"));
    cancelled.cancelled = true;
    file.meetings.push(cancelled);
    let stages = pack_stages(&pack, &file, "2026-06-30T12:00:00Z");
    // First held CIN: Mon 11 May + 5wd = Mon 18 May. Latest: Mon 15 Jun + 5wd = Mon 22 Jun. Both overdue.
    assert!(
        stages.contains(&row(
            "summary-after-first-cin",
            "overdue",
            "M1",
            "2026-05-18T22:59:59Z",
            "2026-05-18T22:59:59Z"
        )),
        "{stages:?}"
    );
    assert!(
        stages.contains(&row(
            "latest-cin-minutes",
            "overdue",
            "M2",
            "2026-06-22T22:59:59Z",
            "2026-06-22T22:59:59Z"
        )),
        "{stages:?}"
    );
    assert_eq!(stages.iter().filter(|s| s.1 == "overdue").count(), 2);
}

#[test]
fn a_grace_period_after_closure_keeps_watching_a_closed_case() {
    // Havering early help: "Within 3 working days once closure is agreed" — the case may close the same day.
    let text = r#"
[[rule]]
id = "closing-summary"
subject = { kind = "after-event", events = ["closure_agreed"] }
evidence = { records = ["closing_summary"] }
due = "d + 3wd"
after_close = "10wd"
"#;
    let pack = RulePack::parse(text, "local.toml").unwrap();
    let mut file = case_file("C1", "EARLY_HELP");
    file.events
        .push(event("E1", "C1", "closure_agreed", "2026-12-22T11:00:00Z"));
    file.case.closed_on = Some(d("2026-12-22"));
    // Tue 22 Dec + 3wd = Wed 23, Thu 24, Tue 29 Dec. Closed on the 22nd, watched to 22 Dec + 10wd = Fri 8 Jan 2027
    // (Wed 23, Thu 24, Tue 29, Wed 30, Thu 31, Mon 4, Tue 5, Wed 6, Thu 7, Fri 8).
    let at = |now: &str| pack_stages(&pack, &file, now);
    assert_eq!(
        at("2026-12-29T12:00:00Z"),
        [row(
            "closing-summary",
            "due-soon",
            "E1",
            "2026-12-23T00:00:00Z",
            "2026-12-29T23:59:59Z"
        )]
    );
    let last_day: Vec<String> = at("2027-01-08T23:59:59Z")
        .into_iter()
        .map(|s| s.1)
        .collect();
    assert_eq!(last_day, ["overdue", "escalated"]);
    assert!(at("2027-01-09T00:00:00Z").is_empty());
    let cal = calendar();
    // The source must read cases closed on or after the earliest date still in grace.
    let since = pack.closed_since(d("2027-01-08"), &cal).unwrap();
    assert!(since < d("2026-12-22"), "{since}");
    // Without after_close a closed case is not watched at all.
    let plain = RulePack::parse(&text.replace("after_close = \"10wd\"", ""), "local.toml").unwrap();
    assert!(pack_stages(&plain, &file, "2026-12-29T12:00:00Z").is_empty());
    assert_eq!(plain.closed_since(d("2027-01-07"), &cal), None);
}

fn staff(id: &str, manager: Option<&str>, cover: Option<&str>, absent: bool) -> Staff {
    Staff {
        id: id.into(),
        display_name: format!("Staff {id}"),
        email: Some(format!("{}@council.example", id.to_lowercase())),
        role: "worker".into(),
        team: None,
        manager_id: manager.map(StaffId::from),
        cover_id: cover.map(StaffId::from),
        absent_from: absent.then(|| d("2026-01-01")),
        absent_until: None,
        active: true,
    }
}

#[test]
fn owner_is_the_chair_with_absence_cover_and_teams_have_fixed_addresses() {
    let text = r#"
[[rule]]
id = "review-decisions"
subject = { kind = "after-event", meetings = ["cla_review"] }
evidence = { records = ["review_decisions"] }
due = "d + 5wd"
ladder = { overdue = ["owner", "supervisor", "team:iro"], escalated = ["team:iro_managers"] }
"#;
    let pack = RulePack::parse(text, "local.toml").unwrap();
    let directory = Directory::new([
        staff("W1", Some("PM1"), None, false),
        staff("PM1", None, None, false),
        staff("IRO1", Some("IROM"), Some("IRO2"), true),
        staff("IRO2", None, None, false),
        staff("IROM", None, None, false),
    ]);
    let mut file = case_file("C1", "CLA");
    let mut review = meeting("M1", "C1", "cla_review", None, Some("2026-06-01T10:00:00Z"));
    review.chair_id = Some("IRO1".into());
    file.meetings.push(review);
    let teams = BTreeMap::from([("iro".to_string(), "iro-service@council.example".to_string())]);
    let cal = calendar();
    // Mon 1 Jun + 5wd = Mon 8 Jun; escalated from Mon 8 Jun + 5wd = Mon 15 Jun.
    let mut evaluator = Evaluator::new(
        &pack,
        &cal,
        &directory,
        "ops@council.example",
        t("2026-06-15T09:00:00Z"),
    )
    .with_teams(&teams);
    evaluator.add_case(&file);
    let lines: Vec<(String, String, Option<String>, String)> = evaluator
        .finish()
        .into_iter()
        .map(|l| (l.stage, l.role.to_string(), l.staff_id, l.address))
        .collect();
    assert_eq!(
        lines,
        [
            // No address for this team: the fallback mailbox, never a dropped notice. (SPEC 5 order: due_at, rule,
            // subject, then stage name, so `escalated` before `overdue`.)
            (
                "escalated".into(),
                "team:iro_managers".into(),
                None,
                "ops@council.example".into()
            ),
            // The chair is away: their cover takes it. The supervisor is the worker's, not the chair's.
            (
                "overdue".into(),
                "owner".into(),
                Some("IRO2".into()),
                "iro2@council.example".into()
            ),
            (
                "overdue".into(),
                "supervisor".into(),
                Some("PM1".into()),
                "pm1@council.example".into()
            ),
            (
                "overdue".into(),
                "team:iro".into(),
                None,
                "iro-service@council.example".into()
            ),
        ]
    );
}

#[test]
fn roles_and_rule_fields_are_checked_when_the_file_loads() {
    let base = r#"
[[rule]]
id = "r"
subject = { kind = "after-event", meetings = ["icpc"] }
evidence = { records = ["conference_record"] }
due = "d + 5wd"
"#;
    let err = |extra: &str| {
        RulePack::parse(&format!("{base}{extra}"), "local.toml")
            .unwrap_err()
            .to_string()
    };
    assert!(err("ladder = { overdue = [\"chair\"] }").contains("unknown role `chair`"));
    assert!(err("ladder = { lead = \"2x\" }").contains("rule `r`, ladder.lead: unknown unit `x`"));
    assert!(err("after_close = \"soon\"").contains("rule `r`, after_close:"));
    let no_evidence = base.replace("evidence = { records = [\"conference_record\"] }\n", "");
    assert!(
        RulePack::parse(&no_evidence, "local.toml")
            .unwrap_err()
            .to_string()
            .contains("names its evidence")
    );
    let two_sources = base.replace(
        "meetings = [\"icpc\"]",
        "meetings = [\"icpc\"], events = [\"x\"]",
    );
    assert!(
        RulePack::parse(&two_sources, "local.toml")
            .unwrap_err()
            .to_string()
            .contains("exactly one of events, meetings, records or decisions")
    );
    let every = base.replace(
        "kind = \"after-event\", meetings = [\"icpc\"]",
        "kind = \"every\"",
    );
    assert!(
        RulePack::parse(&every, "local.toml")
            .unwrap_err()
            .to_string()
            .contains("subject.case_types")
    );
    let due_clash = format!("{base}[rule.anchors]\nX = \"d + 1wd\"\n");
    assert!(
        RulePack::parse(&due_clash, "local.toml")
            .unwrap_err()
            .to_string()
            .contains("anchors.X")
    );
}

#[test]
fn packs_are_named_and_an_unknown_pack_is_an_error() {
    let e = RulePack::load_with_packs(true, &["haverin".into()], &[] as &[&str], &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "rule file configuration: rules.packs: no built-in pack is called `haverin` (known: lcs, havering, luton, isle-of-wight, enfield, national)"
    );
    let pack = all_packs();
    let havering: Vec<&str> = pack
        .rules
        .iter()
        .filter(|r| r.pack == "havering")
        .map(|r| r.id.as_str())
        .collect();
    assert!(havering.contains(&"icpc-record"));
    assert_eq!(pack.rule("cf-set-priority").unwrap().pack, "default");
    // Without packs the six rules alone, reading none of the new tables.
    let six = RulePack::load(true, &[] as &[&str], &[]).unwrap();
    assert_eq!(six.rules.len(), 6);
    assert!(six.tables().is_empty());
    assert_eq!(pack.tables(), casewatch::model::OptionalTables::ALL);
}

#[test]
fn if_chooses_on_a_comparison_and_is_missing_when_a_side_is() {
    // 12 months after Sat 29 Feb 2028 is Wed 28 Feb 2029: a date on 28 Feb is not before it, one on 27 Feb is.
    let choose = "if(D < date(T) + 12m, D + 6w, D + 3m)";
    assert_eq!(
        eval(choose, Some("2029-02-27"), Some("2028-02-29T12:00:00Z")).as_deref(),
        Some("2029-04-10")
    );
    assert_eq!(
        eval(choose, Some("2029-02-28"), Some("2028-02-29T12:00:00Z")).as_deref(),
        Some("2029-05-28")
    );
    assert_eq!(eval(choose, Some("2029-02-28"), None), None);
    assert_eq!(
        eval("if(D <= D, end(D), start(D))", Some("2026-10-25"), None).as_deref(),
        Some("2026-10-25T23:59:59Z")
    );
    assert_eq!(
        eval("if(2 > 1, D, D + 1d)", Some("2026-10-25"), None).as_deref(),
        Some("2026-10-25")
    );
    assert!(parse_error("if(D < T, D, D)").contains("compares a date with an instant"));
    assert!(parse_error("if(D < 3, D, D)").contains("compares a date with a number"));
    assert!(parse_error("if(D, D, D)").contains("starts with a comparison"));
    assert!(parse_error("if(D < D, D, T)").contains("both dates or both instants"));
    // Without an `else`, nothing when the comparison fails: no obligation.
    assert_eq!(
        eval("if(2 > 1, D + 1d)", Some("2026-10-25"), None).as_deref(),
        Some("2026-10-26")
    );
    assert_eq!(eval("if(1 > 2, D + 1d)", Some("2026-10-25"), None), None);
}

#[test]
fn evidence_options_are_checked_when_the_file_loads() {
    let rule = |subject: &str, evidence: &str| {
        RulePack::parse(
            &format!("[[rule]]\nid = \"r\"\nsubject = {subject}\nevidence = {evidence}\ndue = \"d + 1wd\"\n"),
            "local.toml",
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    };
    let after = r#"{ kind = "after-event", events = ["cpe_started"] }"#;
    assert!(rule(after, r#"{ meetings = ["strategy"], look_back = "2w" }"#).is_ok());
    assert!(
        rule(after, r#"{ meetings = ["strategy"], look_back = "10wd" }"#)
            .unwrap_err()
            .contains("is in working days")
    );
    assert!(rule(after, r#"{ events = ["allocated"] }"#).is_ok());
    assert!(
        rule(
            r#"{ kind = "after-event", decisions = ["allocation_decision"] }"#,
            r#"{ events = ["allocated"] }"#
        )
        .is_ok()
    );
    assert!(
        rule(after, r#"{ meetings = ["strategy"], look_back = "soon" }"#)
            .unwrap_err()
            .contains("evidence.look_back")
    );
    assert!(
        rule(after, r#"{ meetings = ["strategy"], look_back = "0d" }"#)
            .unwrap_err()
            .contains("evidence.look_back: `0d` is not an interval")
    );
    assert!(
        rule(
            r#"{ kind = "every", case_types = ["CP"] }"#,
            r#"{ meetings = ["core_group"], look_back = "1m" }"#
        )
        .unwrap_err()
        .contains("look_back applies to after-event")
    );
    assert!(
        rule(
            after,
            r#"{ records = ["eha"], started = true, authorised = true }"#
        )
        .unwrap_err()
        .contains("contradict")
    );
    assert!(
        rule(after, r#"{ meetings = ["strategy"], started = true }"#)
            .unwrap_err()
            .contains("apply to records")
    );
}

#[test]
fn since_is_for_every_rules_and_names_events_or_meetings() {
    let rule = |subject: &str| {
        RulePack::parse(
            &format!("[[rule]]\nid = \"r\"\nsubject = {subject}\nevidence = {{ visits = [\"statutory\"] }}\ndue = \"d + 1m\"\n"),
            "local.toml",
        )
        .map(|_| ())
        .map_err(|e| e.to_string())
    };
    assert!(rule(r#"{ kind = "every", case_types = ["CLA"], since = { events = ["placement_started"] } }"#).is_ok());
    assert!(
        rule(r#"{ kind = "every", case_types = ["CLA"], since = { } }"#)
            .unwrap_err()
            .contains("events, meetings or records (one of them)")
    );
    assert!(rule(r#"{ kind = "every", case_types = ["TYS"], since = { records = ["tys_plan"], nth = "first", required = true } }"#).is_ok());
    assert!(rule(r#"{ kind = "every", case_types = ["CP"], since = { records = ["plan"], detail = ["x"] } }"#).unwrap_err().contains("detail applies to events"));
    assert!(rule(r#"{ kind = "every", case_types = ["CP"], since = { meetings = ["icpc"], detail = ["x"] } }"#).unwrap_err().contains("detail applies to events"));
    assert!(
        rule(r#"{ kind = "after-event", events = ["x"], since = { events = ["y"] } }"#)
            .unwrap_err()
            .contains("subject.since does not apply to kind `after-event`")
    );
}
