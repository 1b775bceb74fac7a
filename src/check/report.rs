//! How `check-config` says what it found: a line per check as it completes (so a relay or database that does not
//! answer is seen being waited for), a summary line, and the exit status.

use std::io::{self, Write};
use std::path::Path;

/// How a line says how its check went: symbols for a terminal, words for logs and pipes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Marks {
    Symbols,
    Words,
}

impl Marks {
    fn of(self, status: Status) -> &'static str {
        match (self, status) {
            (Marks::Symbols, Status::Ok) => "✓",
            (Marks::Symbols, Status::Warning) => "!",
            (Marks::Symbols, Status::Failed(_)) => "✗",
            (Marks::Symbols, Status::Info) => "·",
            (Marks::Words, Status::Ok) => "ok  ",
            (Marks::Words, Status::Warning) => "warn",
            (Marks::Words, Status::Failed(_)) => "FAIL",
            (Marks::Words, Status::Info) => "    ",
        }
    }
}

/// Whose fault a failed check is, which decides the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    /// The configuration, a rule file, a template or a secret: exit status 2.
    Configuration,
    /// A database or the mail relay: exit status 1.
    Connectivity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Status {
    Ok,
    Warning,
    Failed(Fault),
    Info,
}

/// The counts behind the summary line and the exit status.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub passed: usize,
    pub warnings: usize,
    pub configuration_failures: usize,
    pub connectivity_failures: usize,
}

impl Summary {
    /// 0 when nothing failed, 2 when the configuration is at fault, else 1.
    pub fn exit_code(&self) -> u8 {
        if self.configuration_failures > 0 {
            2
        } else if self.connectivity_failures > 0 {
            1
        } else {
            0
        }
    }

    fn failures(&self) -> usize {
        self.configuration_failures + self.connectivity_failures
    }
}

/// Writes a line per check as it completes (a relay or database that does not answer is seen waiting).
pub(super) struct Report<'a> {
    out: &'a mut dyn Write,
    marks: Marks,
    summary: Summary,
}

impl<'a> Report<'a> {
    pub(super) fn new(out: &'a mut dyn Write, marks: Marks) -> Self {
        Report {
            out,
            marks,
            summary: Summary::default(),
        }
    }

    pub(super) fn line(&mut self, status: Status, what: &str, detail: &str) -> io::Result<()> {
        match status {
            Status::Ok => self.summary.passed += 1,
            Status::Warning => self.summary.warnings += 1,
            Status::Failed(Fault::Configuration) => self.summary.configuration_failures += 1,
            Status::Failed(Fault::Connectivity) => self.summary.connectivity_failures += 1,
            Status::Info => {}
        }
        let mark = self.marks.of(status);
        let mut lines = detail.lines();
        let first = lines.next().unwrap_or_default();
        writeln!(self.out, "{mark} {what}: {first}")?;
        // Further lines (several configuration errors at once) under the first line's text.
        let indent = " ".repeat(mark.chars().count() + 3);
        for more in lines {
            writeln!(self.out, "{indent}{more}")?;
        }
        Ok(())
    }

    pub(super) fn ok(&mut self, what: &str, detail: &str) -> io::Result<()> {
        self.line(Status::Ok, what, detail)
    }

    pub(super) fn info(&mut self, what: &str, detail: &str) -> io::Result<()> {
        self.line(Status::Info, what, detail)
    }

    pub(super) fn warn(&mut self, what: &str, detail: &str) -> io::Result<()> {
        self.line(Status::Warning, what, detail)
    }

    pub(super) fn fail(&mut self, fault: Fault, what: &str, detail: &str) -> io::Result<()> {
        self.line(Status::Failed(fault), what, detail)
    }

    /// The summary line: how many checks passed, failed and warned.
    pub(super) fn finish(self, path: &Path, loaded: bool, offline: bool) -> io::Result<Summary> {
        let s = self.summary;
        let path = path.display();
        let warnings = match s.warnings {
            0 => String::new(),
            1 => ", 1 warning".to_owned(),
            n => format!(", {n} warnings"),
        };
        let offline = if offline {
            "; offline: the mail relay and the databases were not checked"
        } else {
            ""
        };
        let checks = s.passed + s.failures();
        let (status, summary) = if !loaded {
            let fault = Status::Failed(Fault::Configuration);
            (
                fault,
                format!("{path}: the configuration does not load, so nothing else was checked"),
            )
        } else if s.configuration_failures + s.connectivity_failures > 0 {
            let fault = if s.configuration_failures > 0 {
                Fault::Configuration
            } else {
                Fault::Connectivity
            };
            let failed = s.failures();
            let summary = format!("{path}: {failed} of {checks} checks failed{warnings}{offline}");
            (Status::Failed(fault), summary)
        } else {
            (
                Status::Ok,
                format!("{path}: all {checks} checks passed{warnings}{offline}"),
            )
        };
        writeln!(self.out, "{} {summary}", self.marks.of(status))?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_fault_outranks_a_database_fault_in_the_exit_status() {
        let mut out = Vec::new();
        let mut report = Report::new(&mut out, Marks::Symbols);
        report.ok("configuration", "6 rules").unwrap();
        report
            .fail(Fault::Connectivity, "case database", "cannot connect")
            .unwrap();
        let two =
            "configuration key `email.from`: missing\nconfiguration key `email.host`: missing";
        report.fail(Fault::Configuration, "channels", two).unwrap();
        report.warn("case schema", "visits: unindexed").unwrap();
        report.line(Status::Info, "evaluation", "next …").unwrap();

        let summary = report
            .finish(Path::new("casewatch.toml"), true, false)
            .unwrap();

        assert_eq!(summary.exit_code(), 2);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "✓ configuration: 6 rules\n\
             ✗ case database: cannot connect\n\
             ✗ channels: configuration key `email.from`: missing\n\
             \x20   configuration key `email.host`: missing\n\
             ! case schema: visits: unindexed\n\
             · evaluation: next …\n\
             ✗ casewatch.toml: 2 of 3 checks failed, 1 warning\n"
        );
    }

    #[test]
    fn only_database_faults_exit_1_and_warnings_alone_exit_0() {
        let mut out = Vec::new();
        let mut report = Report::new(&mut out, Marks::Words);
        report
            .fail(Fault::Connectivity, "SMTP relay", "535")
            .unwrap();
        assert_eq!(report.summary.exit_code(), 1);

        let mut report = Report::new(&mut out, Marks::Words);
        report.warn("templates", "none found").unwrap();
        let summary = report.finish(Path::new("c.toml"), true, true).unwrap();
        assert_eq!(summary.exit_code(), 0);
        let text = String::from_utf8(out).unwrap();
        assert!(text.ends_with(
            "ok   c.toml: all 0 checks passed, 1 warning; offline: the mail relay and the databases were not checked\n"
        ), "{text}");
    }
}
