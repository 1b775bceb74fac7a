-- SPEC 6a, proportion: the go-live backlog, silences, and bounded messages.

-- Facts about the service itself: `first_pass_on`, the UK date of the first pass that enqueued anything, from
-- which the default `delivery.tell_from` is counted (20 working days before it).
CREATE TABLE service_facts (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
);

-- "In hand": the matching stages of a case (and rule, when given) are told to no one while a silence is active.
-- Kept here, not in the case database, so that replicas share them. Never deleted: they are part of the record.
CREATE TABLE silences (
    id         BIGSERIAL PRIMARY KEY,
    case_id    TEXT NOT NULL,
    rule       TEXT NULL,                 -- NULL: every rule
    reason     TEXT NOT NULL,
    created_by TEXT NOT NULL,             -- a staff id
    created_at TIMESTAMPTZ NOT NULL,
    until_on   DATE NOT NULL,             -- the last UK date it covers
    ends_at    TIMESTAMPTZ NOT NULL,      -- the start of the day after `until_on`
    ended_at   TIMESTAMPTZ NULL,          -- ended early by `casewatch silence end`
    ended_by   TEXT NULL,
    worker_id  TEXT NULL                  -- the case's allocated worker when it was added, for the summaries
);
CREATE INDEX silences_case ON silences (case_id);

-- Which notices a bounded message listed in its body (true) and which it only counted ("and N more", false).
ALTER TABLE notices ADD COLUMN listed BOOLEAN NULL;

-- How many of a message's items its body lists (the most urgent); the rest are counted. NULL: all of them.
ALTER TABLE messages ADD COLUMN listed INTEGER NULL;
