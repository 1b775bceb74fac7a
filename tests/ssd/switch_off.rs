//! contrib/ssd/README.md lists, pack by pack, the rules to switch off on the SSD: those that watch subjects the
//! views make but read evidence they never make. The list is checked here against the pack files and what the
//! views make of data.rs (whose rows give every kind each view can make), so that neither drifts from it.

use std::collections::{BTreeMap, BTreeSet};

use toml::Value as Toml;

use super::*;

/// What the views hold: each (kind, case type) pair, per table and use.
#[derive(Default)]
struct Holdings {
    /// Case types with cases.
    cases: BTreeSet<String>,
    /// (kind, case type) of events, with each event's detail.
    events: BTreeSet<(String, String, Option<String>)>,
    meetings_held: BTreeSet<(String, String)>,
    meetings_scheduled: BTreeSet<(String, String)>,
    records_completed: BTreeSet<(String, String)>,
    records_authorised: BTreeSet<(String, String)>,
    visits_seen: BTreeSet<(String, String)>,
    visit_notes_finalised: BTreeSet<(String, String)>,
    decisions: BTreeSet<(String, String)>,
}

/// (kind, case type, extra) rows of `sql`, whose columns are kind, case_id and optionally a third.
async fn kinds(url: &str, sql: &str) -> Vec<(String, String, Option<String>)> {
    let cases = rows(url, "SELECT DISTINCT case_id, case_type FROM cases").await;
    let case_type: BTreeMap<String, String> = cases
        .into_iter()
        .map(|r| (r[0].clone().unwrap(), r[1].clone().unwrap()))
        .collect();
    rows(url, sql)
        .await
        .into_iter()
        .filter_map(|r| {
            let kind = r[0].clone().unwrap();
            let case = case_type.get(r[1].as_deref().unwrap())?.clone();
            Some((kind, case, r.get(2).cloned().flatten()))
        })
        .collect()
}

async fn holdings(url: &str) -> Holdings {
    let pairs = |rows: Vec<(String, String, Option<String>)>| -> BTreeSet<(String, String)> {
        rows.into_iter().map(|(k, c, _)| (k, c)).collect()
    };
    Holdings {
        cases: rows(url, "SELECT DISTINCT case_type FROM cases")
            .await
            .into_iter()
            .map(|r| r[0].clone().unwrap())
            .collect(),
        events: kinds(url, "SELECT kind, case_id, detail FROM case_events")
            .await
            .into_iter()
            .collect(),
        meetings_held: pairs(
            kinds(
                url,
                "SELECT kind, case_id FROM meetings WHERE held_at IS NOT NULL",
            )
            .await,
        ),
        meetings_scheduled: pairs(
            kinds(
                url,
                "SELECT kind, case_id FROM meetings WHERE scheduled_at IS NOT NULL",
            )
            .await,
        ),
        records_completed: pairs(
            kinds(
                url,
                "SELECT kind, case_id FROM records WHERE completed_at IS NOT NULL",
            )
            .await,
        ),
        records_authorised: pairs(
            kinds(
                url,
                "SELECT kind, case_id FROM records WHERE authorised_at IS NOT NULL",
            )
            .await,
        ),
        visits_seen: pairs(
            kinds(
                url,
                "SELECT visit_type, case_id FROM visits WHERE child_seen",
            )
            .await,
        ),
        visit_notes_finalised: pairs(
            kinds(
                url,
                "SELECT visit_type, case_id FROM visits WHERE note_finalised_at IS NOT NULL",
            )
            .await,
        ),
        decisions: pairs(kinds(url, "SELECT kind, case_id FROM management_decisions").await),
    }
}

fn strings(value: Option<&Toml>) -> Vec<String> {
    value
        .and_then(Toml::as_array)
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}

/// The case types on which `kinds` of `held` occur.
fn on(held: &BTreeSet<(String, String)>, kinds: &[String]) -> BTreeSet<String> {
    held.iter()
        .filter(|(k, _)| kinds.contains(k))
        .map(|(_, c)| c.clone())
        .collect()
}

impl Holdings {
    /// The case types on which a rule finds subjects, as its shape selects them (SPEC 8.3).
    fn subjects(&self, subject: &Toml) -> BTreeSet<String> {
        let field = |name| strings(subject.get(name));
        let on_types: BTreeSet<String> = match subject["kind"].as_str().unwrap() {
            "every" | "by-age" => self.cases.clone(),
            "before-meeting" => on(&self.meetings_scheduled, &field("meetings")),
            "visit-note" => on(&self.visits_seen, &field("visit_types")),
            "after-event" => {
                let detail = subject.get("detail").map(|d| strings(Some(d)));
                let events = self
                    .events
                    .iter()
                    .filter(|(k, _, d)| {
                        field("events").contains(k)
                            && detail
                                .as_ref()
                                .is_none_or(|list| d.as_ref().is_some_and(|d| list.contains(d)))
                    })
                    .map(|(_, c, _)| c.clone());
                let meetings = on(&self.meetings_held, &field("meetings"));
                let records = on(&self.records_completed, &field("records"));
                events.chain(meetings).chain(records).collect()
            }
            other => panic!("a shape this test does not know: {other}"),
        };
        match subject.get("case_types") {
            Some(types) => on_types
                .intersection(&strings(Some(types)).into_iter().collect())
                .cloned()
                .collect(),
            None => on_types,
        }
    }

    /// The case types on which some evidence the rule reads can occur.
    fn evidence(&self, rule: &Toml) -> BTreeSet<String> {
        if rule["subject"]["kind"].as_str() == Some("visit-note") {
            return on(
                &self.visit_notes_finalised,
                &strings(rule["subject"].get("visit_types")),
            );
        }
        let Some(evidence) = rule.get("evidence") else {
            return BTreeSet::new();
        };
        let field = |name| strings(evidence.get(name));
        let records = if evidence.get("authorised").and_then(Toml::as_bool) == Some(true) {
            &self.records_authorised
        } else {
            &self.records_completed
        };
        let mut types = on(records, &field("records"));
        types.extend(on(&self.meetings_held, &field("meetings")));
        types.extend(on(&self.visits_seen, &field("visits")));
        types.extend(on(&self.decisions, &field("decisions")));
        types
    }
}

/// The README's table, pack by pack.
fn readme_list() -> BTreeMap<String, BTreeSet<String>> {
    let readme = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("contrib/ssd/README.md"),
    )
    .unwrap();
    let table = readme
        .split("| pack | rules that read evidence the SSD never holds |")
        .nth(1)
        .expect("README has the table");
    let ticked = |cell: &str| -> Vec<String> {
        cell.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_owned)
            .collect()
    };
    table
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let cells: Vec<&str> = l.split('|').collect();
            (
                ticked(cells[1]).remove(0),
                ticked(cells[2]).into_iter().collect(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_readme_lists_exactly_the_pack_rules_whose_evidence_the_ssd_never_holds() {
    let db = TestDb::postgres().await;
    let reader_url = ssd_database(&db).await;
    let held = holdings(&reader_url).await;

    let packs = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/rules/packs");
    let mut off: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(packs).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        let pack: Toml = toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        for rule in pack["rule"].as_array().unwrap() {
            let subjects = held.subjects(&rule["subject"]);
            if !subjects.is_empty() && subjects.is_disjoint(&held.evidence(rule)) {
                off.entry(pack["pack"].as_str().unwrap().to_owned())
                    .or_default()
                    .insert(rule["id"].as_str().unwrap().to_owned());
            }
        }
    }

    assert_eq!(readme_list(), off);
    // The national pack holds none of them: it is the pack to run on the SSD.
    assert!(!off.contains_key("national"), "{off:?}");
}
