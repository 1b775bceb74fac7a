-- What the service's pass last made of each case (src/app/steady.rs): a fingerprint of its evaluated lines and of
-- what else decides its notices, and the earliest time a repeat could fall due. A pass that finds a case's
-- fingerprint unchanged before that time has no episode to open or end and no notice to enqueue for it, and
-- passes over it. `fingerprint` NULL: not known yet, the case is compared in full.
-- Every case with an open stage episode has a row, so that a range of rows names the cases that are read no more.
-- Case ids compare in byte order (`COLLATE "C"`), the order the source hands cases over in.
CREATE TABLE case_marks (
    case_id     TEXT COLLATE "C" PRIMARY KEY,
    fingerprint BIGINT NULL,
    recheck_at  TIMESTAMPTZ NULL
);
INSERT INTO case_marks (case_id) SELECT DISTINCT case_id FROM stage_log WHERE ended_at IS NULL;
