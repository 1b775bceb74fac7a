//! Counting the active stages of an evaluation, for the metrics and the pass's report.

use std::collections::{HashMap, HashSet};

use super::Line;

/// Active stages by `(rule, stage, severity)`: one per obligation, however many people are told. Sorted.
pub fn active_stage_counts(lines: &[Line]) -> Vec<(&str, &str, &'static str, u64)> {
    let mut episodes = HashSet::new();
    let mut counts: HashMap<(&str, &str, &'static str), u64> = HashMap::new();
    for line in lines {
        let episode = (
            &line.rule,
            &line.case_id,
            &line.subject_id,
            &line.stage,
            line.from,
        );
        if episodes.insert(episode) {
            let key = (
                line.rule.as_str(),
                line.stage.as_str(),
                line.severity.as_str(),
            );
            *counts.entry(key).or_default() += 1;
        }
    }
    let mut counts: Vec<_> = counts
        .into_iter()
        .map(|((r, s, v), n)| (r, s, v, n))
        .collect();
    counts.sort();
    counts
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::rules::{Role, Severity};

    fn line(subject: &str, stage: &str, role: Role) -> Line {
        let at: DateTime<Utc> = "2026-03-03T23:59:59Z".parse().unwrap();
        Line {
            rule: "cf-assessment-due".into(),
            stage: stage.into(),
            case_id: "C-1".into(),
            subject_id: subject.into(),
            child_ref: "CH-1".into(),
            due_at: at,
            from: at,
            role,
            staff_id: Some("S1".into()),
            address: "s1@council.example".into(),
            severity: Severity::Breach,
            backlog: false,
            role_order: 0,
            child_label: "CH-1".into(),
            facts: Vec::new(),
            worker_id: None,
            meant_for: None,
        }
    }

    #[test]
    fn a_stage_told_to_three_people_is_one_active_stage() {
        let lines = [
            line("A-1", "overdue", Role::Worker),
            line("A-1", "overdue", Role::Supervisor),
            line("A-1", "overdue", Role::TeamManager),
            line("A-2", "overdue", Role::Worker),
            line("A-3", "overdue-escalated", Role::Worker),
        ];

        assert_eq!(
            active_stage_counts(&lines),
            [
                ("cf-assessment-due", "overdue", "breach", 2),
                ("cf-assessment-due", "overdue-escalated", "breach", 1),
            ]
        );
    }
}
