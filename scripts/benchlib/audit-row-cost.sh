#!/usr/bin/env bash
# Where PostgreSQL's time per audit row goes (issue 20): a throwaway PostgreSQL
# (fsync on), the migrated schema, BENCH_ROWCOST_ROWS (200,000) check-shaped rows
# COPYed into convergence.audit_log in one statement, timed by psql, once per
# index variant: as shipped, the indexes before migration 15, without the
# request_id index, request_id as a BRIN bloom index (its summarisation timed
# too), the per-customer index as a GIN index with a pending list (its merge
# timed too) or narrowed to (customer_id, created_at), without the per-customer
# index, without any index (COPY parsing + heap + WAL). One backend
# on an otherwise idle server: its wall time is its CPU time. The flusher's usage
# rollups and PostgreSQL's background work (WAL writer, checkpoints, autovacuum)
# are not in these figures; rung ka's long run counts everything.
#
#   scripts/benchlib/audit-row-cost.sh        (after swift build -c release)
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"

DIR="$ROOT/var/bench/pg-rowcost"
SOCKDIR="$ROOT/var/bench/pgsock-rowcost"
BIN="${BENCH_CONVERGENCE_BIN:-$ROOT/.build/release/convergence}"
ROWS="${BENCH_ROWCOST_ROWS:-200000}"
# Written and read by the server itself, inside its own data directory.
ROWS_FILE="$DIR/rows.copy"
COLUMNS="id, kind, created_at, customer_id, key_id, request_id, decision, risk_score, reasons, operations, policy_versions,
  would_block, user_id, session_id, latency_us, action, target, violations, would_block_by"

sql() { pg_psql "$SOCKDIR" -d convergence -tA "$@"; }

# variant LABEL [SQL]: applies SQL to the emptied table, then times the COPY.
variant() {
  local ms
  sql -c "TRUNCATE convergence.audit_log" -c "CHECKPOINT" >/dev/null
  if [[ -n ${2:-} ]]; then sql -c "$2" >/dev/null; fi
  ms="$(sql -c '\timing on' -c "COPY convergence.audit_log ($COLUMNS) FROM '$ROWS_FILE'" | awk '/^Time:/ { print $2 }')"
  awk -v label="$1" -v ms="$ms" -v n="$ROWS" 'BEGIN { printf "| %s | %.2f µs | %.0f ms |\n", label, 1000 * ms / n, ms }'
}

# The request_id hash index replaced by a BRIN bloom index: inserts into pages no summary
# covers yet cost nothing, so the COPY is followed by the summarisation the flusher (or
# autovacuum) would have to run, and both are counted.
variant_brin_bloom() {
  local ms sum=0 part
  sql -c "TRUNCATE convergence.audit_log" -c "CHECKPOINT" \
    -c "DROP INDEX convergence.audit_log_request" \
    -c "CREATE INDEX audit_log_request ON convergence.audit_log USING brin
          (request_id text_bloom_ops(n_distinct_per_range = 1200, false_positive_rate = 0.001)) WITH (pages_per_range = 32)" >/dev/null
  ms="$(sql -c '\timing on' -c "COPY convergence.audit_log ($COLUMNS) FROM '$ROWS_FILE'" | awk '/^Time:/ { print $2 }')"
  for part in $(sql -c "SELECT inhrelid::regclass FROM pg_inherits WHERE inhparent = 'convergence.audit_log_request'::regclass"); do
    sum="$(sql -c '\timing on' -c "SELECT brin_summarize_new_values('$part')" | awk -v s="$sum" '/^Time:/ { s += $2 } END { print s }')"
  done
  awk -v ms="$ms" -v s="$sum" -v n="$ROWS" 'BEGIN {
    printf "| request_id as a BRIN bloom index (32 pages a range, 0.1 %% false positives): COPY + summarisation | %.2f + %.2f µs | %.0f + %.0f ms |\n",
      1000 * ms / n, 1000 * s / n, ms, s }'
  sql -c "DROP INDEX convergence.audit_log_request" \
    -c "CREATE INDEX audit_log_request ON convergence.audit_log USING hash (request_id)" >/dev/null
}

# The per-customer b-tree replaced by a GIN index on customer_id (btree_gin) with its
# pending list: the COPY only appends to the list, and the merge into each customer's
# posting tree, which someone must run (autovacuum or the flusher), is timed and counted.
variant_gin_pending() {
  local ms merge
  sql -c "TRUNCATE convergence.audit_log" -c "CHECKPOINT" \
    -c "CREATE EXTENSION IF NOT EXISTS btree_gin" \
    -c "DROP INDEX convergence.audit_log_customer_created" \
    -c "CREATE INDEX audit_log_customer_created ON convergence.audit_log USING gin (customer_id)
          WITH (fastupdate = on, gin_pending_list_limit = 65536)" >/dev/null
  ms="$(sql -c '\timing on' -c "COPY convergence.audit_log ($COLUMNS) FROM '$ROWS_FILE'" | awk '/^Time:/ { print $2 }')"
  merge="$(sql -c '\timing on' -c "SELECT sum(gin_clean_pending_list(inhrelid::regclass)) FROM pg_inherits
      WHERE inhparent = 'convergence.audit_log_customer_created'::regclass" | awk '/^Time:/ { print $2 }')"
  awk -v ms="$ms" -v s="$merge" -v n="$ROWS" 'BEGIN {
    printf "| per-customer index as GIN on customer_id (pending list): COPY + merge | %.2f + %.2f µs | %.0f + %.0f ms |\n",
      1000 * ms / n, 1000 * s / n, ms, s }'
  sql -c "DROP INDEX convergence.audit_log_customer_created" \
    -c "CREATE INDEX audit_log_customer_created ON convergence.audit_log (customer_id, created_at, id)" >/dev/null
}

main() {
  [[ -x $BIN ]] || die "no binary at $BIN (swift build -c release)"
  pg_stop "$DIR" 2>/dev/null || true
  rm -rf "$DIR" "$SOCKDIR"
  pg_init "$DIR"
  pg_start "$DIR" "$SOCKDIR" "$ROOT/var/bench/postgresql-rowcost.log"
  trap 'pg_stop "$DIR" 2>/dev/null || true' EXIT
  pg_ensure_db "$SOCKDIR"
  CONVERGENCE_DATABASE_URL="$(pg_url "$SOCKDIR")" "$BIN" migrate >/dev/null 2>&1
  # Rows shaped like the bench's checks: 1,000 customers, 5,000 keys, nginx-style request ids.
  sql -c "COPY (SELECT gen_random_uuid(), 'check', now() - i * interval '1 millisecond',
      ('00000000-0000-4000-8000-' || lpad((i % 1000)::text, 12, '0'))::uuid, 'key_' || (i % 5000), 'req_' || md5(i::text),
      'allow', (i % 100)::smallint, '[{\"factor\":\"external_model\",\"points\":50}]',
      '[{\"type\":\"llm_call\",\"model\":\"gpt-4\",\"tokens\":1200},{\"type\":\"embedding\",\"model\":\"text-embedding-3-small\",\"tokens\":300}]',
      '[\"pol_0:1\",\"pol_1:1\",\"pol_2:1\"]', false, 'user_' || (i % 5000), 'session_' || i, 150, NULL, NULL, '[]', '[]'
    FROM generate_series($ROWS, 1, -1) AS i) TO '$ROWS_FILE'" >/dev/null
  variant "(warm-up: caches, relation extension)" >/dev/null
  echo "| COPY of $ROWS audit rows, one statement | per row | total |"
  echo "|---|---:|---:|"
  variant "indexes as shipped (migration 15: hash request_id, ascending per-customer index)"
  variant_brin_bloom
  variant_gin_pending
  variant "indexes as shipped (between the two GIN runs)"
  variant_gin_pending
  variant "request_id as a b-tree (before migration 15)" \
    "DROP INDEX convergence.audit_log_request; CREATE INDEX audit_log_request ON convergence.audit_log (request_id)"
  variant "and the per-customer index descending (before migration 15)" \
    "DROP INDEX convergence.audit_log_customer_created;
     CREATE INDEX audit_log_customer_created ON convergence.audit_log (customer_id, created_at DESC, id DESC)"
  variant "per-customer index narrowed to (customer_id, created_at)" \
    "DROP INDEX convergence.audit_log_customer_created;
     CREATE INDEX audit_log_customer_created ON convergence.audit_log (customer_id, created_at)"
  variant "per-customer index (customer_id, created_at, id), as shipped" \
    "DROP INDEX convergence.audit_log_customer_created;
     CREATE INDEX audit_log_customer_created ON convergence.audit_log (customer_id, created_at, id)"
  variant "no request_id index" "DROP INDEX convergence.audit_log_request"
  variant "no per-customer index either (primary key only)" "DROP INDEX convergence.audit_log_customer_created"
  variant "no index at all (COPY parsing, heap, WAL)" "ALTER TABLE convergence.audit_log DROP CONSTRAINT audit_log_pkey"
  # Last, on a warm server: the shipped indexes again, to show the spread.
  sql -c "ALTER TABLE convergence.audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (created_at, id)" \
    -c "CREATE INDEX audit_log_customer_created ON convergence.audit_log (customer_id, created_at, id)" \
    -c "CREATE INDEX audit_log_request ON convergence.audit_log USING hash (request_id)" >/dev/null
  variant "indexes as shipped (again, last)"
}

main "$@"
