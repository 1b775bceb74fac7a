//! A rule's `guidance` as a worker reads it in a notice: the source and the seed's words. Pack guidance goes on to
//! say how the rule reads the seed ("The seed gives no number: 3 working days is a local choice. The duty team is
//! told (notify.teams.duty).") — notes for whoever checks the rule, which `rules show` and docs/rules.md keep, and
//! which are no instruction to a worker.

/// The guidance up to the end of its first sentence, outside quotation marks: "Havering recording timescales, PEP:
/// the plan is completed \"within 10 working days of becoming looked after\"." A guidance of one sentence is
/// unchanged.
pub fn for_people(guidance: &str) -> &str {
    // A full stop that ends a sentence: a space, then a capital (not "e.g. the" or "s. 47").
    let ends = |rest: &str| {
        let mut after = rest.chars();
        after.next() == Some(' ') && after.next().is_some_and(char::is_uppercase)
    };
    let mut quoted = false;
    let mut previous = ' ';
    for (i, c) in guidance.char_indices() {
        let end = i + c.len_utf8();
        match c {
            '"' | '“' | '”' => {
                quoted = !quoted;
                // The seed's own sentence ends the guidance's: `… review." The seed …`.
                if !quoted && previous == '.' && ends(&guidance[end..]) {
                    return &guidance[..end];
                }
            }
            '.' if !quoted && ends(&guidance[end..]) => return &guidance[..end],
            _ => {}
        }
        previous = c;
    }
    guidance
}

#[cfg(test)]
mod tests {
    use super::for_people;

    #[test]
    fn the_reading_notes_after_the_source_and_its_words_are_left_out() {
        let iow = "Isle of Wight guidance, Contact/Referral and Duty: the completed contact is actioned to the duty \
                   manager \"as soon as it is completed\". The seed gives no number: by the end of the working day \
                   is a local choice. The duty team is told (notify.teams.duty).";
        assert_eq!(
            for_people(iow),
            "Isle of Wight guidance, Contact/Referral and Duty: the completed contact is actioned to the duty \
             manager \"as soon as it is completed\"."
        );
        // A full stop inside the seed's words does not end the guidance.
        let quoted = "Havering: \"Within 5 days. Then review.\" The seed gives no interval.";
        assert_eq!(
            for_people(quoted),
            "Havering: \"Within 5 days. Then review.\""
        );
        // One sentence, or none ended: unchanged.
        let lcs = "LCS recording guide: priority of 10, 30 or 45 working days from the start date";
        assert_eq!(for_people(lcs), lcs);
    }
}
