//! SPEC 6a: what is evaluated but not told one by one. The go-live backlog (obligations due before
//! `delivery.tell_from`) and silenced stages ("in hand") are still evaluated, recorded and shown; they are only
//! kept out of notices. Pure: settings, silences, the calendar and lines in.

use chrono::{DateTime, Duration, NaiveDate, Utc};

use super::DeliverySettings;
use crate::calendar::{self, WorkingCalendar};
use crate::evaluate::Line;
use crate::store::Silence;

/// Working days before the service's first pass that are still told, when `delivery.tell_from` is not set: a
/// month of recent work, so that what fell due last week is chased, and what fell due last year is not shouted.
pub const DEFAULT_TELL_BACK_WORKING_DAYS: i32 = 20;

/// How long after a silence ends a pass still looks at it, to tell afresh what it held back (a pass runs every
/// few minutes; this covers a service that was down for weeks).
pub const RETELL_WINDOW_DAYS: i64 = 35;

/// The first UK date whose obligations are told one by one: `delivery.tell_from`, else 20 working days before the
/// day of the first pass.
pub fn tell_from(
    settings: &DeliverySettings,
    first_pass_on: NaiveDate,
    cal: &WorkingCalendar,
) -> NaiveDate {
    settings
        .tell_from
        .unwrap_or_else(|| cal.add_working_days(first_pass_on, -DEFAULT_TELL_BACK_WORKING_DAYS))
}

/// Obligations due before this instant (the start of `tell_from`) are the backlog.
pub fn backlog_before(tell_from: NaiveDate) -> DateTime<Utc> {
    calendar::start_of(tell_from)
}

/// The silences a pass at `now` needs: those active now, and those that ended recently (what they held back is
/// told afresh).
pub fn recent_since(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::days(RETELL_WINDOW_DAYS)
}

/// The active silence that holds `line` back, if any.
pub fn silencing<'s>(
    silences: &'s [Silence],
    line: &Line,
    now: DateTime<Utc>,
) -> Option<&'s Silence> {
    silences
        .iter()
        .find(|s| s.is_active(now) && s.covers(&line.case_id, &line.rule))
}

/// Whether a line may be told one by one at `now`: not backlog, not silenced.
pub fn tellable(line: &Line, silences: &[Silence], now: DateTime<Utc>) -> bool {
    !line.backlog && silencing(silences, line, now).is_none()
}

/// When the latest silence covering `rule` on `case_id` that has ended by `now` ended: what was told before it is
/// told afresh once, after it.
pub fn silence_ended(
    silences: &[Silence],
    case_id: &str,
    rule: &str,
    now: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    silences
        .iter()
        .filter(|s| s.covers(case_id, rule) && s.end() <= now)
        .map(Silence::end)
        .max()
}
