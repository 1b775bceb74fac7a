//! Text bound for a spreadsheet (the managers' summary CSV, a message's `items.csv`): a cell a spreadsheet would
//! run as a formula is made text.

use std::borrow::Cow;

/// A leading `=`, `+`, `-` or `@` made text with a `'`, so a spreadsheet shows the cell rather than running it
/// (OWASP "CSV injection"). Quoting for the file format is the writer's job.
pub fn defuse(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@']) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests {
    use super::defuse;

    #[test]
    fn formulas_become_text_and_the_rest_is_left_alone() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("+44 1708"), "'+44 1708");
        assert_eq!(defuse("-1"), "'-1");
        assert_eq!(defuse("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(defuse("LL-100042"), "LL-100042");
        assert_eq!(defuse(""), "");
    }
}
