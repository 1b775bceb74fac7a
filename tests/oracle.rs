//! The engine against an oracle: the six rules of SPEC section 4 written out again directly from the SPEC's words,
//! one function per rule, without the rule file or its expression language. Thousands of random, edge-heavy
//! case files (same-instant visits, notes at local midnight, DST weeks, Christmas, month ends) are evaluated at
//! random instants and at their exact stage boundaries; both must agree to the second.

mod common;

use std::collections::BTreeSet;

use casewatch::calendar::{WorkingCalendar, add_months, end_of, local_date, start_of};
use casewatch::model::*;
use casewatch::rules::RulePack;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

type Row = (String, String, String, DateTime<Utc>, DateTime<Utc>);

struct Oracle<'a> {
    cal: &'a WorkingCalendar,
    now: DateTime<Utc>,
    today: NaiveDate,
    out: BTreeSet<Row>,
}

impl Oracle<'_> {
    fn wd(&self, d: NaiveDate, n: i32) -> NaiveDate {
        self.cal.add_working_days(d, n)
    }

    fn happened(&self, t: Option<DateTime<Utc>>) -> bool {
        t.is_some_and(|t| t <= self.now)
    }

    fn stage(
        &mut self,
        rule: &str,
        stage: &str,
        subject: &str,
        from: DateTime<Utc>,
        due: DateTime<Utc>,
        lapses: bool,
    ) {
        if from <= self.now && (!lapses || self.now <= due) {
            self.out
                .insert((rule.into(), stage.into(), subject.into(), from, due));
        }
    }

    fn case(&mut self, f: &CaseFile) {
        let c = &f.case;
        if !(c.opened_on <= self.today && c.closed_on.is_none_or(|x| x > self.today)) {
            return;
        }
        let now = self.now;
        let visits: Vec<&Visit> = f.visits.iter().filter(|v| v.visit_at <= now).collect();
        // R1
        for v in visits
            .iter()
            .filter(|v| v.visit_type == VisitType::Statutory)
        {
            if !self.happened(v.note_created_at)
                || self.happened(v.manager_comment_at)
                || self.happened(v.note_finalised_at)
            {
                continue;
            }
            let d = local_date(v.note_created_at.unwrap());
            let x = self.wd(d, 5);
            let r = "statutory-visit-oversight";
            self.stage(
                r,
                "upcoming",
                &v.id,
                start_of(self.wd(d, 3)),
                end_of(x),
                true,
            );
            self.stage(r, "due-today", &v.id, start_of(x), end_of(x), true);
            self.stage(r, "auto-finalised", &v.id, end_of(x), end_of(x), false);
        }
        // R2, R3
        let today = self.today;
        for a in f.assessments.iter().filter(|a| a.started_on <= today) {
            if a.completed_on.is_some_and(|d| d <= today) {
                continue;
            }
            let d = a.started_on;
            if !self.happened(a.priority_set_at) {
                self.stage(
                    "cf-set-priority",
                    "set-priority",
                    &a.id,
                    start_of(self.wd(d, 5)),
                    end_of(self.wd(d, 10)),
                    true,
                );
            }
            let x = self.wd(d, a.priority_working_days as i32);
            let r = "cf-assessment-due";
            self.stage(
                r,
                "upcoming",
                &a.id,
                start_of(self.wd(x, -3)),
                end_of(x),
                true,
            );
            self.stage(r, "overdue", &a.id, end_of(x), end_of(x), false);
            self.stage(
                r,
                "overdue-escalated",
                &a.id,
                start_of(self.wd(x, 5)),
                end_of(x),
                false,
            );
            if let Some(rd) = a.referral_on {
                let lim = end_of(self.wd(rd, 45));
                self.stage(r, "statutory-limit", &a.id, lim, lim, false);
            }
        }
        // R4
        let stat: Vec<&&Visit> = visits
            .iter()
            .filter(|v| v.visit_type == VisitType::Statutory)
            .collect();
        let s = stat
            .iter()
            .filter(|v| v.child_seen)
            .map(|v| v.visit_at)
            .max();
        let first_failed_after = |t: Option<DateTime<Utc>>| {
            stat.iter()
                .filter(|v| !v.child_seen && t.is_none_or(|t| v.visit_at > t))
                .min_by_key(|v| (v.visit_at, v.id.clone()))
                .map(|v| v.visit_at)
        };
        if let Some(f1) = first_failed_after(s) {
            let r = "failed-visit-ladder";
            let id = c.id.as_str();
            let d1 = local_date(f1);
            let again = stat.iter().any(|v| v.visit_at > f1);
            if !again {
                self.stage(r, "reattempt-due", id, f1, end_of(self.wd(d1, 3)), true);
                self.stage(
                    r,
                    "reattempt-overdue",
                    id,
                    end_of(self.wd(d1, 3)),
                    end_of(self.wd(d1, 3)),
                    false,
                );
            }
            if let Some(f2) = first_failed_after(Some(f1)) {
                let decided = f.decisions.iter().any(|m| {
                    m.kind == "failed_visit_escalation" && m.decided_at > f2 && m.decided_at <= now
                });
                if !decided {
                    self.stage(
                        r,
                        "escalate-to-practice-manager",
                        id,
                        f2,
                        end_of(self.wd(local_date(f2), 1)),
                        false,
                    );
                }
            }
            let ten = d1 + Duration::days(10);
            let fourteen = d1 + Duration::days(14);
            self.stage(
                r,
                "escalate-to-team-manager",
                id,
                start_of(ten),
                end_of(self.wd(ten, 1)),
                false,
            );
            self.stage(
                r,
                "escalate-to-senior-manager",
                id,
                start_of(fourteen),
                end_of(self.wd(fourteen, 1)),
                false,
            );
        }
        // R5, R6
        let covered = [
            CareLeaverCategory::Eligible,
            CareLeaverCategory::Relevant,
            CareLeaverCategory::FormerRelevant,
        ];
        if c.case_type != "CARE_LEAVER"
            || !c.care_leaver_category.is_some_and(|k| covered.contains(&k))
        {
            return;
        }
        let kits: Vec<&&Visit> = visits
            .iter()
            .filter(|v| v.visit_type == VisitType::Kit && v.child_seen)
            .collect();
        let l = kits
            .iter()
            .map(|v| v.visit_at)
            .max()
            .map_or(c.opened_on, local_date);
        let x = add_months(l, 2);
        self.stage(
            "kit-visit-due",
            "upcoming",
            c.id.as_str(),
            start_of(self.wd(x, -10)),
            end_of(x),
            true,
        );
        self.stage(
            "kit-visit-due",
            "overdue",
            c.id.as_str(),
            end_of(x),
            end_of(x),
            false,
        );
        let Some(dob) = f.child.date_of_birth else {
            return;
        };
        for age in 17..=21 {
            let y = dob.year() + age;
            let b = NaiveDate::from_ymd_opt(y, dob.month(), dob.day())
                .unwrap_or_else(|| NaiveDate::from_ymd_opt(y, 2, 28).unwrap());
            let (w0, e) = (add_months(b, -2), add_months(b, 2));
            let inside: Vec<_> = kits
                .iter()
                .filter(|v| (w0..=e).contains(&local_date(v.visit_at)))
                .collect();
            let r = "kit-ssda903-window";
            if inside.is_empty() {
                self.stage(
                    r,
                    "window-closing",
                    &format!("{}:{age}", c.id),
                    start_of(self.wd(e, -10)),
                    end_of(e),
                    true,
                );
            }
            for v in inside.into_iter().filter(|v| !v.ssda903_recorded) {
                self.stage(r, "tick-ssda903", &v.id, v.visit_at, end_of(e), true);
            }
        }
    }
}

fn random_case(rng: &mut ChaCha8Rng, n: usize, base: NaiveDate) -> CaseFile {
    let id = format!("C{n:04}");
    let types = ["CIN", "CP", "CLA", "CARE_LEAVER", "OTHER"];
    let case_type = types[rng.random_range(0..types.len())];
    let cats = [
        CareLeaverCategory::Eligible,
        CareLeaverCategory::Relevant,
        CareLeaverCategory::FormerRelevant,
        CareLeaverCategory::Qualifying,
    ];
    let mut file = common::case_file(&id, case_type);
    file.case.opened_on = base + Duration::days(rng.random_range(-200..60));
    file.case.closed_on = rng
        .random_bool(0.15)
        .then(|| base + Duration::days(rng.random_range(0..120)));
    file.case.care_leaver_category =
        (case_type == "CARE_LEAVER").then(|| cats[rng.random_range(0..4)]);
    file.child.date_of_birth = rng.random_bool(0.9).then(|| {
        // Turning 17-21 somewhere near the window, sometimes on 29 February.
        if rng.random_bool(0.1) {
            NaiveDate::from_ymd_opt(2008, 2, 29).unwrap()
        } else {
            base - Duration::days(rng.random_range(16 * 365..22 * 365))
        }
    });
    let mut stamps: Vec<DateTime<Utc>> = Vec::new();
    for k in 0..rng.random_range(0..8) {
        // Reuse an earlier instant now and then: visits at the same second.
        let at = match stamps.last() {
            Some(&t) if rng.random_bool(0.15) => t,
            _ => common::random_instant(rng, base - Duration::days(60), 150),
        };
        stamps.push(at);
        let vt = [
            VisitType::Statutory,
            VisitType::Statutory,
            VisitType::Kit,
            VisitType::Other,
        ][rng.random_range(0..4)];
        let mut v = common::visit(
            &format!("{id}-V{k}"),
            &id,
            vt,
            &at.to_rfc3339(),
            rng.random_bool(0.6),
        );
        let later = |rng: &mut ChaCha8Rng| at + Duration::seconds(rng.random_range(0..20 * 86_400));
        v.note_created_at = rng.random_bool(0.7).then(|| later(rng));
        v.manager_comment_at = rng.random_bool(0.3).then(|| later(rng));
        v.note_finalised_at = rng.random_bool(0.1).then(|| later(rng));
        v.ssda903_recorded = rng.random_bool(0.4);
        file.visits.push(v);
    }
    file.visits
        .sort_by(|a, b| (a.visit_at, &a.id).cmp(&(b.visit_at, &b.id)));
    for k in 0..rng.random_range(0..3) {
        let started = base + Duration::days(rng.random_range(-80..60));
        let mut a = common::assessment(
            &format!("{id}-A{k}"),
            &id,
            &started.to_string(),
            [10, 30, 45][rng.random_range(0..3)],
        );
        a.referral_on = rng
            .random_bool(0.5)
            .then(|| started - Duration::days(rng.random_range(0..5)));
        a.priority_set_at = rng
            .random_bool(0.4)
            .then(|| common::random_instant(rng, started, 20));
        a.completed_on = rng
            .random_bool(0.3)
            .then(|| started + Duration::days(rng.random_range(0..70)));
        file.assessments.push(a);
    }
    for k in 0..rng.random_range(0..3) {
        let kind = if rng.random_bool(0.8) {
            "failed_visit_escalation"
        } else {
            "case_direction"
        };
        file.decisions.push(Decision {
            id: format!("{id}-M{k}"),
            case_id: id.as_str().into(),
            decided_at: common::random_instant(rng, base - Duration::days(40), 120),
            manager_id: None,
            kind: kind.into(),
        });
    }
    file.decisions
        .sort_by(|a, b| (a.decided_at, &a.id).cmp(&(b.decided_at, &b.id)));
    file
}

fn oracle(file: &CaseFile, cal: &WorkingCalendar, now: DateTime<Utc>) -> BTreeSet<Row> {
    let mut o = Oracle {
        cal,
        now,
        today: local_date(now),
        out: BTreeSet::new(),
    };
    o.case(file);
    o.out
}

#[test]
fn engine_agrees_with_the_spec_oracle_on_random_cases() {
    let pack = RulePack::load(true, &[] as &[&str], &[]).unwrap();
    let cal = WorkingCalendar::new(Default::default(), [common::d("2026-12-29")]);
    let mut rng = ChaCha8Rng::seed_from_u64(20261123);
    // Windows over the spring and autumn clock changes, Easter and Christmas.
    let bases = ["2026-03-01", "2026-10-01", "2026-12-01", "2027-03-10"].map(common::d);
    let (mut compared, mut active) = (0, 0);
    for n in 0..4000 {
        let base = bases[n % bases.len()];
        let file = random_case(&mut rng, n, base);
        let mut instants: Vec<DateTime<Utc>> = (0..6)
            .map(|_| common::random_instant(&mut rng, base - Duration::days(20), 140))
            .collect();
        // Every stage boundary the oracle sees, and a second either side of it.
        let probe = oracle(&file, &cal, instants[0] + Duration::days(400));
        for (_, _, _, from, due) in probe.iter().take(6) {
            for t in [*from, *due] {
                instants.extend([t - Duration::seconds(1), t, t + Duration::seconds(1)]);
            }
        }
        for now in instants {
            let (want, got) = (
                oracle(&file, &cal, now),
                common::engine_rows(&pack, &file, &cal, now, |_| true),
            );
            assert_eq!(got, want, "case {n} at {now}: {file:#?}");
            compared += 1;
            active += want.len();
        }
    }
    // The comparison means something only if plenty of stages were active.
    assert!(
        compared > 40_000 && active > 20_000,
        "{compared} evaluations, {active} active stages"
    );
}
