-- casewatch's own state: the life of each stage, notices, messages, delivery attempts and operator events.
-- Timestamps are instants (timestamptz); ids of the case database are kept as text.

-- One row per episode of a stage: (rule, subject, stage, from). Opened when first seen active, closed when it
-- stops being active (done, case closed, lapsed at its due time). The evidence of when each deadline was live.
CREATE TABLE stage_log (
    rule          TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    stage         TEXT NOT NULL,
    from_at       TIMESTAMPTZ NOT NULL,
    case_id       TEXT NOT NULL,
    child_ref     TEXT NOT NULL,
    severity      TEXT NOT NULL,
    due_at        TIMESTAMPTZ NOT NULL,
    first_seen_at TIMESTAMPTZ NOT NULL,
    ended_at      TIMESTAMPTZ NULL,
    end_reason    TEXT NULL,
    PRIMARY KEY (rule, subject_id, stage, from_at)
);
CREATE INDEX stage_log_open ON stage_log (rule) WHERE ended_at IS NULL;
CREATE INDEX stage_log_case ON stage_log (case_id);

-- A message: what one recipient is sent through one channel (a digest, or one immediate notice). Rendered once,
-- so every retry sends the same thing and the audit shows exactly what was sent.
CREATE TABLE messages (
    id              BIGSERIAL PRIMARY KEY,
    message_key     TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL,            -- digest | immediate
    channel         TEXT NOT NULL,            -- email | webhook name
    address         TEXT NOT NULL,
    staff_id        TEXT NULL,
    to_name         TEXT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    items_json      TEXT NOT NULL,
    status          TEXT NOT NULL,            -- pending | sent | dead
    attempts        INTEGER NOT NULL DEFAULT 0,
    created_at      TIMESTAMPTZ NOT NULL,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    lease_owner     TEXT NULL,
    lease_until     TIMESTAMPTZ NULL,
    sent_at         TIMESTAMPTZ NULL,
    last_error      TEXT NULL
);
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'pending';
CREATE INDEX messages_dead ON messages (id) WHERE status = 'dead';

-- A notice: one stage for one recipient (a person, the fallback mailbox or a webhook), once; repeats are new
-- occurrences. notice_key makes enqueueing idempotent.
CREATE TABLE notices (
    id          BIGSERIAL PRIMARY KEY,
    notice_key  TEXT NOT NULL UNIQUE,
    rule        TEXT NOT NULL,
    subject_id  TEXT NOT NULL,
    stage       TEXT NOT NULL,
    from_at     TIMESTAMPTZ NOT NULL,
    due_at      TIMESTAMPTZ NOT NULL,
    case_id     TEXT NOT NULL,
    severity    TEXT NOT NULL,
    occurrence  INTEGER NOT NULL,
    roles       TEXT NOT NULL,
    channel     TEXT NOT NULL,
    address     TEXT NOT NULL,
    staff_id    TEXT NULL,
    to_name     TEXT NULL,
    delivery    TEXT NOT NULL,                -- digest | immediate
    item_json   TEXT NOT NULL,
    enqueued_at TIMESTAMPTZ NOT NULL,
    message_id  BIGINT NULL REFERENCES messages (id),
    cancelled_at TIMESTAMPTZ NULL,
    cancel_reason TEXT NULL
);
CREATE INDEX notices_unassigned ON notices (channel, address) WHERE message_id IS NULL AND cancelled_at IS NULL;
CREATE INDEX notices_case ON notices (case_id);
CREATE INDEX notices_message ON notices (message_id);

-- Every delivery attempt: who was told what, when, through which channel, with what result.
CREATE TABLE attempts (
    id           BIGSERIAL PRIMARY KEY,
    message_id   BIGINT NOT NULL REFERENCES messages (id),
    attempted_at TIMESTAMPTZ NOT NULL,
    channel      TEXT NOT NULL,
    address      TEXT NOT NULL,
    outcome      TEXT NOT NULL,               -- sent | transient | permanent
    detail       TEXT NOT NULL,
    duration_ms  BIGINT NOT NULL,
    replica      TEXT NOT NULL
);
CREATE INDEX attempts_message ON attempts (message_id);

-- Operator actions and other events worth keeping (re-queued dead letters, ...).
CREATE TABLE events (
    id         BIGSERIAL PRIMARY KEY,
    at         TIMESTAMPTZ NOT NULL,
    kind       TEXT NOT NULL,
    message_id BIGINT NULL REFERENCES messages (id),
    detail     TEXT NOT NULL
);
