-- The three optional tables of SPEC section 8.1, PostgreSQL flavour: events that start a clock, planned and held
-- meetings, and the records that show something was done. casewatch reads them only when an enabled rule pack
-- needs them. Ids are COLLATE "C", as in 0001, so the case_id indexes serve ORDER BY case_id COLLATE "C".

CREATE TABLE case_events (
    event_id    TEXT COLLATE "C" PRIMARY KEY,
    case_id     TEXT COLLATE "C" NOT NULL REFERENCES cases (case_id),
    kind        TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    staff_id    TEXT COLLATE "C" REFERENCES staff (staff_id),
    detail      TEXT
);

CREATE TABLE meetings (
    meeting_id   TEXT COLLATE "C" PRIMARY KEY,
    case_id      TEXT COLLATE "C" NOT NULL REFERENCES cases (case_id),
    kind         TEXT NOT NULL,
    scheduled_at TIMESTAMPTZ,
    held_at      TIMESTAMPTZ,
    cancelled    BOOLEAN NOT NULL,
    chair_id     TEXT COLLATE "C" REFERENCES staff (staff_id)
);

CREATE TABLE records (
    record_id     TEXT COLLATE "C" PRIMARY KEY,
    case_id       TEXT COLLATE "C" NOT NULL REFERENCES cases (case_id),
    kind          TEXT NOT NULL,
    about_at      TIMESTAMPTZ,
    completed_at  TIMESTAMPTZ,
    authorised_at TIMESTAMPTZ,
    staff_id      TEXT COLLATE "C" REFERENCES staff (staff_id),
    meeting_id    TEXT COLLATE "C" REFERENCES meetings (meeting_id),
    event_id      TEXT COLLATE "C" REFERENCES case_events (event_id)
);

-- Each table is read ORDER BY case_id COLLATE "C", so each needs an index that starts with case_id.
CREATE INDEX case_events_case_occurred_at ON case_events (case_id, occurred_at);
CREATE INDEX meetings_case ON meetings (case_id);
CREATE INDEX records_case ON records (case_id);
