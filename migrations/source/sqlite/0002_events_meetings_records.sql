-- The three optional tables of SPEC section 8.1, SQLite flavour: events that start a clock, planned and held
-- meetings, and the records that show something was done. casewatch reads them only when an enabled rule pack
-- needs them; values follow the same conventions as 0001 (ISO-8601 text with an offset or 'Z', booleans 0/1).

CREATE TABLE case_events (
    event_id    TEXT NOT NULL PRIMARY KEY,
    case_id     TEXT NOT NULL REFERENCES cases (case_id),
    kind        TEXT NOT NULL,
    occurred_at TEXT NOT NULL,
    staff_id    TEXT REFERENCES staff (staff_id),
    detail      TEXT
);

CREATE TABLE meetings (
    meeting_id   TEXT    NOT NULL PRIMARY KEY,
    case_id      TEXT    NOT NULL REFERENCES cases (case_id),
    kind         TEXT    NOT NULL,
    scheduled_at TEXT,
    held_at      TEXT,
    cancelled    INTEGER NOT NULL,
    chair_id     TEXT    REFERENCES staff (staff_id)
);

CREATE TABLE records (
    record_id     TEXT NOT NULL PRIMARY KEY,
    case_id       TEXT NOT NULL REFERENCES cases (case_id),
    kind          TEXT NOT NULL,
    about_at      TEXT,
    completed_at  TEXT,
    authorised_at TEXT,
    staff_id      TEXT REFERENCES staff (staff_id),
    meeting_id    TEXT REFERENCES meetings (meeting_id),
    event_id      TEXT REFERENCES case_events (event_id)
);

-- As for the six: each table is streamed ordered by case_id, so each needs an index that starts with it.
CREATE INDEX case_events_case_occurred_at ON case_events (case_id, occurred_at);
CREATE INDEX meetings_case ON meetings (case_id);
CREATE INDEX records_case ON records (case_id);
