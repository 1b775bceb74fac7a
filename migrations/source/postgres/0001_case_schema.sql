-- The canonical case schema (SPEC section 2), PostgreSQL flavour.
--
-- casewatch only reads these tables; this migration exists for the embedded demo, the data generator and tests.
-- A local authority can instead map its own warehouse onto views with these names and columns.
--
-- Ids are COLLATE "C": casewatch reads every table ORDER BY case_id COLLATE "C" (byte order, the order of a Rust
-- String) and merges them case by case; with the column itself in "C" the indexes below serve that ORDER BY.

CREATE TABLE staff (
    staff_id     TEXT COLLATE "C" PRIMARY KEY,
    display_name TEXT NOT NULL,
    email        TEXT,
    role         TEXT NOT NULL,
    team         TEXT,
    manager_id   TEXT COLLATE "C" REFERENCES staff (staff_id),
    cover_id     TEXT COLLATE "C" REFERENCES staff (staff_id),
    absent_from  DATE,
    absent_until DATE,
    active       BOOLEAN NOT NULL
);

CREATE TABLE children (
    child_id      TEXT COLLATE "C" PRIMARY KEY,
    display_ref   TEXT NOT NULL,
    given_name    TEXT,
    family_name   TEXT,
    date_of_birth DATE
);

CREATE TABLE cases (
    case_id              TEXT COLLATE "C" PRIMARY KEY,
    child_id             TEXT COLLATE "C" NOT NULL REFERENCES children (child_id),
    case_type            TEXT NOT NULL,
    allocated_worker_id  TEXT COLLATE "C" REFERENCES staff (staff_id),
    opened_on            DATE NOT NULL,
    closed_on            DATE,
    care_leaver_category TEXT
);

CREATE TABLE visits (
    visit_id           TEXT COLLATE "C" PRIMARY KEY,
    case_id            TEXT COLLATE "C" NOT NULL REFERENCES cases (case_id),
    visit_type         TEXT NOT NULL,
    visit_at           TIMESTAMPTZ NOT NULL,
    child_seen         BOOLEAN NOT NULL,
    worker_id          TEXT COLLATE "C" REFERENCES staff (staff_id),
    note_created_at    TIMESTAMPTZ,
    note_finalised_at  TIMESTAMPTZ,
    manager_comment_at TIMESTAMPTZ,
    ssda903_recorded   BOOLEAN NOT NULL
);

CREATE TABLE assessments (
    assessment_id         TEXT COLLATE "C" PRIMARY KEY,
    case_id               TEXT COLLATE "C" NOT NULL REFERENCES cases (case_id),
    started_on            DATE NOT NULL,
    referral_on           DATE,
    priority_working_days INTEGER NOT NULL,
    priority_set_at       TIMESTAMPTZ,
    completed_on          DATE,
    worker_id             TEXT COLLATE "C" REFERENCES staff (staff_id)
);

CREATE TABLE management_decisions (
    decision_id TEXT COLLATE "C" PRIMARY KEY,
    case_id     TEXT COLLATE "C" NOT NULL REFERENCES cases (case_id),
    decided_at  TIMESTAMPTZ NOT NULL,
    manager_id  TEXT COLLATE "C" REFERENCES staff (staff_id),
    kind        TEXT NOT NULL
);

-- Indexes evaluation relies on: each table is read ORDER BY case_id COLLATE "C", so each needs an index that
-- starts with case_id in the "C" collation (the primary key serves cases). When you map your own tables whose
-- case_id has another collation, index the expression instead, e.g.
--   CREATE INDEX ON my_visits ((case_id COLLATE "C"), visit_at);
CREATE INDEX visits_case_visit_at ON visits (case_id, visit_at);
CREATE INDEX assessments_case ON assessments (case_id);
CREATE INDEX management_decisions_case_decided_at ON management_decisions (case_id, decided_at);
-- Looking cases up by child (a child with several cases over time), and for the children join's foreign key.
CREATE INDEX cases_child ON cases (child_id);
