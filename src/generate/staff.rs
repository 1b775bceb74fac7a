//! Staff rows: names, addresses and absences, with the demo's recipient edge cases on fixed posts.

use chrono::NaiveDate;
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

use super::days::days;
use super::hierarchy::{Layout, Post, Service};
use super::names;
use crate::model::Staff;

// The demo's recipient edge cases sit on fixed posts in the first teams, so the scenarios can point at them.

/// Safeguarding worker off since three days ago for two weeks more, covered by the next worker in their pod.
pub(super) const ABSENT_WORKER: Post = Post::Worker(Service::Safeguarding, 0);
/// Safeguarding worker booked on leave in a few weeks' time.
const ON_LEAVE_SOON: Post = Post::Worker(Service::Safeguarding, 2);
/// Children in care worker on open-ended sick leave.
const LONG_TERM_ABSENT: Post = Post::Worker(Service::ChildrenInCare, 1);
/// A practice manager with no email address: the workers in pod 0 of children in care report to them.
const NO_EMAIL_MANAGER: Post = Post::Practice(Service::ChildrenInCare, 0);
/// Personal adviser whose absence is over.
const WAS_ABSENT: Post = Post::Worker(Service::LeavingCare, 0);

/// One `staff` row. The first team of each service and the first senior manager carry only the designated edge
/// cases, so the demo's people behave as its scenarios say; everyone else gets a random status.
pub(super) fn staff_row(
    layout: &Layout,
    post: Post,
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> Staff {
    let status = status(layout, post, today, rng);
    let (given, family) = (names::given(rng), names::family(rng));
    let number = layout.number(post);
    Staff {
        id: layout.id(post),
        display_name: format!("{given} {family}"),
        email: status.email.then(|| {
            format!(
                "{}.{}{number}@example.org",
                given.to_lowercase(),
                family.to_lowercase()
            )
        }),
        role: layout.role(post).to_owned(),
        team: layout.team_name(post),
        manager_id: layout.manager(post).map(|m| layout.id(m)),
        cover_id: layout.cover(post).map(|c| layout.id(c)),
        absent_from: status.absent_from,
        absent_until: status.absent_until,
        active: !matches!(post, Post::Leaver(_)),
    }
}

/// A post's absence window and whether it has an email address: the first draws from the post's stream, so
/// a case can ask whether its worker is away without the staff table.
pub(super) fn status(
    layout: &Layout,
    post: Post,
    today: NaiveDate,
    rng: &mut ChaCha8Rng,
) -> Status {
    designated(post, today).unwrap_or_else(|| {
        if layout.in_first_team(post) {
            Status::PRESENT
        } else {
            random_status(today, rng)
        }
    })
}

pub(super) struct Status {
    absent_from: Option<NaiveDate>,
    absent_until: Option<NaiveDate>,
    email: bool,
}

impl Status {
    /// SPEC section 3: away when at least one end is set and `date` lies between them, a NULL end being open.
    pub(super) fn away_on(&self, date: NaiveDate) -> bool {
        (self.absent_from.is_some() || self.absent_until.is_some())
            && self.absent_from.is_none_or(|from| from <= date)
            && self.absent_until.is_none_or(|until| date <= until)
    }

    const PRESENT: Self = Self {
        absent_from: None,
        absent_until: None,
        email: true,
    };

    fn absent(today: NaiveDate, from: i64, until: Option<i64>) -> Self {
        Self {
            absent_from: Some(days(today, from)),
            absent_until: until.map(|u| days(today, u)),
            ..Self::PRESENT
        }
    }
}

fn designated(post: Post, today: NaiveDate) -> Option<Status> {
    Some(match post {
        ABSENT_WORKER => Status::absent(today, -3, Some(14)),
        ON_LEAVE_SOON => Status::absent(today, 20, Some(30)),
        LONG_TERM_ABSENT => Status::absent(today, -30, None),
        WAS_ABSENT => Status::absent(today, -90, Some(-76)),
        NO_EMAIL_MANAGER => Status {
            email: false,
            ..Status::PRESENT
        },
        _ => return None,
    })
}

/// About 3% absent today (half open-ended), 4% with an absence over, 3% with leave booked; 2% without email.
fn random_status(today: NaiveDate, rng: &mut ChaCha8Rng) -> Status {
    let roll = rng.random_range(0..100);
    let mut status = match roll {
        0..=1 => Status::absent(today, -rng.random_range(1..=60), None),
        2 => Status::absent(
            today,
            -rng.random_range(0..=10),
            Some(rng.random_range(1..=20)),
        ),
        3..=6 => {
            let from = -rng.random_range(30..=200);
            Status::absent(today, from, Some(from + rng.random_range(5..=20)))
        }
        7..=9 => {
            let from = rng.random_range(3..=40);
            Status::absent(today, from, Some(from + rng.random_range(5..=15)))
        }
        _ => Status::PRESENT,
    };
    status.email = rng.random_range(0..100) >= 2;
    status
}
