-- The service's pass compares a batch of cases at a time with their open stage episodes: the open episodes of a
-- range of case ids, in byte order (SQLite's BINARY collation), without reading the closed ones.
CREATE INDEX stage_log_open_case ON stage_log (case_id) WHERE ended_at IS NULL;
