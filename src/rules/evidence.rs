//! What makes a shape's obligation done (SPEC 8.3): the `evidence` table of a pack rule, as written, and the
//! evidence of one rule on one case as of the evaluation instant.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;

use super::expr::{self, Unit};
use super::reading::AsOf;
use crate::calendar::{add_months, local_date, start_of};
use crate::model::{CaseFile, Record, VisitType};

/// The `evidence` table of a rule: what makes an obligation done (SPEC 8.3), as written.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EvidenceSpec {
    #[serde(default)]
    pub records: Vec<String>,
    #[serde(default)]
    pub meetings: Vec<String>,
    #[serde(default)]
    pub decisions: Vec<String>,
    /// `case_events` of these kinds: an allocation, a transfer.
    #[serde(default)]
    pub events: Vec<String>,
    /// Visits of these types with the child seen.
    #[serde(default)]
    pub visits: Vec<VisitType>,
    /// A record counts only once it is authorised (`authorised_at`), for timescales that include sign-off.
    #[serde(default)]
    pub authorised: bool,
    /// A record counts once the thing it records has begun (its `about_at`), completed or not: "initiated".
    #[serde(default)]
    pub started: bool,
    /// Unlinked evidence counts from this long before the anchor's day as well as after it ("up to date upon
    /// transfer": a chronology of the last 3 months), in calendar days, weeks or months: "3m", "2w".
    pub look_back: Option<String>,
    /// `look_back`, parsed by [`EvidenceSpec::check`].
    #[serde(skip)]
    pub window: Option<(i64, Unit)>,
}

impl EvidenceSpec {
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
            && self.meetings.is_empty()
            && self.decisions.is_empty()
            && self.events.is_empty()
            && self.visits.is_empty()
    }

    /// Parses `look_back` and checks that the options agree, naming the field.
    pub fn check(&mut self) -> Result<(), String> {
        if self.authorised && self.started {
            return Err(
                "evidence.started and evidence.authorised contradict each other: a record counts either once \
                 it has begun or once it is signed off"
                    .into(),
            );
        }
        if (self.authorised || self.started) && self.records.is_empty() {
            return Err(
                "evidence.authorised and evidence.started apply to records; name them".into(),
            );
        }
        if let Some(text) = &self.look_back {
            let window =
                expr::parse_interval(text).map_err(|e| format!("evidence.look_back: {e}"))?;
            if window.1 == Unit::WorkingDays {
                return Err(format!(
                    "evidence.look_back: `{text}` is in working days; give calendar days, weeks or months (\"2w\")"
                ));
            }
            self.window = Some(window);
        }
        Ok(())
    }
}

/// What an after-event subject's evidence may be linked to.
pub(super) enum Link<'f> {
    Event(&'f str),
    Meeting(&'f str),
    /// A decision: records cannot link to it, so only unlinked evidence counts.
    Decision(&'f str),
    /// A record is its own evidence: "finalised within T of the thing it records".
    Record(&'f Record),
}

/// The evidence of one rule on one case, as of the evaluation instant: only what is dated at or before `now`.
pub(super) struct Evidence<'a> {
    pub spec: &'a EvidenceSpec,
    pub file: &'a CaseFile,
    pub asof: &'a AsOf,
}

impl Evidence<'_> {
    /// When a record counts as done: completed (or begun, for `started`), and authorised when the rule asks for
    /// sign-off.
    fn record_done(&self, r: &Record) -> Option<DateTime<Utc>> {
        if self.spec.started {
            return self
                .asof
                .instant(r.about_at)
                .or_else(|| self.asof.instant(r.completed_at));
        }
        let completed = self.asof.instant(r.completed_at)?;
        if self.spec.authorised {
            self.asof.instant(r.authorised_at)
        } else {
            Some(completed)
        }
    }

    fn evidence_records(&self) -> impl Iterator<Item = &Record> {
        self.file
            .records
            .iter()
            .filter(|r| self.spec.records.contains(&r.kind))
    }

    /// Evidence other than records (meetings held, decisions, events, visits with the child seen), with their
    /// instants; `except` is the subject row's own id, which is never its own evidence.
    fn other_instants(&self, except: Option<&str>) -> impl Iterator<Item = DateTime<Utc>> {
        let not_own = move |id: &str| Some(id) != except;
        let meetings = self
            .file
            .meetings
            .iter()
            .filter(move |m| self.spec.meetings.contains(&m.kind) && not_own(&m.id))
            .filter_map(|m| self.asof.held(m));
        let decisions = self
            .file
            .decisions
            .iter()
            .filter(move |d| self.spec.decisions.contains(&d.kind) && not_own(&d.id))
            .filter_map(|d| self.asof.instant(Some(d.decided_at)));
        let events = self
            .file
            .events
            .iter()
            .filter(move |e| self.spec.events.contains(&e.kind) && not_own(&e.id))
            .filter_map(|e| self.asof.instant(Some(e.occurred_at)));
        let visits = self
            .file
            .visits
            .iter()
            .filter(|v| v.child_seen && self.spec.visits.contains(&v.visit_type))
            .filter_map(|v| self.asof.instant(Some(v.visit_at)));
        meetings.chain(decisions).chain(events).chain(visits)
    }

    /// Where unlinked evidence starts to count for an anchor: the anchor itself, or the start of the day
    /// `look_back` before the anchor's day.
    fn window_start(&self, anchor: DateTime<Utc>) -> DateTime<Utc> {
        match self.spec.window {
            None => anchor,
            Some((n, unit)) => {
                let day = local_date(anchor);
                let from = match unit {
                    Unit::Months => Some(add_months(day, -n as i32)),
                    Unit::Weeks => day.checked_sub_signed(Duration::days(7 * n)),
                    _ => day.checked_sub_signed(Duration::days(n)),
                };
                from.map_or(anchor, start_of)
            }
        }
    }

    /// SPEC 8.3 after-event: a record linked to the subject, or linked to nothing and done at or after A (or
    /// within the look-back before it); a meeting held, a decision made or an event at or after A (or within the
    /// look-back).
    pub fn after(&self, anchor: DateTime<Utc>, link: Link<'_>) -> bool {
        let from = self.window_start(anchor);
        let in_window = |t: DateTime<Utc>| t >= from;
        let (records, own) = match link {
            Link::Record(own) => (
                self.spec.records.contains(&own.kind) && self.record_done(own).is_some(),
                None,
            ),
            Link::Event(id) | Link::Meeting(id) | Link::Decision(id) => (
                self.evidence_records().any(|r| {
                    let Some(done) = self.record_done(r) else {
                        return false;
                    };
                    let linked = match link {
                        Link::Event(_) => r.event_id.as_deref() == Some(id),
                        Link::Meeting(_) => r.meeting_id.as_deref() == Some(id),
                        _ => false,
                    };
                    linked || (unlinked(r) && in_window(done))
                }),
                Some(id),
            ),
        };
        records || self.other_instants(own).any(in_window)
    }

    /// SPEC 8.3 before-meeting: a record linked to the meeting, or linked to nothing and done after the latest
    /// meeting of the same kind held before this one (at any time if there is none).
    pub fn before_meeting(&self, last_held: Option<DateTime<Utc>>, meeting_id: &str) -> bool {
        let after_last = |t: DateTime<Utc>| last_held.is_none_or(|p| t > p);
        self.evidence_records().any(|r| {
            self.record_done(r).is_some_and(|done| {
                r.meeting_id.as_deref() == Some(meeting_id) || (unlinked(r) && after_last(done))
            })
        }) || self.other_instants(Some(meeting_id)).any(after_last)
    }

    /// Every piece of evidence on the case, when it was done (SPEC 8.3 every: L is the latest; by-age: any).
    pub fn all(&self) -> impl Iterator<Item = DateTime<Utc>> {
        self.evidence_records()
            .filter_map(|r| self.record_done(r))
            .chain(self.other_instants(None))
    }
}

fn unlinked(r: &Record) -> bool {
    r.meeting_id.is_none() && r.event_id.is_none()
}
