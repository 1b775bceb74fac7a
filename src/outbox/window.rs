//! When messages may go out: digests at the send windows (`delivery.digest_times`), immediate notices within
//! working hours. Pure: settings, the calendar and an instant.
//!
//! A window is *open* from its instant until `working_hours_end` that day (until midnight with `out_of_hours`), or
//! until the next window of the day, whichever comes first. The first evaluation while it is open opens it for
//! good (see `Store::open_window`); if none does (the service was down all that time), its notices go in the next.

use chrono::{DateTime, NaiveDate, Utc};

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
    let mut windows: Vec<DateTime<Utc>> = settings
        .digest_times
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
    let today = calendar::local_date(now);
    if !digest_day(today, settings, cal) {
        return None;
    }
    let window = windows_on(today, settings)
        .into_iter()
        .rfind(|w| *w <= now)?;
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
