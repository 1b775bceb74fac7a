//! One vocabulary for the kinds of event, meeting, record and decision that rules name, in the words a practice
//! lead uses ("an ICPC", "a looked-after review", "the child becoming looked after") rather than the data's names
//! (`icpc`, `cla_review`, `became_looked_after`). `rules show`, `rules list`, `explain` and notices all read it, so a
//! kind is called the same everywhere. A kind an authority adds in its own rule files, and so not listed here, is
//! shown as its name with spaces ("a sibling assessment").

use std::borrow::Cow;

/// The table a kind comes from: the same name may mean different things in two tables (`pep` the meeting, `pep`
/// the plan).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Event,
    Meeting,
    Record,
    Decision,
}

/// A kind in words: the noun phrase and its indefinite article, which agree ("an ICPC", "a CIN meeting").
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub noun: Cow<'static, str>,
    pub article: &'static str,
}

impl Label {
    /// "an ICPC".
    pub fn a(&self) -> String {
        format!("{} {}", self.article, self.noun)
    }

    /// "the ICPC".
    pub fn the(&self) -> String {
        format!("the {}", self.noun)
    }
}

/// The words for `kind` of `table`.
pub fn label(table: Table, kind: &str) -> Label {
    let noun: Cow<'static, str> = match table_of(table).iter().find(|(k, _)| *k == kind) {
        Some((_, noun)) => Cow::Borrowed(noun),
        None => Cow::Owned(kind.replace('_', " ")),
    };
    Label {
        article: article(&noun),
        noun,
    }
}

/// Whether `kind` of `table` has words of its own here (rather than its name with spaces).
pub fn is_known(table: Table, kind: &str) -> bool {
    table_of(table).iter().any(|(k, _)| *k == kind)
}

fn table_of(table: Table) -> &'static [(&'static str, &'static str)] {
    match table {
        Table::Event => EVENTS,
        Table::Meeting => MEETINGS,
        Table::Record => RECORDS,
        Table::Decision => DECISIONS,
    }
}

/// "a" or "an" by how the first word sounds: an initialism by its first letter's name ("an ICPC", "an RHA", "a
/// CIN meeting"), a word by its first letter ("an allocation", "a looked-after review").
pub fn article(noun: &str) -> &'static str {
    let word = noun.split([' ', '-', '\'']).next().unwrap_or("");
    let initialism = word.len() > 1 && word.chars().all(|c| c.is_ascii_uppercase() || c == '&');
    let first = word.chars().next().unwrap_or('x');
    let vowel_sound = if initialism {
        "AEFHILMNORSX".contains(first)
    } else {
        "aeiouAEIOU".contains(first)
    };
    if vowel_sound { "an" } else { "a" }
}

const EVENTS: &[(&str, &str)] = &[
    ("adoption_ceremony", "adoption ceremony"),
    ("allocated", "allocation"),
    ("assessment_completed", "C&F completion"),
    ("assessment_concluded", "assessment's conclusion"),
    ("assessment_started", "C&F start"),
    ("became_looked_after", "time the child became looked after"),
    ("caution_decision", "decision to caution"),
    ("change_of_circumstances", "change of circumstances"),
    ("closure_agreed", "agreement to close the case"),
    ("contact_received", "contact received"),
    ("core_assessment_started", "core assessment's start"),
    ("cp_plan_started", "child protection plan's start"),
    ("cpe_started", "child protection enquiry's start"),
    ("decision_to_issue", "decision to issue care proceedings"),
    ("escalation_raised", "escalation raised"),
    ("icpc_required", "enquiry going to an ICPC"),
    ("left_custody", "release from custody"),
    ("missing_referral", "missing referral"),
    ("new_information", "piece of new information"),
    ("offer_accepted", "placement offer accepted"),
    ("pf_notification", "private fostering notification"),
    (
        "pf_placement_started",
        "private fostering placement's start",
    ),
    ("placement_ended", "placement's end"),
    ("placement_moved", "placement move"),
    ("placement_search", "placement search"),
    ("placement_started", "placement's start"),
    ("ready_for_transfer", "case ready for transfer"),
    ("referral_order_made", "referral order made"),
    ("referral_received", "referral"),
    ("returned_from_missing", "return from missing"),
    ("significant_event", "significant event"),
    ("step_down", "step down"),
    ("step_up", "step up"),
    (
        "strategy_needed",
        "referral or incident needing a strategy discussion",
    ),
    ("transferred", "transfer"),
    ("transferred_in", "transfer into the service"),
    ("victim_form_received", "victim form received"),
];

const MEETINGS: &[(&str, &str)] = &[
    ("care_plan_review", "care plan review"),
    ("care_planning", "care planning meeting"),
    ("case_consultation", "case consultation"),
    ("case_discussion", "case discussion"),
    ("case_reflection", "case reflection"),
    ("case_supervision", "case supervision"),
    ("cin", "CIN meeting"),
    ("cla_review", "looked-after review"),
    ("core_group", "core group meeting"),
    ("group_case_supervision", "group case supervision"),
    ("icpc", "ICPC"),
    ("induction", "induction meeting"),
    ("legal_planning", "legal planning meeting"),
    ("nps_transfer", "NPS transfer meeting"),
    ("pep", "PEP meeting"),
    ("placement_planning", "placement planning meeting"),
    ("pre_proceedings", "pre-proceedings meeting"),
    ("professionals_meeting", "professionals meeting"),
    ("rcpc", "review child protection conference"),
    ("rmp", "risk management meeting"),
    ("ro_panel", "referral order panel"),
    ("ro_panel_review", "referral order review panel"),
    ("strategy", "strategy discussion"),
    ("strategy_review", "review strategy meeting"),
    ("taf", "TAF meeting"),
    ("taf_review", "TAF review"),
    ("tys_initial", "initial TYS meeting"),
    ("tys_review", "TYS review"),
];

const RECORDS: &[(&str, &str)] = &[
    ("camhs_salt_screening", "CAMHS and SALT screening"),
    ("care_plan", "care plan"),
    ("case_note", "case note"),
    ("case_reflection", "case reflection record"),
    ("case_summary", "case summary"),
    ("caution_arranged", "caution arranged"),
    ("chronology", "chronology"),
    ("cin_plan", "CIN plan"),
    ("closing_summary", "closing summary"),
    (
        "conference_decisions",
        "record of the conference's decisions",
    ),
    ("conference_record", "conference record"),
    ("consultation_record", "consultation record"),
    ("contact", "contact record"),
    ("contact_note", "contact note"),
    ("core_assessment", "core assessment"),
    ("core_group_minutes", "core group minutes"),
    ("court_order", "court order"),
    ("cpe_outcome", "child protection enquiry outcome"),
    ("eh_plan", "early help plan"),
    ("eha", "EHA"),
    ("escalation_resolved", "escalation resolution"),
    ("expert_assessment", "expert assessment"),
    ("group_supervision", "group supervision record"),
    (
        "ha_refusal_discussion",
        "health assessment refusal discussion",
    ),
    ("health_assessment", "health assessment"),
    ("host_consultation", "host borough consultation"),
    ("host_notification", "host borough notification"),
    ("iha_report", "IHA report"),
    ("iha_request", "IHA request"),
    ("initial_assessment", "initial assessment"),
    ("initial_contact", "initial contact"),
    ("initial_contact_family", "initial contact with the family"),
    (
        "initial_contact_professionals",
        "initial contact with professionals",
    ),
    ("intro_email", "introductory email"),
    ("ipa", "IPA"),
    ("ipa_issued", "IPA issued"),
    ("later_life_letter", "later life letter"),
    ("letter_of_intent", "letter of intent"),
    ("life_story_book", "life story book"),
    ("lpm_record", "legal planning meeting record"),
    ("management_decision", "management decision"),
    ("meeting_note", "meeting note"),
    ("minutes", "set of minutes"),
    ("missing_ack", "missing referral acknowledgement"),
    ("needs_assessment", "needs assessment"),
    ("offer_letter", "offer letter"),
    ("oocd_assessment", "out-of-court disposal assessment"),
    ("outcome_star", "Outcome Star"),
    ("outline_plan_sent", "outline plan sent"),
    ("pathway_plan", "pathway plan"),
    ("pep", "PEP"),
    ("pf_assessment", "private fostering assessment"),
    ("pf_notification", "private fostering notification record"),
    ("placement_notification", "placement notification"),
    ("placement_plan", "placement plan"),
    ("placements_recording", "placements recording"),
    ("post_visit_discussion", "post-visit discussion note"),
    ("pp_meeting_record", "pre-proceedings meeting record"),
    ("pre_meeting_report", "pre-meeting report"),
    ("pre_proceedings_letter", "pre-proceedings letter"),
    ("psr", "pre-sentence report"),
    ("recording", "recording"),
    ("referral_form", "referral form"),
    ("review_decisions", "record of the review's decisions"),
    ("review_record", "review record"),
    ("rhi", "return home interview"),
    ("rhi_attempt", "return home interview attempt"),
    ("rhi_offer", "return home interview offer"),
    ("ro_panel_decisions", "record of the panel's decisions"),
    ("ro_report", "referral order report"),
    ("s47_outcome", "section 47 outcome"),
    ("safeguarding_note", "safeguarding note"),
    ("strategy_record", "strategy discussion record"),
    ("supervision", "supervision record"),
    ("sw_report", "social worker's report"),
    ("swet", "social work evidence template"),
    ("taf_plan", "TAF plan"),
    ("teen_star", "Teen Star"),
    ("tys_plan", "TYS plan"),
    ("victim_contact", "victim contact"),
    ("workbook_closure", "Workbook closure"),
    ("workbook_summary", "Workbook summary"),
];

const DECISIONS: &[(&str, &str)] = &[
    ("ad_approval", "AD approval"),
    ("allocation_decision", "allocation decision"),
    ("ca_decision", "decision on a core assessment"),
    ("case_direction", "case direction"),
    ("closure_approved", "closure approval"),
    ("contact_decision", "decision on the contact"),
    (
        "cpe_required",
        "decision that a child protection enquiry is needed",
    ),
    ("failed_visit_escalation", "decision on the failed visits"),
    (
        "ia_extension",
        "decision on the overrunning initial assessment",
    ),
    (
        "ia_required",
        "decision that an initial assessment is needed",
    ),
    ("workbook_decision", "Workbook decision"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn articles_agree_with_the_sound() {
        let a = |table, kind| label(table, kind).a();
        assert_eq!(a(Table::Meeting, "icpc"), "an ICPC");
        assert_eq!(a(Table::Meeting, "cla_review"), "a looked-after review");
        assert_eq!(a(Table::Meeting, "cin"), "a CIN meeting");
        assert_eq!(a(Table::Record, "eha"), "an EHA");
        assert_eq!(a(Table::Record, "iha_request"), "an IHA request");
        assert_eq!(a(Table::Record, "pep"), "a PEP");
        assert_eq!(a(Table::Meeting, "pep"), "a PEP meeting");
        assert_eq!(a(Table::Event, "allocated"), "an allocation");
        assert_eq!(a(Table::Decision, "ad_approval"), "an AD approval");
        assert_eq!(a(Table::Record, "outcome_star"), "an Outcome Star");
        // A kind of the authority's own: its name, spaced, with an article that agrees.
        assert_eq!(
            a(Table::Record, "sibling_assessment"),
            "a sibling assessment"
        );
        assert_eq!(a(Table::Event, "exclusion"), "an exclusion");
    }

    #[test]
    fn the_kinds_the_packs_use_have_words() {
        for table in [EVENTS, MEETINGS, RECORDS, DECISIONS] {
            let mut names: Vec<&str> = table.iter().map(|(k, _)| *k).collect();
            let sorted = {
                let mut s = names.clone();
                s.sort_unstable();
                s
            };
            assert_eq!(names, sorted, "kept in order so a reader finds a kind");
            names.dedup();
            assert_eq!(names.len(), table.len(), "each kind once");
        }
    }
}
