//! One row of the staff directory file: where each column is, and what each cell may hold.

use std::path::Path;

use chrono::NaiveDate;

use super::{BadRow, DirectoryError, columns};
use crate::model::is_email_address;
use crate::model::{Staff, StaffId};

/// One usable row. `None` is an empty cell: the case database's value stands (or none, for someone only in the
/// file). `display_name` and `role` are always given, so someone only in the file is a whole `staff` row.
#[derive(Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: u64,
    pub id: StaffId,
    pub display_name: String,
    pub role: String,
    pub email: Option<String>,
    pub team: Option<String>,
    pub manager_id: Option<StaffId>,
    pub cover_id: Option<StaffId>,
    pub absent_from: Option<NaiveDate>,
    pub absent_until: Option<NaiveDate>,
    pub active: Option<bool>,
}

impl Entry {
    /// Overrides `person`'s columns with the ones this row gives.
    pub(super) fn apply(&self, person: &mut Staff) {
        fn set<T: Clone>(target: &mut Option<T>, value: &Option<T>) {
            if value.is_some() {
                target.clone_from(value);
            }
        }
        person.display_name.clone_from(&self.display_name);
        person.role.clone_from(&self.role);
        set(&mut person.email, &self.email);
        set(&mut person.team, &self.team);
        set(&mut person.manager_id, &self.manager_id);
        set(&mut person.cover_id, &self.cover_id);
        // An absence is one fact: the file's dates replace the database's together.
        if self.absent_from.is_some() || self.absent_until.is_some() {
            person.absent_from = self.absent_from;
            person.absent_until = self.absent_until;
        }
        if let Some(active) = self.active {
            person.active = active;
        }
    }

    /// Someone only in the file; an empty `active` means active.
    pub(super) fn to_staff(&self) -> Staff {
        Staff {
            id: self.id.clone(),
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            role: self.role.clone(),
            team: self.team.clone(),
            manager_id: self.manager_id.clone(),
            cover_id: self.cover_id.clone(),
            absent_from: self.absent_from,
            absent_until: self.absent_until,
            active: self.active.unwrap_or(true),
        }
    }
}

/// Where each of [`columns`] is in the file's header.
pub(super) struct Layout {
    index: Vec<usize>,
    pub(super) ignored: Vec<String>,
}

impl Layout {
    pub(super) fn of(header: &csv::StringRecord, path: &Path) -> Result<Layout, DirectoryError> {
        // Spreadsheets save UTF-8 with a byte-order mark, which would otherwise stick to the first column's name.
        let names: Vec<String> = header
            .iter()
            .map(|name| {
                name.trim_start_matches('\u{feff}')
                    .trim()
                    .to_ascii_lowercase()
            })
            .collect();
        let mut index = vec![0; columns().len()];
        let mut missing = Vec::new();
        for (slot, &column) in index.iter_mut().zip(columns()) {
            let mut at = names.iter().enumerate().filter(|(_, n)| *n == column);
            match (at.next(), at.next()) {
                (Some((i, _)), None) => *slot = i,
                (Some(_), Some(_)) => {
                    return Err(DirectoryError::RepeatedColumn {
                        path: path.to_owned(),
                        column: column.to_owned(),
                    });
                }
                (None, _) => missing.push(column),
            }
        }
        if !missing.is_empty() {
            return Err(DirectoryError::MissingColumns {
                path: path.to_owned(),
                missing: missing.join(", "),
            });
        }
        let ignored = names
            .into_iter()
            .filter(|n| !columns().contains(&n.as_str()))
            .collect();
        Ok(Layout { index, ignored })
    }

    pub(super) fn entry(
        &self,
        record: &csv::ByteRecord,
        fields: usize,
        line: u64,
    ) -> Result<Entry, BadRow> {
        if record.len() != fields {
            return Err(BadRow {
                line,
                column: None,
                problem: format!("{} fields, where the header has {fields}", record.len()),
            });
        }
        let cells = Cells {
            record,
            layout: self,
            line,
        };
        let id = cells.required("staff_id")?;
        let absent_from = cells.date("absent_from")?;
        let absent_until = cells.date("absent_until")?;
        if let (Some(from), Some(until)) = (absent_from, absent_until)
            && until < from
        {
            return Err(cells.bad("absent_until", "before absent_from"));
        }
        let email = cells.optional("email")?;
        if let Some(email) = &email
            && !is_email_address(email)
        {
            return Err(cells.bad("email", "not an email address"));
        }
        Ok(Entry {
            line,
            id: StaffId(id),
            display_name: cells.required("display_name")?,
            role: cells.required("role")?,
            email,
            team: cells.optional("team")?,
            manager_id: cells.optional("manager_id")?.map(StaffId),
            cover_id: cells.optional("cover_id")?.map(StaffId),
            absent_from,
            absent_until,
            active: cells.active()?,
        })
    }
}

/// The cells of one record, by column name.
struct Cells<'a> {
    record: &'a csv::ByteRecord,
    layout: &'a Layout,
    line: u64,
}

impl Cells<'_> {
    fn bad(&self, column: &'static str, problem: &str) -> BadRow {
        BadRow {
            line: self.line,
            column: Some(column),
            problem: problem.to_owned(),
        }
    }

    fn optional(&self, column: &'static str) -> Result<Option<String>, BadRow> {
        let at = columns()
            .iter()
            .position(|c| *c == column)
            .expect("a known column");
        let bytes = &self.record[self.layout.index[at]];
        let text = std::str::from_utf8(bytes)
            .map_err(|_| self.bad(column, "not UTF-8 text (save the file as CSV UTF-8)"))?;
        Ok(Some(text.trim())
            .filter(|t| !t.is_empty())
            .map(str::to_owned))
    }

    fn required(&self, column: &'static str) -> Result<String, BadRow> {
        self.optional(column)?
            .ok_or_else(|| self.bad(column, "empty, and every row needs it"))
    }

    /// `YYYY-MM-DD`, or `DD/MM/YYYY` as UK spreadsheets write dates.
    fn date(&self, column: &'static str) -> Result<Option<NaiveDate>, BadRow> {
        let Some(text) = self.optional(column)? else {
            return Ok(None);
        };
        ["%Y-%m-%d", "%d/%m/%Y"]
            .iter()
            .find_map(|format| NaiveDate::parse_from_str(&text, format).ok())
            .map(Some)
            .ok_or_else(|| self.bad(column, "not a date (YYYY-MM-DD or DD/MM/YYYY)"))
    }

    fn active(&self) -> Result<Option<bool>, BadRow> {
        let Some(text) = self.optional("active")? else {
            return Ok(None);
        };
        match text.to_ascii_lowercase().as_str() {
            "true" | "yes" | "y" | "1" => Ok(Some(true)),
            "false" | "no" | "n" | "0" => Ok(Some(false)),
            _ => Err(self.bad("active", "not one of true/false, yes/no, y/n, 1/0")),
        }
    }
}
