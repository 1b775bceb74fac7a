-- Two cases may hold events, meetings, records or visits with the same id (an authority's views that union two
-- source tables do): a stage episode and a notice are the case's as well as the subject's, or the first case's
-- notices stand for both and the second case is never told (issue 20).

ALTER TABLE stage_log DROP CONSTRAINT stage_log_pkey;
ALTER TABLE stage_log ADD PRIMARY KEY (rule, case_id, subject_id, stage, from_at);

-- Keys were `rule|subject|stage|from|occurrence|channel|who`; they are `rule|case|subject|…` now. Rewritten so that
-- what was told before the upgrade is still known as told.
UPDATE notices SET
    notice_key = rule || '|' || case_id || substr(notice_key, length(rule) + 1),
    repeat_key = rule || '|' || case_id || substr(repeat_key, length(rule) + 1);
