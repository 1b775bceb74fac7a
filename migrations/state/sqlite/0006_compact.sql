-- Issue 21: a state database that stays proportionate.

-- A message's text and HTML bodies and its items, as one deflated JSON array `[text, html, items_json]`: exactly what
-- was sent, so that a retry sends the same bytes and the audit can show them, at about a tenth of the size (the
-- HTML repeats its template's markup for every item). Messages stored before this migration keep `body_text`,
-- `body_html` and `items_json`; new ones leave those empty. NULL once pruned (`state.retain_days`).
ALTER TABLE messages ADD COLUMN body BLOB NULL;

-- When the message's body was pruned (`state.retain_days`): who was told what, when and how is kept, the words are
-- not. NULL while the body is kept.
ALTER TABLE messages ADD COLUMN pruned_at TEXT NULL;
