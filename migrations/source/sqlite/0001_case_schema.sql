-- The canonical case schema (SPEC section 2), SQLite flavour.
--
-- casewatch only reads these tables; this migration exists for the embedded demo, the data generator and tests.
-- A local authority can instead map its own warehouse onto views with these names and columns.
--
-- SQLite has no date types: DATE columns hold 'YYYY-MM-DD' text, TIMESTAMP columns hold ISO-8601 text with an
-- offset or 'Z' (e.g. '2026-03-02T10:00:00Z'), booleans are the integers 0 and 1. casewatch parses every value
-- itself and skips (and counts) a row it cannot read, so a bad value here never stops evaluation.

CREATE TABLE staff (
    staff_id     TEXT    NOT NULL PRIMARY KEY,
    display_name TEXT    NOT NULL,
    email        TEXT,
    role         TEXT    NOT NULL,
    team         TEXT,
    manager_id   TEXT    REFERENCES staff (staff_id),
    cover_id     TEXT    REFERENCES staff (staff_id),
    absent_from  TEXT,
    absent_until TEXT,
    active       INTEGER NOT NULL
);

CREATE TABLE children (
    child_id      TEXT NOT NULL PRIMARY KEY,
    display_ref   TEXT NOT NULL,
    given_name    TEXT,
    family_name   TEXT,
    date_of_birth TEXT
);

CREATE TABLE cases (
    case_id              TEXT NOT NULL PRIMARY KEY,
    child_id             TEXT NOT NULL REFERENCES children (child_id),
    case_type            TEXT NOT NULL,
    allocated_worker_id  TEXT REFERENCES staff (staff_id),
    opened_on            TEXT NOT NULL,
    closed_on            TEXT,
    care_leaver_category TEXT
);

CREATE TABLE visits (
    visit_id           TEXT    NOT NULL PRIMARY KEY,
    case_id            TEXT    NOT NULL REFERENCES cases (case_id),
    visit_type         TEXT    NOT NULL,
    visit_at           TEXT    NOT NULL,
    child_seen         INTEGER NOT NULL,
    worker_id          TEXT    REFERENCES staff (staff_id),
    note_created_at    TEXT,
    note_finalised_at  TEXT,
    manager_comment_at TEXT,
    ssda903_recorded   INTEGER NOT NULL
);

CREATE TABLE assessments (
    assessment_id         TEXT    NOT NULL PRIMARY KEY,
    case_id               TEXT    NOT NULL REFERENCES cases (case_id),
    started_on            TEXT    NOT NULL,
    referral_on           TEXT,
    priority_working_days INTEGER NOT NULL,
    priority_set_at       TEXT,
    completed_on          TEXT,
    worker_id             TEXT    REFERENCES staff (staff_id)
);

CREATE TABLE management_decisions (
    decision_id TEXT NOT NULL PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (case_id),
    decided_at  TEXT NOT NULL,
    manager_id  TEXT REFERENCES staff (staff_id),
    kind        TEXT NOT NULL
);

-- Indexes evaluation relies on: casewatch streams every table ordered by case_id (byte order, SQLite's default
-- BINARY collation) and merges them in memory case by case, so each table needs an index that starts with
-- case_id; the primary key already serves cases. Copy these when you map your own tables or build a reporting copy.
CREATE INDEX visits_case_visit_at ON visits (case_id, visit_at);
CREATE INDEX assessments_case ON assessments (case_id);
CREATE INDEX management_decisions_case_decided_at ON management_decisions (case_id, decided_at);
-- Looking cases up by child (a child with several cases over time).
CREATE INDEX cases_child ON cases (child_id);
