//! Repeats (`repeat_every`) follow the recipient, not the due date: "remind me again in 5 working days" counts
//! from when that recipient was last told of the stage. A catch-up after downtime tells them once, however
//! many intervals passed.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::Draft;
use crate::calendar::{self, WorkingCalendar};
use crate::rules::expr::Unit;
pub use crate::store::LastNotice;

/// When the next repeat falls due after a notice settled at `told_at`: at the start of the day `every` units
/// after that day (for working days, the SPEC's "Nth working day strictly after"). `None`: never (an interval
/// too long to count).
pub fn repeat_due(
    (every, unit): (i64, Unit),
    told_at: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> Option<DateTime<Utc>> {
    let day = unit.shift(calendar::local_date(told_at), every, cal)?;
    Some(calendar::start_of(day))
}

/// The drafts to enqueue now, given each repeating draft's latest stored notice (by repeat key): a first notice
/// when there is none, the next occurrence when its interval has run since the last one settled, nothing
/// otherwise. Drafts of stages that do not repeat pass through (enqueueing them again is a no-op).
///
/// `silence_ended` says when a silence that held a draft's stage back ended (SPEC 6a): a stage last told (or
/// cancelled) before then is told afresh, as if it had just begun, whether or not it repeats.
pub fn due_now(
    drafts: Vec<Draft>,
    last: &HashMap<String, LastNotice>,
    now: DateTime<Utc>,
    cal: &WorkingCalendar,
    silence_ended: impl Fn(&Draft) -> Option<DateTime<Utc>>,
) -> Vec<Draft> {
    drafts
        .into_iter()
        .filter_map(|draft| {
            if let (
                Some(ended),
                Some(LastNotice {
                    occurrence,
                    settled_at: Some(told),
                    ..
                }),
            ) = (silence_ended(&draft), last.get(&draft.repeat_key))
                && *told < ended
            {
                let next = occurrence + 1;
                return Some(draft.with_occurrence(next));
            }
            let Some(every) = draft.repeat_every else {
                return Some(draft);
            };
            match last.get(&draft.repeat_key) {
                None => Some(draft),
                Some(LastNotice {
                    occurrence,
                    settled_at: Some(told),
                    ..
                }) if repeat_due(every, *told, cal).is_some_and(|due| now >= due) => {
                    Some(draft.with_occurrence(occurrence + 1))
                }
                Some(_) => None,
            }
        })
        .collect()
}

/// The earliest instant at which [`due_now`] could tell `draft`'s recipient of its stage again (`None`: never, as
/// for a stage that does not repeat), whatever becomes of the notices stored or enqueued now. Before it, a pass
/// that finds the stage as it was has nothing to enqueue for it ([`crate::app`]'s steady cases).
///
/// A repeat counts from the day the last notice settled. One that has not settled yet settles no earlier than its
/// message was composed (a dead letter counts from then) or, with no message yet, than now; and since a later
/// day never brings the repeat forward, the repeat counted from that lower bound is a lower bound too.
pub fn recheck_at(
    draft: &Draft,
    last: Option<&LastNotice>,
    now: DateTime<Utc>,
    cal: &WorkingCalendar,
) -> Option<DateTime<Utc>> {
    let every = draft.repeat_every?;
    let settles_from = match last {
        Some(LastNotice {
            settled_at: Some(told),
            ..
        }) => match repeat_due(every, *told, cal)? {
            due if now < due => return Some(due),
            // [`due_now`] enqueues the next occurrence now.
            _ => now,
        },
        Some(LastNotice {
            composed_at: Some(composed),
            ..
        }) => *composed,
        _ => now,
    };
    repeat_due(every, settles_from, cal)
}
