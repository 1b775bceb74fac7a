//! Cases that no one is allocated to, a kind at a time. Every notice to such a case's worker, and through the
//! worker to their managers, goes to the fallback mailbox. Over the SSD views (contrib/ssd/README.md, "Role
//! codes") it is the sign that no `ssd_involvements` row has a role code `casewatch_ssd.allocation_roles` maps to
//! that kind: LCS's codes on an Eclipse or Mosaic build.

use std::io;

use super::report::Report;
use crate::source::CaseSource;

const WHAT: &str = "allocated workers";

/// The kinds of case that always have an allocated worker; a referral or contact may still be with no one.
const ALWAYS_ALLOCATED: [&str; 4] = ["CIN", "CP", "CLA", "CARE_LEAVER"];

/// Warns when no case at all names an allocated worker, else for each of [`ALWAYS_ALLOCATED`] whose cases none
/// do; says nothing when every kind has someone. A `cases` table that cannot be read is the case schema check's
/// to report.
pub(super) async fn unallocated_kinds(
    source: &CaseSource,
    report: &mut Report<'_>,
) -> io::Result<()> {
    let Ok(mut kinds) = source.allocation_by_case_type().await else {
        return Ok(());
    };
    kinds.retain(|(_, cases, _)| *cases > 0);
    kinds.sort();
    let fix = "set cases.allocated_worker_id; over the SSD views, your build's role codes in \
               casewatch_ssd.allocation_roles (contrib/ssd/README.md, Role codes)";
    if !kinds.is_empty() && kinds.iter().all(|(_, _, allocated)| *allocated == 0) {
        let cases: i64 = kinds.iter().map(|(_, cases, _)| cases).sum();
        let detail = format!(
            "none of the {cases} cases names one: every notice to a worker, and so to their managers, goes to \
             the fallback mailbox; {fix}"
        );
        return report.warn(WHAT, &detail);
    }
    for (kind, cases, _) in kinds
        .iter()
        .filter(|(kind, _, allocated)| *allocated == 0 && ALWAYS_ALLOCATED.contains(&kind.as_str()))
    {
        let detail = format!(
            "none of the {cases} {kind} cases names one: their notices go to the fallback mailbox; {fix}"
        );
        report.warn(WHAT, &detail)?;
    }
    Ok(())
}
