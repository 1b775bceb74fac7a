//! `evaluate`'s output in SPEC order without holding it: an external merge sort.
//!
//! SPEC section 5 orders the lines by `due_at` across every case, and cases are read one at a time, so the order
//! is only known once the last case is read. With every pack on there are about three lines per child: 1M
//! children make some 3M lines, more than a gigabyte as `Line`s. Instead each line is kept as the bytes `evaluate`
//! prints (its JSON) behind a sort key whose byte order is the SPEC order. Lines gather in memory up to a budget;
//! a full buffer is sorted and written to an anonymous temporary file (a *run*), and the output is a k-way merge
//! of the runs and what is left in memory. Memory is the budget plus a read buffer per run; disk is about the
//! size of the output, and is given back when the lines are dropped (the files are unlinked as they are made).
//! A caseload that fits in the budget never touches the disk.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, Write};

use super::Line;

/// How many bytes of lines are held before a run is written. Kept in one buffer, this is what the lines cost in
/// memory, whatever the caseload.
pub const DEFAULT_BUDGET: usize = 16 << 20;

/// Room kept for one more line: a run is written when the buffer is fuller than the budget less this.
const LINE_ROOM: usize = 4 << 10;

/// Read buffer for each run while merging.
const RUN_BUFFER: usize = 64 << 10;

/// A line as it is sorted and printed: the sort key, then the JSON, in one allocation. Entries order by their
/// bytes, that is by key (see [`sort_key`]).
#[derive(PartialEq, Eq, PartialOrd, Ord)]
struct Entry {
    bytes: Box<[u8]>,
    key_len: u32,
}

impl Entry {
    fn json(&self) -> &[u8] {
        &self.bytes[self.key_len as usize..]
    }
}

/// Where a line held in memory is in the buffer: its bytes (key then JSON) and where the JSON starts.
#[derive(Clone, Copy)]
struct Held {
    start: u32,
    key_len: u32,
    len: u32,
}

/// The byte string whose order is SPEC section 5's: `due_at`, then rule, subject, stage, the role's place in the
/// rule's `notify` list, and the case. Strings end with a 0 byte, so a string sorts before its extensions as it
/// does in Rust (identifiers do not contain 0 bytes), and no key is a prefix of another: comparing whole entries
/// (key, then JSON) compares keys first, and two lines with the same key come out in one order every time.
pub fn sort_key(line: &Line, out: &mut Vec<u8>) {
    let flip = |t: i64| (t as u64 ^ (1 << 63)).to_be_bytes();
    out.extend_from_slice(&flip(line.due_at.timestamp()));
    out.extend_from_slice(&line.due_at.timestamp_subsec_nanos().to_be_bytes());
    for text in [&line.rule, &line.subject_id, &line.stage] {
        out.extend_from_slice(text.as_bytes());
        out.push(0);
    }
    out.extend_from_slice(&(line.role_order as u64).to_be_bytes());
    out.extend_from_slice(line.case_id.as_bytes());
    out.push(0);
}

/// Lines per hand-over to [`Keeper`]'s thread, and hand-overs that may wait: a few hundred kilobytes.
const KEEPER_BATCH: usize = 256;
const KEEPER_BATCHES_AHEAD: usize = 8;

/// [`SortedLines`] filled on a thread of its own: serialising and keying lines, and writing runs, go on beside the
/// evaluation instead of in it (the evaluation's thread is what a pass waits for on a large caseload).
pub struct Keeper {
    batch: Vec<Line>,
    sender: Option<std::sync::mpsc::SyncSender<Vec<Line>>>,
    thread: std::thread::JoinHandle<io::Result<SortedLines>>,
}

impl Keeper {
    pub fn new(mut lines: SortedLines) -> io::Result<Keeper> {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<Line>>(KEEPER_BATCHES_AHEAD);
        let thread = std::thread::Builder::new()
            .name("evaluate-sort".into())
            .spawn(move || {
                for batch in receiver {
                    for line in &batch {
                        lines.push(line)?;
                    }
                }
                Ok(lines)
            })?;
        Ok(Keeper {
            batch: Vec::with_capacity(KEEPER_BATCH),
            sender: Some(sender),
            thread,
        })
    }

    pub fn push(&mut self, line: Line) {
        self.batch.push(line);
        if self.batch.len() == KEEPER_BATCH {
            self.hand_over();
        }
    }

    fn hand_over(&mut self) {
        let batch = std::mem::replace(&mut self.batch, Vec::with_capacity(KEEPER_BATCH));
        // A send fails only when the thread has stopped on an error, which `finish` returns.
        if let Some(sender) = &self.sender
            && sender.send(batch).is_err()
        {
            self.sender = None;
        }
    }

    /// Every line pushed, kept; or the error that stopped the keeping.
    pub fn finish(mut self) -> io::Result<SortedLines> {
        if !self.batch.is_empty() {
            self.hand_over();
        }
        self.sender = None;
        self.thread
            .join()
            .unwrap_or_else(|_| Err(io::Error::other("the thread keeping the lines panicked")))
    }
}

/// Lines gathered in any order and given back in SPEC order, within a memory budget.
pub struct SortedLines {
    budget: usize,
    /// The lines held in memory, one after another (key, JSON), with `held` saying where each is: one buffer,
    /// reused from run to run, so the memory is the budget and no more.
    bytes: Vec<u8>,
    held: Vec<Held>,
    runs: Vec<File>,
    len: u64,
}

impl Default for SortedLines {
    fn default() -> Self {
        Self::with_budget(DEFAULT_BUDGET)
    }
}

impl SortedLines {
    /// Holds up to `budget` bytes of lines in memory before writing a run.
    pub fn with_budget(budget: usize) -> Self {
        Self {
            budget,
            bytes: Vec::new(),
            held: Vec::new(),
            runs: Vec::new(),
            len: 0,
        }
    }

    pub fn push(&mut self, line: &Line) -> io::Result<()> {
        if self.bytes.capacity() == 0 {
            // Once, so that the buffer is never copied to grow (pages are only touched as lines fill them).
            self.bytes.reserve_exact(self.budget + LINE_ROOM);
        }
        if self.bytes.len() + LINE_ROOM > self.budget && !self.held.is_empty() {
            self.spill()?;
        }
        let start = self.bytes.len();
        sort_key(line, &mut self.bytes);
        let key_len = self.bytes.len() - start;
        serde_json::to_writer(&mut self.bytes, line)?;
        let len = self.bytes.len() - start;
        let too_long = || io::Error::other("a line of more than 4 GB");
        self.held.push(Held {
            start: u32::try_from(start).map_err(|_| too_long())?,
            key_len: key_len as u32,
            len: u32::try_from(len).map_err(|_| too_long())?,
        });
        self.len += 1;
        Ok(())
    }

    /// Lines pushed so far.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Runs written to disk so far (0 when everything fitted in memory).
    pub fn runs(&self) -> usize {
        self.runs.len()
    }

    fn entry(&self, held: Held) -> &[u8] {
        &self.bytes[held.start as usize..(held.start + held.len) as usize]
    }

    /// Orders the lines held in memory.
    fn sort_held(&mut self) {
        let mut held = std::mem::take(&mut self.held);
        held.sort_unstable_by(|a, b| self.entry(*a).cmp(self.entry(*b)));
        self.held = held;
    }

    fn spill(&mut self) -> io::Result<()> {
        self.sort_held();
        let mut file = BufWriter::with_capacity(RUN_BUFFER, tempfile::tempfile()?);
        for &held in &self.held {
            file.write_all(&held.key_len.to_le_bytes())?;
            file.write_all(&held.len.to_le_bytes())?;
            file.write_all(self.entry(held))?;
        }
        self.runs
            .push(file.into_inner().map_err(|e| e.into_error())?);
        self.bytes.clear();
        self.held.clear();
        Ok(())
    }

    /// Calls `each` with every line's JSON (no newline) in SPEC order. May be called again: the runs are read
    /// from their start each time.
    pub fn for_each_json(
        &mut self,
        mut each: impl FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        self.sort_held();
        let json = |held: Held| {
            &self.bytes[(held.start + held.key_len) as usize..(held.start + held.len) as usize]
        };
        if self.runs.is_empty() {
            return self.held.iter().try_for_each(|&h| each(json(h)));
        }
        let mut readers = Vec::with_capacity(self.runs.len());
        for file in &self.runs {
            let mut file = file;
            file.rewind()?;
            readers.push(BufReader::with_capacity(RUN_BUFFER, file));
        }
        // The head of each run, smallest first; the lines in memory are merged in beside them.
        let mut heads = BinaryHeap::new();
        for (i, reader) in readers.iter_mut().enumerate() {
            if let Some(entry) = read_entry(reader)? {
                heads.push(Reverse((entry, i)));
            }
        }
        let mut in_memory = self.held.iter().copied().peekable();
        loop {
            let take_memory = match (in_memory.peek(), heads.peek()) {
                (Some(&h), Some(Reverse((run, _)))) => self.entry(h) <= &*run.bytes,
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => return Ok(()),
            };
            if take_memory {
                each(json(in_memory.next().expect("checked")))?;
                continue;
            }
            let Reverse((entry, i)) = heads.pop().expect("checked");
            each(entry.json())?;
            if let Some(entry) = read_entry(&mut readers[i])? {
                heads.push(Reverse((entry, i)));
            }
        }
    }
}

/// The next entry of a run, or `None` at its end.
fn read_entry(reader: &mut impl Read) -> io::Result<Option<Entry>> {
    let mut header = [0u8; 8];
    match reader.read_exact(&mut header[..4]) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    reader.read_exact(&mut header[4..])?;
    let key_len = u32::from_le_bytes(header[..4].try_into().expect("4 bytes"));
    let len = u32::from_le_bytes(header[4..].try_into().expect("4 bytes")) as usize;
    let mut bytes = vec![0u8; len].into_boxed_slice();
    reader.read_exact(&mut bytes)?;
    Ok(Some(Entry { bytes, key_len }))
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    use super::*;
    use crate::evaluate::{Format, sort, write_sorted};
    use crate::rules::{Role, Severity};

    /// Lines made to collide: few due times (one before 1970, to check the sign), ids that are prefixes of
    /// one another ("S1", "S10"), several roles of one stage. No two share the whole key, as no two lines of an
    /// evaluation do (a stage names each role once).
    fn lines(n: usize) -> Vec<Line> {
        let mut seen = std::collections::HashSet::new();
        let lines = all_lines(n * 3);
        let unique: Vec<Line> = lines
            .into_iter()
            .filter(|l| {
                seen.insert((
                    l.due_at,
                    l.rule.clone(),
                    l.subject_id.clone(),
                    l.stage.clone(),
                    l.role_order,
                    l.case_id.clone(),
                ))
            })
            .take(n)
            .collect();
        assert_eq!(unique.len(), n);
        unique
    }

    fn all_lines(n: usize) -> Vec<Line> {
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let pick =
            |rng: &mut ChaCha8Rng, from: &[&str]| from[rng.random_range(0..from.len())].to_owned();
        (0..n)
            .map(|_| {
                let due = [-86_400, 0, 1_795_000_000, 1_795_000_001, 1_795_086_400];
                let due_at = Utc
                    .timestamp_opt(due[rng.random_range(0..due.len())], 0)
                    .unwrap();
                let case_id = pick(&mut rng, &["C1", "C10", "C2", "C"]);
                Line {
                    rule: pick(&mut rng, &["cp-visit", "cp-visits", "cla-review", "c"]),
                    stage: pick(&mut rng, &["reminder", "overdue", "escalation"]),
                    subject_id: pick(&mut rng, &["S1", "S10", "S", "S2"]),
                    child_ref: format!("LL-{case_id}"),
                    case_id,
                    due_at,
                    from: due_at,
                    role: [Role::Worker, Role::Supervisor, Role::TeamManager]
                        [rng.random_range(0..3)],
                    staff_id: Some(pick(&mut rng, &["W1", "P1"])),
                    address: "someone@example.org".into(),
                    severity: Severity::Reminder,
                    backlog: false,
                    role_order: rng.random_range(0..3),
                    child_label: String::new(),
                    facts: Vec::new(),
                    worker_id: None,
                    meant_for: None,
                }
            })
            .collect()
    }

    fn printed(sorted: &mut SortedLines, format: Format) -> String {
        let mut out = Vec::new();
        write_sorted(sorted, format, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn runs_on_disk_merge_into_the_spec_order() {
        let lines = lines(2000);
        let mut expected = lines.clone();
        sort(&mut expected);
        let expected: String = expected
            .iter()
            .map(|l| serde_json::to_string(l).unwrap() + "\n")
            .collect();

        let mut in_memory = SortedLines::default();
        // A budget of a few lines: dozens of runs, and a remainder left in memory.
        let mut spilled = SortedLines::with_budget(8 << 10);
        for line in &lines {
            in_memory.push(line).unwrap();
            spilled.push(line).unwrap();
        }
        assert_eq!(in_memory.runs(), 0);
        assert!(spilled.runs() > 20, "{} runs", spilled.runs());
        assert_eq!(spilled.len(), 2000);
        assert_eq!(printed(&mut in_memory, Format::Json), expected);
        assert_eq!(printed(&mut spilled, Format::Json), expected);
        // Again: the runs are read from their start, and the table reads them twice more.
        assert_eq!(printed(&mut spilled, Format::Json), expected);
        assert_eq!(
            printed(&mut spilled, Format::Table),
            printed(&mut in_memory, Format::Table)
        );
    }

    #[test]
    fn no_lines_print_nothing_or_an_empty_table() {
        let mut none = SortedLines::with_budget(1);
        assert_eq!(printed(&mut none, Format::Json), "");
        let table = printed(&mut none, Format::Table);
        assert!(table.starts_with("DUE (UK TIME)"), "{table}");
        assert!(table.ends_with("0 line(s)\n"), "{table}");
    }
}
