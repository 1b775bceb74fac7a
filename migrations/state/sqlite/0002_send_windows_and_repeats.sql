-- Digests only at their send windows, and repeats counted from the last notice (issue 14).

-- A send window, once the first evaluation at or after it has run (while it was still open): the digest for the
-- window holds the notices enqueued up to `opened_at`; later ones wait for the next window.
CREATE TABLE digest_windows (
    window_at TEXT NOT NULL PRIMARY KEY,
    opened_at TEXT NOT NULL
);

-- The notice key without its occurrence: one recipient's notices of one stage episode, whose repeats follow one
-- another. Keys are `rule|subject|stage|from|occurrence|channel|who`.
ALTER TABLE notices ADD COLUMN repeat_key TEXT NOT NULL DEFAULT '';
UPDATE notices SET repeat_key = replace(notice_key, '|' || occurrence || '|' || channel || '|', '|' || channel || '|');
CREATE INDEX notices_repeat ON notices (repeat_key);
