//! The staff hierarchy, sized for the caseload and computed by arithmetic so a case can name its worker without
//! the staff table being held in memory.
//!
//! Staff numbers run senior managers, team managers, practice managers, workers, then leavers, so `S0001` is always
//! the first senior manager. A worker's pod (the practice manager's group) is `worker % pods`, a pod's team is
//! `pod / 3` and a team's senior manager `team / 5`.

use crate::model::StaffId;

/// Children per worker: caseloads of about 15–20.
const CASELOAD: f64 = 19.0;
/// Workers per practice manager: pods of 5–6.
const WORKERS_PER_POD: usize = 6;
const PODS_PER_TEAM: usize = 3;
/// Teams per senior manager (head of service): 4–6.
const TEAMS_PER_SENIOR: usize = 5;
/// One leaver still on the books per this many workers.
const WORKERS_PER_LEAVER: usize = 50;

/// The service a case sits in, decided by its case type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Service {
    /// CIN and CP cases.
    Safeguarding,
    /// CLA cases.
    ChildrenInCare,
    /// Care leavers, held by personal advisers.
    LeavingCare,
}

impl Service {
    const ALL: [Self; 3] = [Self::Safeguarding, Self::ChildrenInCare, Self::LeavingCare];

    pub(super) fn of_case_type(case_type: &str) -> Self {
        match case_type {
            "CLA" => Self::ChildrenInCare,
            "CARE_LEAVER" => Self::LeavingCare,
            _ => Self::Safeguarding,
        }
    }

    /// Share of the caseload: CIN 45% + CP 20%, CLA 25%, care leavers 10%.
    fn share(self) -> f64 {
        [0.65, 0.25, 0.10][self as usize]
    }

    /// Enough posts for the demo's recipient edge cases (see `staff`) at any size.
    fn min_workers(self) -> usize {
        [4, 3, 2][self as usize]
    }

    fn team_prefix(self) -> &'static str {
        ["Safeguarding", "Children in Care", "Leaving Care"][self as usize]
    }

    fn worker_role(self) -> &'static str {
        ["worker", "worker", "personal_adviser"][self as usize]
    }
}

/// A place in the hierarchy; indexes are within the service (pods, workers) or global (teams, seniors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Post {
    Senior(usize),
    TeamManager(usize),
    Practice(Service, usize),
    Worker(Service, usize),
    Leaver(usize),
}

#[derive(Clone, Debug)]
pub(super) struct Layout {
    workers: [usize; 3],
    pods: [usize; 3],
    team_base: [usize; 3],
    pod_base: [usize; 3],
    worker_base: [usize; 3],
    teams: usize,
    seniors: usize,
    leavers: usize,
    width: usize,
}

impl Layout {
    pub(super) fn for_caseload(children: usize) -> Self {
        let workers = Service::ALL.map(|s| {
            let needed = (children as f64 * s.share() / CASELOAD).ceil() as usize;
            needed.max(s.min_workers())
        });
        let pods = workers.map(|w| w.div_ceil(WORKERS_PER_POD));
        let teams_in = pods.map(|p| p.div_ceil(PODS_PER_TEAM));
        let teams: usize = teams_in.iter().sum();
        let seniors = teams.div_ceil(TEAMS_PER_SENIOR);
        let total_workers: usize = workers.iter().sum();
        let leavers = (total_workers / WORKERS_PER_LEAVER).max(1);
        let (mut team_base, mut pod_base, mut worker_base) = ([0; 3], [0; 3], [0; 3]);
        for s in 1..3 {
            team_base[s] = team_base[s - 1] + teams_in[s - 1];
            pod_base[s] = pod_base[s - 1] + pods[s - 1];
            worker_base[s] = worker_base[s - 1] + workers[s - 1];
        }
        let total = seniors + teams + pods.iter().sum::<usize>() + total_workers + leavers;
        let width = total.to_string().len().max(4);
        Self {
            workers,
            pods,
            team_base,
            pod_base,
            worker_base,
            teams,
            seniors,
            leavers,
            width,
        }
    }

    pub(super) fn workers(&self, service: Service) -> usize {
        self.workers[service as usize]
    }

    /// Every post in staff-number order.
    pub(super) fn posts(&self) -> impl Iterator<Item = Post> + '_ {
        let seniors = (0..self.seniors).map(Post::Senior);
        let teams = (0..self.teams).map(Post::TeamManager);
        let pods = Service::ALL
            .into_iter()
            .flat_map(move |s| (0..self.pods[s as usize]).map(move |p| Post::Practice(s, p)));
        let workers = Service::ALL
            .into_iter()
            .flat_map(move |s| (0..self.workers(s)).map(move |j| Post::Worker(s, j)));
        seniors
            .chain(teams)
            .chain(pods)
            .chain(workers)
            .chain((0..self.leavers).map(Post::Leaver))
    }

    pub(super) fn number(&self, post: Post) -> usize {
        let pods_total: usize = self.pods.iter().sum();
        let workers_total: usize = self.workers.iter().sum();
        let index = match post {
            Post::Senior(s) => s,
            Post::TeamManager(t) => self.seniors + t,
            Post::Practice(s, p) => self.seniors + self.teams + self.pod_base[s as usize] + p,
            Post::Worker(s, j) => {
                self.seniors + self.teams + pods_total + self.worker_base[s as usize] + j
            }
            Post::Leaver(l) => self.seniors + self.teams + pods_total + workers_total + l,
        };
        index + 1
    }

    pub(super) fn id(&self, post: Post) -> StaffId {
        StaffId(format!("S{:0w$}", self.number(post), w = self.width))
    }

    /// The pod a leaver worked in: spread across services, leaver 0 in safeguarding pod 0.
    fn leaver_pod(&self, leaver: usize) -> (Service, usize) {
        let total: usize = self.pods.iter().sum();
        let global = (leaver * 7) % total;
        let s = Service::ALL
            .into_iter()
            .rev()
            .find(|s| self.pod_base[*s as usize] <= global)
            .unwrap_or(Service::Safeguarding);
        (s, global - self.pod_base[s as usize])
    }

    fn team_of_pod(&self, service: Service, pod: usize) -> usize {
        self.team_base[service as usize] + pod / PODS_PER_TEAM
    }

    pub(super) fn manager(&self, post: Post) -> Option<Post> {
        match post {
            Post::Senior(_) => None,
            Post::TeamManager(t) => Some(Post::Senior(t / TEAMS_PER_SENIOR)),
            Post::Practice(s, p) => Some(Post::TeamManager(self.team_of_pod(s, p))),
            Post::Worker(s, j) => Some(Post::Practice(s, j % self.pods[s as usize])),
            Post::Leaver(l) => {
                let (s, p) = self.leaver_pod(l);
                Some(Post::Practice(s, p))
            }
        }
    }

    /// The buddy: the next colleague in the same group, wrapping round; a group of one is covered from above.
    pub(super) fn cover(&self, post: Post) -> Option<Post> {
        let next_in = |i: usize, start: usize, end: usize| if i + 1 < end { i + 1 } else { start };
        match post {
            Post::Senior(s) => (self.seniors > 1).then(|| Post::Senior((s + 1) % self.seniors)),
            Post::TeamManager(t) => {
                let start = t / TEAMS_PER_SENIOR * TEAMS_PER_SENIOR;
                let next = next_in(t, start, (start + TEAMS_PER_SENIOR).min(self.teams));
                Some(if next == t {
                    Post::Senior(t / TEAMS_PER_SENIOR)
                } else {
                    Post::TeamManager(next)
                })
            }
            Post::Practice(s, p) => {
                let start = p / PODS_PER_TEAM * PODS_PER_TEAM;
                let next = next_in(p, start, (start + PODS_PER_TEAM).min(self.pods[s as usize]));
                Some(if next == p {
                    Post::TeamManager(self.team_of_pod(s, p))
                } else {
                    Post::Practice(s, next)
                })
            }
            Post::Worker(s, j) => {
                let pods = self.pods[s as usize];
                let next = if j + pods < self.workers(s) {
                    j + pods
                } else {
                    j % pods
                };
                (next != j)
                    .then_some(Post::Worker(s, next))
                    .or(self.manager(post))
            }
            // A leaver's work went to the first worker of their pod (for leaver 0: the absent worker, so the demo
            // shows a two-hop cover chain).
            Post::Leaver(l) => {
                let (s, p) = self.leaver_pod(l);
                Some(Post::Worker(s, p))
            }
        }
    }

    pub(super) fn team_name(&self, post: Post) -> Option<String> {
        const AREAS: [&str; 5] = ["North", "South", "East", "West", "Central"];
        let global = match post {
            Post::Senior(_) => return Some("Children's Social Care".to_owned()),
            Post::TeamManager(t) => t,
            Post::Practice(s, p) => self.team_of_pod(s, p),
            Post::Worker(..) | Post::Leaver(_) => {
                return self.manager(post).and_then(|pm| self.team_name(pm));
            }
        };
        let s = Service::ALL
            .into_iter()
            .rev()
            .find(|s| self.team_base[*s as usize] <= global)?;
        let local = global - self.team_base[s as usize];
        let area = AREAS[local % AREAS.len()];
        Some(match local / AREAS.len() {
            0 => format!("{} {area}", s.team_prefix()),
            round => format!("{} {area} {}", s.team_prefix(), round + 1),
        })
    }

    pub(super) fn role(&self, post: Post) -> &'static str {
        match post {
            Post::Senior(_) => "senior_manager",
            Post::TeamManager(_) => "team_manager",
            Post::Practice(..) => "practice_manager",
            Post::Worker(s, _) => s.worker_role(),
            Post::Leaver(l) => self.leaver_pod(l).0.worker_role(),
        }
    }

    /// Whether the post is in the first team of its service (or is the first senior manager).
    pub(super) fn in_first_team(&self, post: Post) -> bool {
        match post {
            Post::Senior(s) => s == 0,
            Post::TeamManager(t) => self.team_base.contains(&t),
            Post::Practice(_, p) => p < PODS_PER_TEAM,
            Post::Worker(s, j) => j % self.pods[s as usize] < PODS_PER_TEAM,
            Post::Leaver(_) => true,
        }
    }
}
