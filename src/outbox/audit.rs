//! `casewatch audit --case ID`: the life of each obligation of a case, for a manager or an inspector — when each
//! stage started and ended, who was told, when, how, and what came back.

use std::io::{self, Write};

use chrono::{DateTime, Utc};

use crate::calendar::LONDON;
use crate::store::CaseAudit;

fn local(t: DateTime<Utc>) -> String {
    t.with_timezone(&LONDON)
        .format("%a %-d %b %Y %H:%M")
        .to_string()
}

pub fn write(case_id: &str, audit: &CaseAudit, out: &mut impl Write) -> io::Result<()> {
    writeln!(out, "Case {case_id}")?;
    if audit.episodes.is_empty() {
        writeln!(
            out,
            "  no stage of any rule has been recorded for this case"
        )?;
    }
    for e in &audit.episodes {
        writeln!(
            out,
            "\n{} / {} (subject {}), {}",
            e.rule, e.stage, e.subject_id, e.severity
        )?;
        writeln!(
            out,
            "  live from {}, due {}; first seen {}",
            local(e.from),
            local(e.due_at),
            local(e.first_seen_at)
        )?;
        match (&e.ended_at, &e.end_reason) {
            (Some(at), reason) => writeln!(
                out,
                "  ended {} ({})",
                local(*at),
                reason.as_deref().unwrap_or("no reason recorded")
            )?,
            (None, _) => writeln!(out, "  still active")?,
        }
        let same = |n: &&crate::store::NoticeRecord| {
            n.rule == e.rule
                && n.subject_id == e.subject_id
                && n.stage == e.stage
                && n.from == e.from
        };
        for n in audit.notices.iter().filter(same) {
            let repeat = if n.occurrence > 0 {
                format!(" (repeat {})", n.occurrence)
            } else {
                String::new()
            };
            let who = n
                .staff_id
                .as_deref()
                .map_or(String::new(), |id| format!("{id} "));
            writeln!(
                out,
                "  notice for {} {who}<{}> by {}{repeat}: enqueued {}",
                n.roles,
                n.address,
                n.channel,
                local(n.enqueued_at)
            )?;
            if let Some(at) = n.cancelled_at {
                writeln!(
                    out,
                    "    not sent: cancelled {} ({})",
                    local(at),
                    n.cancel_reason.as_deref().unwrap_or("stage ended")
                )?;
            }
            if let Some(id) = n.message_id {
                let listed = match n.listed {
                    Some(true) => ": listed",
                    Some(false) => {
                        ": counted in \"and N more\", not listed (it is in the message's items.csv)"
                    }
                    None => "",
                };
                writeln!(
                    out,
                    "    in message #{id} ({}, now {}){listed}",
                    n.message_kind.as_deref().unwrap_or("?"),
                    n.message_status.as_deref().unwrap_or("?")
                )?;
                for a in audit.attempts.iter().filter(|a| a.message_id == id) {
                    writeln!(
                        out,
                        "      {} {} via {} to {} [{}]: {}",
                        local(a.at),
                        a.outcome,
                        a.channel,
                        a.address,
                        a.replica,
                        a.detail
                    )?;
                }
            }
        }
    }
    out.flush()
}
