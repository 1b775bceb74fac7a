#!/usr/bin/env bash
# Go-live figures (SPEC 6a, issue 26): 3,000 generated children with six years of history, a third of the records
# and meetings held before 7 June 2026 deleted (as after a migration), the Havering and national packs, and the
# first pass at 09:00 on Monday 7 December 2026. Prints check-config's readiness warnings, preview, and what the
# pass sent: messages, items, and the largest message.
#
#   scripts/golive.sh [DIR] [BINARY]      (defaults: target/golive and target/release/casewatch)
set -euo pipefail
dir=${1:-target/golive}
bin=${2:-target/release/casewatch}
rm -rf "$dir" && mkdir -p "$dir/outbox"
dir=$(cd "$dir" && pwd)
"$bin" demo generate --children 3000 --seed 7 --today 2026-12-07 --source "sqlite://$dir/cases.db" >/dev/null
python3 - "$dir/cases.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for table, at in (("records", "completed_at"), ("meetings", "held_at")):
    ids = [r[0] for r in db.execute(f"SELECT rowid FROM {table} WHERE {at} < '2026-06-07' ORDER BY rowid")]
    db.executemany(f"DELETE FROM {table} WHERE rowid = ?", [(i,) for i in ids[::3]])
    print(f"deleted {len(ids[::3])} of {len(ids)} {table} held before 7 June 2026")
db.commit()
PY
cat > "$dir/casewatch.toml" <<TOML
[source]
url = "sqlite://$dir/cases.db"
[state]
url = "sqlite://$dir/state.db"
[notify]
fallback_address = "ops@council.example"
[rules]
packs = ["havering", "national"]
[email]
transport = "file"
file_dir = "$dir/outbox"
from = "casewatch <casewatch@council.example>"
TOML
echo "== check-config (readiness warnings)"
"$bin" check-config "$dir/casewatch.toml" --at 2026-12-07T09:00:00Z | grep -E "^(warn|FAIL)|go-live" || true
echo "== preview"
"$bin" preview --config "$dir/casewatch.toml" --at 2026-12-07T09:00:00Z
echo "== a silence on the first overdue case that is not backlog"
read -r case_id by < <("$bin" evaluate --config "$dir/casewatch.toml" --at 2026-12-07T09:00:00Z --format json |
  python3 -c '
import json, sys
for line in sys.stdin:
    l = json.loads(line)
    if l["severity"] == "breach" and not l.get("backlog") and l.get("staff_id"):
        print(l["case_id"], l["staff_id"]); break')
"$bin" silence add --config "$dir/casewatch.toml" --case "$case_id" --until 2026-12-18 \
  --reason "In hospital; visit rearranged" --by "$by" --at 2026-12-07T08:00:00Z
echo "silenced $case_id"
echo "== the first pass"
"$bin" tick --config "$dir/casewatch.toml" --at 2026-12-07T09:00:00Z
python3 - "$dir/state.db" "$case_id" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("""SELECT m.id, m.kind, count(n.id) FROM messages m LEFT JOIN notices n ON n.message_id = m.id
                     GROUP BY m.id""").fetchall()
items = sum(r[2] for r in rows if r[1] != "summary")
largest = max((r[2] for r in rows), default=0)
listed = db.execute("SELECT coalesce(max(listed), 0) FROM messages").fetchone()[0]
early = db.execute("SELECT count(*) FROM notices WHERE due_at < '2026-11-09T00:00:00Z' AND cancelled_at IS NULL").fetchone()[0]
case = sys.argv[2]
told = db.execute("SELECT count(*) FROM notices WHERE case_id = ? AND message_id IS NOT NULL", (case,)).fetchone()[0]
print(f"notices about the silenced case {case} in any message: {told}")
print(f"messages: {len(rows)} ({sum(1 for r in rows if r[1] == 'summary')} summaries); items: {items}; "
      f"largest message: {largest} items, at most {listed} listed; items due before 9 November: {early}")
PY
