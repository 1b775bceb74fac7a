-- The managers' daily summary (issue 11): whose caseload each stage episode was on when casewatch first saw it
-- (the subject's worker, else the case's allocated worker), so the trend and timeliness of a manager's part of the
-- service come from casewatch's own history. NULL for episodes recorded before this migration.
ALTER TABLE stage_log ADD COLUMN worker_id TEXT NULL;
CREATE INDEX stage_log_ended ON stage_log (ended_at);
