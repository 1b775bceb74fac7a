//! What `check-config` says about a staff directory laid over the case database's staff: how many people each
//! side holds, and the links and addresses that would send notices to the fallback mailbox.

use std::collections::{HashMap, HashSet};

use super::StaffDirectory;
use crate::model::{Staff, StaffId};

/// The findings, ids only (never a name or an address).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Usable rows in the file.
    pub entries: usize,
    /// Of those, people the case database's `staff` also holds.
    pub in_database: usize,
    /// People in the case database the file does not name.
    pub database_only: usize,
    /// `(person, column, id)`: a `manager_id` or `cover_id` that names no one in either.
    pub unknown_ids: Vec<(StaffId, &'static str, StaffId)>,
    /// Management chains that come back on themselves, each from its smallest id.
    pub manager_loops: Vec<Vec<StaffId>>,
    /// Cover chains that come back on themselves, each from its smallest id.
    pub cover_loops: Vec<Vec<StaffId>>,
    /// Active people with no email address, by id.
    pub without_email: Vec<StaffId>,
}

/// Lays `directory` over `database_staff` and looks for unknown ids, loops and missing addresses.
pub fn findings(directory: &StaffDirectory, database_staff: Vec<Staff>) -> Findings {
    let in_database: HashSet<StaffId> = database_staff.iter().map(|s| s.id.clone()).collect();
    let named: HashSet<&StaffId> = directory.entries().iter().map(|e| &e.id).collect();
    let merged = directory.merge(database_staff);
    let by_id: HashMap<&StaffId, &Staff> = merged.iter().map(|s| (&s.id, s)).collect();

    let mut unknown_ids = Vec::new();
    for person in &merged {
        for (column, link) in [
            ("manager_id", &person.manager_id),
            ("cover_id", &person.cover_id),
        ] {
            if let Some(id) = link
                && !by_id.contains_key(id)
            {
                unknown_ids.push((person.id.clone(), column, id.clone()));
            }
        }
    }
    Findings {
        entries: directory.entries().len(),
        in_database: named.iter().filter(|id| in_database.contains(**id)).count(),
        database_only: in_database.iter().filter(|id| !named.contains(id)).count(),
        unknown_ids,
        manager_loops: loops(&merged, |s| s.manager_id.as_ref()),
        cover_loops: loops(&merged, |s| s.cover_id.as_ref()),
        without_email: merged
            .iter()
            .filter(|s| s.active && s.email.as_deref().is_none_or(|e| e.trim().is_empty()))
            .map(|s| s.id.clone())
            .collect(),
    }
}

/// The cycles of the graph in which each person points at most one other (their manager, or their cover).
fn loops(staff: &[Staff], next: impl Fn(&Staff) -> Option<&StaffId>) -> Vec<Vec<StaffId>> {
    let by_id: HashMap<&StaffId, &Staff> = staff.iter().map(|s| (&s.id, s)).collect();
    let mut finished: HashSet<&StaffId> = HashSet::new();
    let mut cycles = Vec::new();
    for start in staff {
        let mut path: Vec<&StaffId> = Vec::new();
        let mut at = Some(&start.id);
        while let Some(id) = at {
            if finished.contains(id) {
                break;
            }
            if let Some(i) = path.iter().position(|p| *p == id) {
                let mut cycle: Vec<StaffId> = path[i..].iter().map(|&id| id.clone()).collect();
                let smallest = (0..cycle.len()).min_by_key(|&k| &cycle[k]).unwrap_or(0);
                cycle.rotate_left(smallest);
                cycles.push(cycle);
                break;
            }
            path.push(id);
            at = by_id.get(id).and_then(|s| next(s));
        }
        finished.extend(path);
    }
    cycles.sort();
    cycles
}
