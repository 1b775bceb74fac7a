//! Steady cases: most of a pass finds each case as the last pass left it. A case's fingerprint is a hash of its
//! evaluated lines and of everything else that decides which notices its stages have; a pass that finds the
//! fingerprint the case was marked with (`case_marks`), before the earliest time one of its stages could repeat,
//! has nothing to open, end or enqueue for it, and passes over it: only its lines are counted and summarised.
//!
//! What decides whether a notice is stored, besides the lines (`crate::outbox::plan`): each person's team and the
//! webhook routes (which channels a stage goes to), each stage's `repeat_every` and the recipient's last notice
//! (`crate::outbox::recheck_at` bounds when that matters again), the silences (active or recently ended) and this
//! build. A notice already stored is never written again, so what only shapes a new notice's words (titles,
//! labels, names, the case link, immediate or digest) is not part of it. A hash collision (one in 2^64 for a
//! changed case) would keep a case's change from being told until its next change.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use crate::evaluate::Line;
use crate::outbox::Route;
use crate::recipients::Directory;
use crate::rules::RulePack;
use crate::rules::expr::Unit;
use crate::store::Silence;

/// What every case's fingerprint shares in one pass, and what is looked up for each line.
pub struct Prints<'a> {
    pass: Sha256,
    directory: &'a Directory,
    repeats: HashMap<(&'a str, &'a str), Option<(i64, Unit)>>,
}

impl<'a> Prints<'a> {
    pub fn new(
        pack: &'a RulePack,
        directory: &'a Directory,
        routes: &[Route],
        silences: &[Silence],
        now: DateTime<Utc>,
    ) -> Self {
        let mut pass = Sha256::new();
        text(&mut pass, env!("CARGO_PKG_VERSION"));
        text(&mut pass, &format!("{routes:?}"));
        for silence in silences {
            text(&mut pass, &format!("{silence:?}"));
            pass.update([u8::from(silence.is_active(now))]);
        }
        let repeats = pack
            .rules
            .iter()
            .flat_map(|rule| {
                rule.stages
                    .iter()
                    .map(|stage| ((rule.id.as_str(), stage.name.as_str()), stage.repeat_every))
            })
            .collect();
        Self {
            pass,
            directory,
            repeats,
        }
    }

    /// Each case's fingerprint, in the order its lines came.
    pub fn of<'l>(&self, lines: &'l [Line]) -> Vec<(&'l str, i64)> {
        let mut prints: Vec<(&str, Sha256)> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for line in lines {
            let i = *index.entry(&line.case_id).or_insert_with(|| {
                prints.push((&line.case_id, self.pass.clone()));
                prints.len() - 1
            });
            self.add(&mut prints[i].1, line);
        }
        prints
            .into_iter()
            .map(|(case, hash)| {
                let digest = hash.finalize();
                let first: [u8; 8] = digest[..8].try_into().expect("a SHA-256 has 32 bytes");
                (case, i64::from_le_bytes(first))
            })
            .collect()
    }

    fn add(&self, hash: &mut Sha256, line: &Line) {
        // Every field, named, so that a field added to `Line` must be thought about here.
        let Line {
            rule,
            stage,
            case_id,
            subject_id,
            child_ref,
            due_at,
            from,
            role,
            staff_id,
            address,
            severity,
            backlog,
            role_order,
            child_label,
            facts,
            worker_id,
            meant_for,
        } = line;
        for s in [
            rule,
            stage,
            case_id,
            subject_id,
            child_ref,
            address,
            child_label,
        ] {
            text(hash, s);
        }
        for s in [staff_id, worker_id, meant_for] {
            text(hash, s.as_deref().unwrap_or("\u{0}none"));
        }
        for t in [due_at, from] {
            hash.update(t.timestamp().to_le_bytes());
        }
        text(hash, &role.name());
        text(hash, severity.as_str());
        hash.update([u8::from(*backlog)]);
        hash.update(role_order.to_le_bytes());
        text(hash, &format!("{facts:?}"));
        let team = staff_id
            .as_ref()
            .and_then(|id| self.directory.get(&id.as_str().into()))
            .and_then(|person| person.team.as_deref());
        text(hash, team.unwrap_or("\u{0}none"));
        let repeat = self.repeats.get(&(rule.as_str(), stage.as_str()));
        text(hash, &format!("{repeat:?}"));
    }
}

/// Length first, so that no two different sequences of strings hash alike.
fn text(hash: &mut Sha256, s: &str) {
    hash.update((s.len() as u64).to_le_bytes());
    hash.update(s.as_bytes());
}
