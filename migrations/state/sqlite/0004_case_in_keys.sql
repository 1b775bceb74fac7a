-- Two cases may hold events, meetings, records or visits with the same id (an authority's views that union two
-- source tables do): a stage episode and a notice are the case's as well as the subject's, or the first case's
-- notices stand for both and the second case is never told (issue 20).

-- SQLite cannot change a primary key in place: the table is made again.
CREATE TABLE stage_log_by_case (
    rule          TEXT NOT NULL,
    subject_id    TEXT NOT NULL,
    stage         TEXT NOT NULL,
    from_at       TEXT NOT NULL,
    case_id       TEXT NOT NULL,
    child_ref     TEXT NOT NULL,
    severity      TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    first_seen_at TEXT NOT NULL,
    ended_at      TEXT NULL,
    end_reason    TEXT NULL,
    worker_id     TEXT NULL,
    PRIMARY KEY (rule, case_id, subject_id, stage, from_at)
);
INSERT INTO stage_log_by_case (rule, subject_id, stage, from_at, case_id, child_ref, severity, due_at,
                               first_seen_at, ended_at, end_reason, worker_id)
    SELECT rule, subject_id, stage, from_at, case_id, child_ref, severity, due_at,
           first_seen_at, ended_at, end_reason, worker_id
    FROM stage_log;
DROP TABLE stage_log;
ALTER TABLE stage_log_by_case RENAME TO stage_log;
CREATE INDEX stage_log_open ON stage_log (rule) WHERE ended_at IS NULL;
CREATE INDEX stage_log_case ON stage_log (case_id);
CREATE INDEX stage_log_ended ON stage_log (ended_at);

-- Keys were `rule|subject|stage|from|occurrence|channel|who`; they are `rule|case|subject|…` now. Rewritten so that
-- what was told before the upgrade is still known as told.
UPDATE notices SET
    notice_key = rule || '|' || case_id || substr(notice_key, length(rule) + 1),
    repeat_key = rule || '|' || case_id || substr(repeat_key, length(rule) + 1);
