-- casewatch over the Standard Safeguarding Dataset (PostgreSQL): the schema and the settings an authority edits.
-- Run once (re-running keeps your edits: nothing here is replaced). See contrib/ssd/README.md.

CREATE SCHEMA IF NOT EXISTS casewatch_ssd;

-- Which involvement roles (ssd_involvements.invo_professional_role_id) make someone the allocated worker of which
-- kind of casewatch case. The rows below are LCS's codes; Eclipse and Mosaic builds use their own: replace them.
CREATE TABLE IF NOT EXISTS casewatch_ssd.allocation_roles (
    role_code TEXT NOT NULL,
    case_type TEXT NOT NULL CHECK (case_type IN ('REFERRAL', 'CONTACT', 'CIN', 'CP', 'CLA', 'CARE_LEAVER')),
    PRIMARY KEY (role_code, case_type)
);

-- Which SSD visit tables hold statutory visits. The SSD has no visit-type column: each build chooses the note types
-- it copies into each table. A build whose ssd_cin_visits also holds IRO or supervision notes for children on CIN
-- plans can set that table to 'other', and its CIN visits are then not read (CP and CLA visits still are).
CREATE TABLE IF NOT EXISTS casewatch_ssd.visit_sources (
    ssd_table TEXT PRIMARY KEY CHECK (ssd_table IN ('ssd_cin_visits', 'ssd_cp_visits', 'ssd_cla_visits')),
    visit_type TEXT NOT NULL CHECK (visit_type IN ('statutory', 'other'))
);

-- One row of numbers the SSD does not hold.
CREATE TABLE IF NOT EXISTS casewatch_ssd.options (
    only_row BOOLEAN PRIMARY KEY DEFAULT true CHECK (only_row),
    -- The C&F assessment timescale: the SSD records no priority (seed 002: 45 working days from referral).
    assessment_working_days INTEGER NOT NULL DEFAULT 45 CHECK (assessment_working_days > 0),
    -- The SSD does not date a contact's outcome: a contact stays an open case until the child is referred, or
    -- for this many days.
    contact_open_days INTEGER NOT NULL DEFAULT 30 CHECK (contact_open_days > 0)
);

-- The defaults, written only into empty tables so that re-running keeps an authority's own rows.
INSERT INTO casewatch_ssd.allocation_roles (role_code, case_type)
SELECT role_code, case_type
FROM (VALUES ('CW', 'REFERRAL'), ('CW', 'CONTACT'), ('CW', 'CIN'), ('CW', 'CP'), ('CW', 'CLA'),
             ('16PLUS', 'CARE_LEAVER')) AS defaults (role_code, case_type)
WHERE NOT EXISTS (SELECT 1 FROM casewatch_ssd.allocation_roles);

INSERT INTO casewatch_ssd.visit_sources (ssd_table, visit_type)
SELECT ssd_table, 'statutory'
FROM (VALUES ('ssd_cin_visits'), ('ssd_cp_visits'), ('ssd_cla_visits')) AS defaults (ssd_table)
WHERE NOT EXISTS (SELECT 1 FROM casewatch_ssd.visit_sources);

INSERT INTO casewatch_ssd.options DEFAULT VALUES ON CONFLICT DO NOTHING;
