//! The builder every generated case goes through: it knows the case's people and gives rows their ids.

use chrono::{DateTime, NaiveDate, Utc};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::hierarchy::{Post, Service};
use super::staff::{self, Status};
use super::{Generator, names};
use crate::model::{
    Assessment, Case, CaseEvent, CaseFile, Child, ChildId, Decision, Meeting, Record, StaffId,
    Visit, VisitType,
};

/// The people around a case: who visits, who decides.
pub(super) struct Allocation {
    pub(super) worker: Option<StaffId>,
    /// When the allocated worker is away (or has left), a colleague visits instead.
    worker_status: Status,
    worker_left: bool,
    /// The allocated worker's buddy, or the duty worker of an unallocated case.
    colleague: StaffId,
    pub(super) practice_manager: Option<StaffId>,
    pub(super) team_manager: Option<StaffId>,
}

impl Allocation {
    pub(super) fn new(g: &Generator, post: Post, allocated: bool) -> Self {
        let layout = &g.layout;
        let buddy = layout
            .cover(post)
            .filter(|c| allocated && matches!(c, Post::Worker(..)));
        let practice_manager = layout.manager(post);
        Self {
            worker: allocated.then(|| layout.id(post)),
            worker_status: staff::status(layout, post, g.today, &mut g.staff_stream(post)),
            worker_left: matches!(post, Post::Leaver(_)),
            colleague: layout.id(buddy.unwrap_or(post)),
            practice_manager: practice_manager.map(|p| layout.id(p)),
            team_manager: practice_manager
                .and_then(|p| layout.manager(p))
                .map(|t| layout.id(t)),
        }
    }

    /// Usually the allocated worker; sometimes a colleague covering; now and then not recorded.
    pub(super) fn visiting_worker(&self, on: NaiveDate, rng: &mut ChaCha8Rng) -> Option<StaffId> {
        let available = !self.worker_left && !self.worker_status.away_on(on);
        match rng.random_range(0..100) {
            0..=87 if available => Some(self.worker.as_ref().unwrap_or(&self.colleague).clone()),
            0..=95 => Some(self.colleague.clone()),
            _ => None,
        }
    }

    /// Mostly the practice manager, sometimes the team manager.
    pub(super) fn deciding_manager(&self, rng: &mut ChaCha8Rng) -> Option<StaffId> {
        if rng.random_range(0..100) < 85 {
            &self.practice_manager
        } else {
            &self.team_manager
        }
        .clone()
    }
}

/// Collects one case's rows and gives them ids in the model's orders when finished.
pub(super) struct CaseBuilder {
    number: String,
    pub(super) case: Case,
    pub(super) child: Child,
    pub(super) people: Allocation,
    visits: Vec<Visit>,
    assessments: Vec<Assessment>,
    decisions: Vec<Decision>,
    events: Vec<CaseEvent>,
    meetings: Vec<Meeting>,
    records: Vec<Record>,
}

impl CaseBuilder {
    pub(super) fn new(
        g: &Generator,
        case_number: usize,
        child: Child,
        case_type: &str,
        post: Option<Post>,
    ) -> Self {
        let service = Service::of_case_type(case_type);
        // An unallocated case is seen by whoever is on duty in its service.
        let people = Allocation::new(g, post.unwrap_or(Post::Worker(service, 0)), post.is_some());
        let case = Case {
            id: g.case_id(case_number),
            child_id: child.id.clone(),
            case_type: case_type.to_owned(),
            allocated_worker_id: people.worker.clone(),
            opened_on: g.today,
            closed_on: None,
            care_leaver_category: None,
        };
        let number = g.number(case_number);
        Self {
            number,
            case,
            child,
            people,
            visits: Vec::new(),
            assessments: Vec::new(),
            decisions: Vec::new(),
            events: Vec::new(),
            meetings: Vec::new(),
            records: Vec::new(),
        }
    }

    /// Gives the case the id of its number with `suffix` (a child's CONTACT case beside their closed one), and
    /// its rows ids to match.
    pub(super) fn renumber(&mut self, suffix: &str) {
        self.number.push_str(suffix);
        self.case.id = crate::model::CaseId(format!("C{}", self.number));
    }

    /// A `case_events` row; its id, for records to link to. Ids are given as rows are made (records name them),
    /// in a width that keeps them in the order made.
    pub(super) fn event(
        &mut self,
        kind: &str,
        at: DateTime<Utc>,
        staff: Option<StaffId>,
    ) -> String {
        let id = format!("E{}-{:03}", self.number, self.events.len() + 1);
        self.events.push(CaseEvent {
            id: id.clone(),
            case_id: self.case.id.clone(),
            kind: kind.to_owned(),
            occurred_at: at,
            staff_id: staff,
            detail: None,
        });
        id
    }

    /// A `meetings` row, planned for `scheduled_at`; its id.
    pub(super) fn meeting(&mut self, kind: &str, scheduled_at: DateTime<Utc>) -> &mut Meeting {
        let id = format!("M{}-{:03}", self.number, self.meetings.len() + 1);
        self.meetings.push(Meeting {
            id,
            case_id: self.case.id.clone(),
            kind: kind.to_owned(),
            scheduled_at: Some(scheduled_at),
            held_at: None,
            cancelled: false,
            chair_id: None,
        });
        self.meetings.last_mut().expect("just pushed")
    }

    /// A `records` row with nothing done yet.
    pub(super) fn record(&mut self, kind: &str, staff: Option<StaffId>) -> &mut Record {
        let id = format!("R{}-{:03}", self.number, self.records.len() + 1);
        self.records.push(Record {
            id,
            case_id: self.case.id.clone(),
            kind: kind.to_owned(),
            about_at: None,
            completed_at: None,
            authorised_at: None,
            staff_id: staff,
            meeting_id: None,
            event_id: None,
        });
        self.records.last_mut().expect("just pushed")
    }

    pub(super) fn record_count(&self) -> usize {
        self.records.len()
    }

    pub(super) fn record_mut(&mut self, index: usize) -> &mut Record {
        &mut self.records[index]
    }

    /// A management decision with its id given now, apart from the ones `finish` numbers (so that adding these
    /// leaves the others' ids as they were).
    pub(super) fn numbered_decision(
        &mut self,
        at: DateTime<Utc>,
        manager: Option<StaffId>,
        kind: &str,
    ) {
        let id = format!("D{}-T{:02}", self.number, self.decisions.len() + 1);
        self.decision(at, manager, kind);
        self.decisions.last_mut().expect("just pushed").id = id;
    }

    pub(super) fn visit(
        &mut self,
        visit_type: VisitType,
        at: DateTime<Utc>,
        seen: bool,
        worker: Option<StaffId>,
    ) -> &mut Visit {
        let index = self.visits.len();
        self.visits.push(Visit {
            id: String::new(),
            case_id: self.case.id.clone(),
            visit_type,
            visit_at: at,
            child_seen: seen,
            worker_id: worker,
            note_created_at: None,
            note_finalised_at: None,
            manager_comment_at: None,
            ssda903_recorded: false,
        });
        &mut self.visits[index]
    }

    pub(super) fn assessment(
        &mut self,
        started_on: NaiveDate,
        priority: u32,
        worker: Option<StaffId>,
    ) -> &mut Assessment {
        let index = self.assessments.len();
        self.assessments.push(Assessment {
            id: String::new(),
            case_id: self.case.id.clone(),
            started_on,
            referral_on: None,
            priority_working_days: priority,
            priority_set_at: None,
            completed_on: None,
            worker_id: worker,
        });
        &mut self.assessments[index]
    }

    pub(super) fn decision(&mut self, at: DateTime<Utc>, manager: Option<StaffId>, kind: &str) {
        let case_id = self.case.id.clone();
        self.decisions.push(Decision {
            id: String::new(),
            case_id,
            decided_at: at,
            manager_id: manager,
            kind: kind.to_owned(),
        });
    }

    pub(super) fn finish(mut self) -> CaseFile {
        self.visits.sort_by_key(|v| v.visit_at);
        for (k, visit) in self.visits.iter_mut().enumerate() {
            visit.id = format!("V{}-{:03}", self.number, k + 1);
        }
        self.assessments.sort_by_key(|a| a.started_on);
        for (k, assessment) in self.assessments.iter_mut().enumerate() {
            assessment.id = format!("A{}-{:02}", self.number, k + 1);
        }
        self.decisions.sort_by_key(|d| d.decided_at);
        let unnumbered = self.decisions.iter_mut().filter(|d| d.id.is_empty());
        for (k, decision) in unnumbered.enumerate() {
            decision.id = format!("D{}-{:02}", self.number, k + 1);
        }
        self.decisions
            .sort_by(|a, b| (a.decided_at, &a.id).cmp(&(b.decided_at, &b.id)));
        self.events
            .sort_by(|a, b| (a.occurred_at, &a.id).cmp(&(b.occurred_at, &b.id)));
        CaseFile {
            case: self.case,
            child: self.child,
            visits: self.visits,
            assessments: self.assessments,
            decisions: self.decisions,
            events: self.events,
            meetings: self.meetings,
            records: self.records,
        }
    }
}

/// The `children` row; a child not yet born has no name or date of birth.
pub(super) fn child_row(
    g: &Generator,
    child: usize,
    date_of_birth: Option<NaiveDate>,
    rng: &mut ChaCha8Rng,
) -> Child {
    let (given, family) = (names::given(rng), names::family(rng));
    Child {
        id: ChildId(format!("CH{}", g.number(child + 1))),
        display_ref: format!("LL-{}", 100_000 + child + 1),
        given_name: date_of_birth.map(|_| given.to_owned()),
        family_name: Some(family.to_owned()),
        date_of_birth,
    }
}
