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

-- Which ssd_cla_health check types are health assessments (an initial or review health assessment, seed 002's IHA
-- and RHA), compared without regard to case or surrounding spaces. Dental and optician checks, immunisations and
-- the like are not: they never count as a health assessment. The defaults are the names builds are known to write
-- ('HEALTH' and 'Health Assessment' in LCS builds) and the seed's own names; list yours with
-- SELECT clah_health_check_type, count(*) FROM ssd_cla_health GROUP BY 1.
CREATE TABLE IF NOT EXISTS casewatch_ssd.health_assessment_types (
    check_type TEXT PRIMARY KEY
);

-- The login roles casewatch reads the views as. 90-grants.sql grants each of them USAGE on the schema and SELECT on
-- the nine views every time it runs, so that a view made again can never leave casewatch without its grant.
CREATE TABLE IF NOT EXISTS casewatch_ssd.reader_roles (
    role_name TEXT PRIMARY KEY
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

INSERT INTO casewatch_ssd.health_assessment_types (check_type)
SELECT check_type
FROM (VALUES ('HEALTH'), ('Health Assessment'), ('Initial Health Assessment'),
             ('Review Health Assessment')) AS defaults (check_type)
WHERE NOT EXISTS (SELECT 1 FROM casewatch_ssd.health_assessment_types);

INSERT INTO casewatch_ssd.reader_roles (role_name)
SELECT 'casewatch_reader'
WHERE NOT EXISTS (SELECT 1 FROM casewatch_ssd.reader_roles);

INSERT INTO casewatch_ssd.options DEFAULT VALUES ON CONFLICT DO NOTHING;
