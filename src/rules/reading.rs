//! How a selector reads a case: as of the evaluation instant ([`AsOf`]), handing the rule one [`Subject`] per
//! obligation. Below the selectors (`subject`, `shape`, `evidence`), which all read a case this way.

use std::borrow::Cow;

use chrono::{DateTime, NaiveDate, Utc};

use crate::calendar::local_date;
use crate::model::StaffId;

/// The evaluation instant and its local date.
#[derive(Clone, Copy, Debug)]
pub struct AsOf {
    pub now: DateTime<Utc>,
    pub today: NaiveDate,
}

impl AsOf {
    pub fn new(now: DateTime<Utc>) -> Self {
        Self {
            now,
            today: local_date(now),
        }
    }

    /// A timestamp that is after `now` counts as NULL.
    pub(crate) fn instant(&self, t: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        t.filter(|t| *t <= self.now)
    }

    /// A date that is after today counts as NULL.
    pub(crate) fn date(&self, d: Option<NaiveDate>) -> Option<NaiveDate> {
        d.filter(|d| *d <= self.today)
    }
}

/// One obligation's subject: its id, its worker and which of the selector's facts hold.
pub struct Subject<'f> {
    pub id: Cow<'f, str>,
    /// The subject row's own worker (visits, assessments); the case's allocated worker is used when `None`.
    pub worker_id: Option<&'f StaffId>,
    /// The subject row's own person for the `owner` role: an event's or record's `staff_id`, a meeting's chair.
    pub owner_id: Option<&'f StaffId>,
    pub facts: u32,
}
