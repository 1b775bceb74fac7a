//! The events, meetings and records (SPEC section 8.1) that the seeds' timescales run on: the child-protection
//! path from strategy discussion to review conferences, a looked-after child's plans and reviews, return home
//! interviews, pathway plans, case summaries and chronologies, and contacts. Most are on time, some late, a few
//! missing; records are mostly linked to the meeting or event they belong to.
//!
//! Drawn from a random stream of their own (not the case's), so the rows of SPEC section 2 are exactly what
//! they were before these tables existed, and the six rules see the same caseload.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::Generator;
use super::builder::CaseBuilder;
use super::days::{at_local, clock, days, months};
use crate::model::StaffId;

/// How a timescale went: most on time, some late, a few never done (as of today).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    OnTime,
    Late,
    Missing,
}

fn outcome(rng: &mut ChaCha8Rng, late_percent: u32, missing_percent: u32) -> Outcome {
    let draw = rng.random_range(0..100);
    if draw < missing_percent {
        Outcome::Missing
    } else if draw < missing_percent + late_percent {
        Outcome::Late
    } else {
        Outcome::OnTime
    }
}

/// Records of the `every` shape are kept for this long before the case's last day: only the latest one matters
/// to a rule, and a monthly chronology over a seven-year care episode would otherwise dwarf everything else.
const RECENT_DAYS: i64 = 365;

/// A day's working-hours instant, Europe/London.
fn working_time(date: NaiveDate, rng: &mut ChaCha8Rng) -> DateTime<Utc> {
    at_local(date, rng.random_range(clock(9, 0)..=clock(17, 0)))
}

fn hours(n: i64) -> TimeDelta {
    TimeDelta::hours(n)
}

/// The rows one case's timescales leave, up to the day before `until` (its closure, or today); a few meetings
/// of an open case are planned for the coming weeks.
struct Timeline<'a> {
    g: &'a Generator,
    b: &'a mut CaseBuilder,
    rng: &'a mut ChaCha8Rng,
    until: NaiveDate,
}

pub(super) fn record(g: &Generator, b: &mut CaseBuilder, rng: &mut ChaCha8Rng) {
    let until = b.case.closed_on.unwrap_or(g.today).min(g.today);
    let case_type = b.case.case_type.clone();
    let mut t = Timeline { g, b, rng, until };
    match case_type.as_str() {
        "CP" => t.child_protection(),
        "CLA" => t.looked_after(),
        "CARE_LEAVER" => t.pathway_plans(),
        _ => {}
    }
    if matches!(case_type.as_str(), "CIN" | "CP" | "CLA") {
        // seed 001: the case summary is "updated every 3 months", the chronology "on a monthly basis".
        t.every("case_summary", 80..=92, 95..=130);
        t.every("chronology", 25..=31, 32..=60);
        t.new_information();
        t.transfer_in();
    }
}

/// A child whose case has closed may come back as a contact: a CONTACT case opened on the contact's date
/// (SPEC 8.5), with the `contact_received` event and, mostly within 24 hours, the decision on it.
pub(super) fn contact(g: &Generator, b: &mut CaseBuilder, on: NaiveDate, rng: &mut ChaCha8Rng) {
    b.renumber("-CT");
    b.case.case_type = "CONTACT".to_owned();
    b.case.opened_on = on;
    let received = working_time(on, rng);
    b.event("contact_received", received, None);
    let decided = match outcome(rng, 10, 5) {
        Outcome::OnTime => Some(received + hours(rng.random_range(1..=23))),
        Outcome::Late => Some(received + hours(rng.random_range(25..=72))),
        Outcome::Missing => None,
    };
    let Some(decided) = decided.filter(|at| at_local(g.today, 0) > *at) else {
        return;
    };
    let manager = b.people.deciding_manager(rng);
    b.numbered_decision(decided, manager, "contact_decision");
    // Half are closed (no further action, or passed on) a few days after the decision.
    let closed_on = g.working_days.add(on, rng.random_range(2..=6));
    if rng.random_bool(0.5) && closed_on < g.today {
        b.case.closed_on = Some(closed_on);
    }
}

impl Timeline<'_> {
    fn worker(&mut self, on: NaiveDate) -> Option<StaffId> {
        self.b.people.visiting_worker(on, self.rng)
    }

    /// Whether `at` is in the past of this case (before its closure and before today).
    fn happened(&self, at: DateTime<Utc>) -> bool {
        at < at_local(self.until, 0)
    }

    /// A record of `kind` due at `due`, done by `outcome`: on time between `earliest` and `due`, late up to two
    /// weeks after, or not at all; nothing dated after the case's last day. Returns its index.
    fn record_due(
        &mut self,
        kind: &str,
        earliest: DateTime<Utc>,
        due: DateTime<Utc>,
        outcome: Outcome,
    ) -> usize {
        let span = (due - earliest).num_minutes().max(1);
        let completed = match outcome {
            Outcome::OnTime => Some(earliest + TimeDelta::minutes(self.rng.random_range(1..=span))),
            Outcome::Late => Some(due + hours(self.rng.random_range(2..=14 * 24))),
            Outcome::Missing => None,
        }
        .filter(|at| self.happened(*at));
        let worker = self.worker(earliest.date_naive());
        // seed 002: a conference or review record, and a care plan, are signed off by a manager.
        let authorised = matches!(kind, "conference_record" | "review_record" | "care_plan")
            .then(|| completed.map(|at| at + hours(self.rng.random_range(2..=72))))
            .flatten()
            .filter(|at| self.happened(*at) && self.rng.random_bool(0.85));
        let record = self.b.record(kind, worker);
        record.about_at = Some(earliest);
        record.completed_at = completed;
        record.authorised_at = authorised;
        self.b.record_count() - 1
    }

    /// A meeting of `kind` planned for `on`: held as planned if that has passed (a few cancelled), else only
    /// planned when within the next two months; `None` when it is neither.
    fn meeting(&mut self, kind: &str, on: NaiveDate) -> Option<(String, DateTime<Utc>)> {
        let at = at_local(on, self.rng.random_range(clock(9, 30)..=clock(15, 30)));
        let open = self.b.case.closed_on.is_none();
        let planned_soon = open && on >= self.g.today && on < days(self.g.today, 60);
        if !self.happened(at) && !planned_soon {
            return None;
        }
        let chair = self.b.people.team_manager.clone();
        let cancelled = self.rng.random_range(0..100) < 3;
        let meeting = self.b.meeting(kind, at);
        meeting.chair_id = chair;
        if cancelled {
            meeting.cancelled = true;
        } else if at < at_local(self.until, 0) {
            meeting.held_at = Some(at);
        }
        let id = meeting.id.clone();
        (!cancelled).then_some((id, at))
    }

    fn link_meeting(&mut self, record: usize, meeting: &str) {
        self.b.record_mut(record).meeting_id = Some(meeting.to_owned());
    }

    /// seeds 002 and 004: strategy discussion within 24 hours, ICPC within 15 working days of it (decisions in
    /// 48 hours, record in 15 working days, report 24 hours before), core groups within 10 working days of the
    /// ICPC and then every four to six weeks (minutes in 5 working days), review conferences at three months and
    /// six-monthly after (report 5 working days before). The case opens at the ICPC that made the plan.
    fn child_protection(&mut self) {
        let wd = self.g.working_days.clone();
        let icpc_on = self.b.case.opened_on;
        let icpc_late = self.rng.random_range(0..100) < 15;
        let gap = if icpc_late { 16..=20 } else { 8..=15 };
        let strategy_on = wd.add(icpc_on, -self.rng.random_range(gap));
        let needed_at = working_time(strategy_on, self.rng);
        let worker = self.worker(strategy_on);
        self.b.event("strategy_needed", needed_at, worker.clone());
        let held = match outcome(self.rng, 8, 2) {
            Outcome::OnTime => Some(needed_at + hours(self.rng.random_range(2..=23))),
            Outcome::Late => Some(needed_at + hours(self.rng.random_range(25..=60))),
            Outcome::Missing => None,
        };
        if let Some(held) = held {
            let meeting = self.b.meeting("strategy", held);
            meeting.held_at = Some(held);
            meeting.chair_id = worker.clone();
            let meeting = meeting.id.clone();
            let kept = outcome(self.rng, 12, 5);
            let record = self.record_due("strategy_record", held, held + hours(24), kept);
            self.link_meeting(record, &meeting);
            // SPEC 8.5: `icpc_required` at the time of the last strategy discussion.
            self.b.event("icpc_required", held, worker);
        }
        let Some((icpc, icpc_at)) = self.meeting("icpc", icpc_on) else {
            return;
        };
        self.conference_paperwork(&icpc, icpc_at, icpc_at - hours(24), true);
        let worker = self.worker(icpc_on);
        self.b.event("cp_plan_started", icpc_at, worker);

        let first = if self.rng.random_range(0..100) < 12 {
            self.rng.random_range(11..=15)
        } else {
            self.rng.random_range(4..=10)
        };
        let mut on = wd.add(icpc_on, first);
        while let Some((meeting, at)) = self.meeting("core_group", on) {
            let due = at_local(days(wd.add(at.date_naive(), 5), 1), 0) - TimeDelta::seconds(1);
            let kept = outcome(self.rng, 15, 5);
            let record = self.record_due("core_group_minutes", at, due, kept);
            self.link_meeting(record, &meeting);
            on = wd.on_or_after(days(on, self.rng.random_range(28..=42)));
        }
        let mut on = wd.on_or_after(months(icpc_on, 3));
        while let Some((rcpc, at)) = self.meeting("rcpc", on) {
            let report_due = at_local(wd.add(on, -5), clock(23, 59));
            self.conference_paperwork(&rcpc, at, report_due, false);
            on = wd.on_or_after(months(on, 6));
        }
    }

    /// The social worker's report before a conference, and its decisions and record after.
    fn conference_paperwork(
        &mut self,
        conference: &str,
        at: DateTime<Utc>,
        report_due: DateTime<Utc>,
        initial: bool,
    ) {
        let wd = self.g.working_days.clone();
        let kept = outcome(self.rng, 15, 5);
        let report = self.record_due("sw_report", report_due - hours(96), report_due, kept);
        self.link_meeting(report, conference);
        if initial {
            let kept = outcome(self.rng, 10, 3);
            let decisions = self.record_due("conference_decisions", at, at + hours(48), kept);
            self.link_meeting(decisions, conference);
        }
        let due = at_local(days(wd.add(at.date_naive(), 15), 1), 0) - TimeDelta::seconds(1);
        let kept = outcome(self.rng, 20, 5);
        let record = self.record_due("conference_record", at, due, kept);
        self.link_meeting(record, conference);
    }

    /// seed 002: care plan in 10 working days, health assessment request in 5, PEP in 10; reviews within 20
    /// working days, then at three months and six-monthly (record in 15 working days); return home interviews
    /// offered within 72 hours; a pathway plan by 15 years 9 months.
    fn looked_after(&mut self) {
        let wd = self.g.working_days.clone();
        let opened = self.b.case.opened_on;
        let became = working_time(opened, self.rng);
        let worker = self.worker(opened);
        let event = self.b.event("became_looked_after", became, worker);
        for (kind, within) in [("care_plan", 10), ("iha_request", 5), ("pep", 10)] {
            let due = at_local(days(wd.add(opened, within), 1), 0) - TimeDelta::seconds(1);
            let kept = outcome(self.rng, 15, 5);
            let record = self.record_due(kind, became, due, kept);
            if self.rng.random_range(0..100) < 85 {
                self.b.record_mut(record).event_id = Some(event.clone());
            }
        }
        let first = if self.rng.random_range(0..100) < 10 {
            self.rng.random_range(21..=30)
        } else {
            self.rng.random_range(12..=20)
        };
        let mut on = wd.add(opened, first);
        let mut reviews = 0;
        while let Some((review, at)) = self.meeting("cla_review", on) {
            let due = at_local(days(wd.add(on, 15), 1), 0) - TimeDelta::seconds(1);
            let kept = outcome(self.rng, 20, 5);
            let record = self.record_due("review_record", at, due, kept);
            self.link_meeting(record, &review);
            reviews += 1;
            on = wd.on_or_after(months(on, if reviews == 1 { 3 } else { 6 }));
        }
        if self.rng.random_range(0..100) < 6 {
            self.returns_from_missing(opened);
        }
        self.pathway_plan_by_age();
    }

    fn returns_from_missing(&mut self, opened: NaiveDate) {
        let open_for = (self.until - opened).num_days();
        if open_for < 2 {
            return;
        }
        for _ in 0..self.rng.random_range(1..=3) {
            let on = days(opened, self.rng.random_range(1..open_for));
            let returned = at_local(on, self.rng.random_range(0..clock(23, 59)));
            let event = self.b.event("returned_from_missing", returned, None);
            let kept = outcome(self.rng, 15, 10);
            let offer = self.record_due("rhi_offer", returned, returned + hours(72), kept);
            self.b.record_mut(offer).event_id = Some(event);
        }
    }

    /// seed 002: a looked-after child's pathway plan "in place by age 15 years and 9 months".
    fn pathway_plan_by_age(&mut self) {
        let Some(born) = self.b.child.date_of_birth else {
            return;
        };
        let due_on = months(born, 189);
        if due_on >= days(self.until, 60) {
            return; // not yet started
        }
        let due = at_local(days(due_on, 1), 0) - TimeDelta::seconds(1);
        let kept = outcome(self.rng, 20, 10);
        self.record_due("pathway_plan", due - TimeDelta::days(90), due, kept);
    }

    /// seed 002: a care leaver's pathway plan "reviewed and updated every 6 months".
    fn pathway_plans(&mut self) {
        let mut on = days(self.b.case.opened_on, self.rng.random_range(0..=30));
        while on < self.until {
            let at = working_time(on, self.rng);
            let worker = self.worker(on);
            self.b.record("pathway_plan", worker).completed_at = Some(at);
            let late = self.rng.random_range(0..100) < 15;
            on = months(
                on,
                if late {
                    self.rng.random_range(7..=9)
                } else {
                    6
                },
            );
        }
    }

    /// A record kept every so many days (`late` when it slips), from the case's opening; only the last
    /// [`RECENT_DAYS`] are written.
    fn every(
        &mut self,
        kind: &str,
        on_time: std::ops::RangeInclusive<i64>,
        late: std::ops::RangeInclusive<i64>,
    ) {
        let recent = days(self.until, -RECENT_DAYS);
        let mut on = days(
            self.b.case.opened_on,
            self.rng.random_range(on_time.clone()),
        );
        while on < self.until {
            if on >= recent && self.rng.random_range(0..100) >= 3 {
                let at = working_time(on, self.rng);
                let worker = self.worker(on);
                self.b.record(kind, worker).completed_at = Some(at);
            }
            let slips = self.rng.random_range(0..100) < 10;
            let gap = if slips { late.clone() } else { on_time.clone() };
            on = days(on, self.rng.random_range(gap));
        }
    }

    /// seed 003: a case transferring into the service has its workbook decision within 24 hours.
    fn transfer_in(&mut self) {
        if self.rng.random_range(0..100) >= 4 {
            return;
        }
        let opened = self.b.case.opened_on;
        let manager = self.b.people.deciding_manager(self.rng);
        self.event_decided(
            "transferred_in",
            opened,
            "workbook_decision",
            manager,
            25..=96,
        );
    }

    /// seed 000: new information on an open case, which the team manager and the worker review (a case direction
    /// the next working day, for most).
    fn new_information(&mut self) {
        let open_for = (self.until - self.b.case.opened_on).num_days();
        if self.rng.random_range(0..100) >= 15 || open_for < 2 {
            return;
        }
        let on = days(self.b.case.opened_on, self.rng.random_range(1..open_for));
        let manager = self.b.people.team_manager.clone();
        self.event_decided("new_information", on, "case_direction", manager, 30..=120);
    }

    /// An event on `on` and the management decision on it: within 20 hours for most, `late` hours after for
    /// some, never for a few.
    fn event_decided(
        &mut self,
        event: &str,
        on: NaiveDate,
        decision: &str,
        manager: Option<StaffId>,
        late: std::ops::RangeInclusive<i64>,
    ) {
        let at = working_time(on, self.rng);
        let worker = self.worker(on);
        self.b.event(event, at, worker);
        let decided = match outcome(self.rng, 15, 8) {
            Outcome::OnTime => Some(at + hours(self.rng.random_range(1..=20))),
            Outcome::Late => Some(at + hours(self.rng.random_range(late))),
            Outcome::Missing => None,
        };
        if let Some(decided) = decided.filter(|at| self.happened(*at)) {
            self.b.numbered_decision(decided, manager, decision);
        }
    }
}
