//! When messages may go out: digests at the send windows (`delivery.digest_times`), immediate notices within
//! working hours. Pure: settings, the calendar and an instant.
//!
//! A window is *open* from its instant until `working_hours_end` that day (until midnight with `out_of_hours`), or
//! until the next window of the day, whichever comes first. The first evaluation while it is open opens it for
//! good (see `Store::open_window`); if none does (the service was down all that time), its notices go in the next.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

use super::DeliverySettings;
use crate::calendar::{self, LONDON, WorkingCalendar};

/// How far ahead [`next_window`] looks: a calendar always has a working day within a fortnight, but a loop
/// should not depend on that.
const LOOK_AHEAD_DAYS: usize = 31;

fn digest_day(day: NaiveDate, settings: &DeliverySettings, cal: &WorkingCalendar) -> bool {
    settings.digests_on_non_working_days || cal.is_working_day(day)
}

/// The day's windows as instants, earliest first; a time the clocks skip that day is passed over.
fn windows_on(day: NaiveDate, settings: &DeliverySettings) -> Vec<DateTime<Utc>> {
    slots_on(day, &settings.digest_times)
}

fn slots_on(day: NaiveDate, times: &[NaiveTime]) -> Vec<DateTime<Utc>> {
    let mut windows: Vec<DateTime<Utc>> = times
        .iter()
        .filter_map(|t| day.and_time(*t).and_local_timezone(LONDON).earliest())
        .map(|w| w.to_utc())
        .collect();
    windows.sort();
    windows
}

/// The window that is open at `now`: the latest of today's windows that has passed, on a day digests go out,
/// before the day's closing time. `None` before the first window, on a day without digests, or after closing.
pub fn current_window(
    now: DateTime<Utc>,
    settings: &DeliverySettings,
    cal: &WorkingCalendar,
) -> Option<DateTime<Utc>> {
    current_slot(now, &settings.digest_times, settings, cal)
}

/// As [`current_window`] for other local times of day on the same days (the managers' summary at
/// `delivery.summary_times`): the latest of today's that has passed, while it is open.
pub fn current_slot(
    now: DateTime<Utc>,
    times: &[NaiveTime],
    settings: &DeliverySettings,
    cal: &WorkingCalendar,
) -> Option<DateTime<Utc>> {
    let today = calendar::local_date(now);
    if !digest_day(today, settings, cal) {
        return None;
    }
    let window = slots_on(today, times).into_iter().rfind(|w| *w <= now)?;
    let closes = if settings.out_of_hours {
        calendar::start_of(today.succ_opt()?)
    } else {
        today
            .and_time(settings.working_hours_end)
            .and_local_timezone(LONDON)
            .earliest()?
            .to_utc()
    };
    (now < closes).then_some(window)
}

/// The first window after `now`: where a digest notice goes when the current window (if any) is no longer
/// taking notices. `None` when there are no windows at all.
pub fn next_window(
    now: DateTime<Utc>,
    settings: &DeliverySettings,
    cal: &WorkingCalendar,
) -> Option<DateTime<Utc>> {
    calendar::local_date(now)
        .iter_days()
        .take(LOOK_AHEAD_DAYS)
        .filter(|day| digest_day(*day, settings, cal))
        .find_map(|day| windows_on(day, settings).into_iter().find(|w| *w > now))
}

/// The last of `times` on a day digests go out strictly before `now`: when the previous summary went.
pub fn previous_slot(
    now: DateTime<Utc>,
    times: &[NaiveTime],
    settings: &DeliverySettings,
    cal: &WorkingCalendar,
) -> Option<DateTime<Utc>> {
    let today = calendar::local_date(now);
    (0..LOOK_AHEAD_DAYS as i64)
        .filter_map(|back| today.checked_sub_signed(chrono::Duration::days(back)))
        .filter(|day| digest_day(*day, settings, cal))
        .find_map(|day| slots_on(day, times).into_iter().rfind(|t| *t < now))
}

/// Whether immediate notices may go out now.
pub fn immediate_allowed(
    now: DateTime<Utc>,
    settings: &DeliverySettings,
    cal: &WorkingCalendar,
) -> bool {
    if settings.out_of_hours {
        return true;
    }
    let local = now.with_timezone(&LONDON);
    cal.is_working_day(local.date_naive())
        && settings.working_hours_start <= local.time()
        && local.time() < settings.working_hours_end
}
