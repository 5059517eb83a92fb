# shellcheck shell=bash
# Rung cluster of scripts/bench (issue 18): rate_limit_scope = cluster against host
# scope on one host (POST /v1/check through nginx, alternated pairs), then the
# PostgreSQL statements that leases cost with two hosts (two `serve`s on this
# machine, as the tests run them) and BENCH_CLUSTER_KEYS (10,000) keys at their
# limits. Not in the default rung list: BENCH_RUNGS=cluster. Its own PostgreSQL,
# nginx prefixes and ports (18180/18181), so it does not collide with a bench of
# another tree. Sourced by scripts/bench, which provides run_wrk, pair_ratios,
# prepare_check_tenant and the pg_* helpers.

CLUSTER_ROWS=()
CL_PG_DIR="$BENCH_DIR/pg-cluster"
CL_PG_SOCKDIR="$BENCH_DIR/pgsock-cluster"
CL_KEYS="${BENCH_CLUSTER_KEYS:-10000}"
# Each key's own rule: 2 per 10 s (0.2/s), far below what the load asks of it.
CL_LIMIT="${BENCH_CLUSTER_LIMIT:-2}"
CL_PERIOD="${BENCH_CLUSTER_PERIOD:-10}"
CL_SYNC_MS="${BENCH_CLUSTER_SYNC_MS:-1000}"
CL_WARM="${BENCH_CLUSTER_WARMUP:-20}"
CL_SECONDS="${BENCH_CLUSTER_SECONDS:-30}"
CL_LUA="$ROOT/scripts/benchlib/cluster.lua"
declare -A CL_PIDS=()

cl_port() { [[ $1 == a ]] && echo 18180 || echo 18181; }
cl_socket() { echo "$BENCH_DIR/cluster-$1.sock"; }
cl_nginx() { echo "$BENCH_DIR/nginx-cluster-$1"; }
cl_psql() { pg_psql "$CL_PG_SOCKDIR" -d convergence -tA "$@"; }

# cl_start_host NAME SCOPE: a `serve` on the rung's PostgreSQL behind its own nginx;
# auditing and the pipeline executor off (their statements would hide the leases'),
# keys cached for a minute (so that auth does not look them up twice a second).
cl_start_host() {
  local name=$1 scope=$2 socket
  socket="$(cl_socket "$name")"
  rm -f "$socket"
  setsid env CONVERGENCE_LISTEN="unix:$socket" \
    CONVERGENCE_LISTEN_MODE=0666 \
    CONVERGENCE_ALLOW_ROOT=true \
    CONVERGENCE_WORKERS="$WORKERS" \
    CONVERGENCE_THREADS="$THREADS" \
    CONVERGENCE_DEV_MODE=true \
    CONVERGENCE_DATABASE_URL="$(pg_url "$CL_PG_SOCKDIR")" \
    CONVERGENCE_AUDIT_ENABLED=false \
    CONVERGENCE_AUDIT_SPOOL_DIR="$BENCH_DIR/audit-spool-cluster-$name" \
    CONVERGENCE_EXECUTOR_ENABLED=false \
    CONVERGENCE_KEY_CACHE_TTL_MS=60000 \
    CONVERGENCE_RATE_LIMIT_SCOPE="$scope" \
    CONVERGENCE_RATE_LIMIT_SYNC_MS="$CL_SYNC_MS" \
    "$BIN" serve --config "$ROOT/configs/convergence.conf" \
    </dev/null >>"$BENCH_DIR/convergence_cluster_$name.log" 2>&1 &
  CL_PIDS[$name]=$!
  if ! wait_for_socket "$socket" 30 || ! wait_for_http_ok "http://127.0.0.1:$(cl_port "$name")/health" 30; then
    tail -n 20 "$BENCH_DIR/convergence_cluster_$name.log" >&2 || true
    die "host $name ($scope scope) did not answer /health within 30 s"
  fi
}

cl_stop_host() {
  [[ -n ${CL_PIDS[$1]:-} ]] || return 0
  stop_process_group "${CL_PIDS[$1]}" 35 || true
  CL_PIDS[$1]=''
}

cl_cleanup() {
  local name
  for name in a b; do
    cl_stop_host "$name"
    nginx_stop "$(cl_nginx "$name")" 2>/dev/null || true
  done
  pg_stop "$CL_PG_DIR" 2>/dev/null || true
}

# cl_counts: "transactions committed, heartbeat upserts (one per leaser sync), rate_lease_held calls
# (one per key in a sync or one synchronous lease; track_functions = pl), key lookups by digest"
cl_counts() {
  cl_psql -c "SELECT (SELECT xact_commit FROM pg_stat_database WHERE datname = 'convergence'),
                     (SELECT n_tup_ins + n_tup_upd FROM pg_stat_user_tables WHERE relid = 'convergence.rate_hosts'::regclass),
                     (SELECT coalesce(sum(calls), 0) FROM pg_stat_user_functions WHERE funcname = 'rate_lease_held'),
                     (SELECT idx_scan FROM pg_stat_user_indexes WHERE indexrelname = 'api_keys_digest_key')" | tr '|' ' '
}

# cl_load SECONDS OUT_PREFIX: wrk on both hosts at once, 64 connections each.
cl_load() {
  local seconds=$1 out=$2 lua="$BENCH_DIR/cluster.lua" name pids=()
  for name in a b; do
    wrk -t2 -c64 -s "$lua" --latency "-d${seconds}s" "http://127.0.0.1:$(cl_port "$name")/v1/check" >"$out-$name.txt" &
    pids+=($!)
  done
  wait "${pids[@]}"
}

# Lease failures (convergence_ratelimit_lease_failures_total) summed over both hosts' /metrics.
cl_failures() {
  local name total=0 n
  for name in a b; do
    n="$(curl -fsS "http://127.0.0.1:$(cl_port "$name")/metrics" | awk '$1 == "convergence_ratelimit_lease_failures_total" { print $2 }')"
    total=$((total + ${n:-0}))
  done
  echo "$total"
}

run_cluster_figures() {
  local admin lua="$BENCH_DIR/check-cluster.lua" i name saved_url=$BASE_URL customer keys="$BENCH_DIR/cluster-keys.txt"
  local c0 h0 b0 k0 f0 c1 h1 b1 k1 f1 pglog offset leaser synchronous secs requests ok limited other rps_a rps_b interval a l o
  use_backend none
  cl_cleanup
  rm -rf "$CL_PG_DIR"
  pg_init "$CL_PG_DIR"
  pg_start "$CL_PG_DIR" "$CL_PG_SOCKDIR" "$BENCH_DIR/postgresql-cluster.log"
  pg_ensure_db "$CL_PG_SOCKDIR"
  # Statements are counted from PostgreSQL's log during the measured window only (log_statement
  # = all there), by application: pg_stat_statements is not installed by default.
  pg_psql "$CL_PG_SOCKDIR" -d postgres -c "ALTER SYSTEM SET track_functions = 'pl'" \
    -c "ALTER SYSTEM SET log_line_prefix = '%a|'" -c "SELECT pg_reload_conf()" >/dev/null
  for name in a b; do
    "$ROOT/scripts/lib/render-nginx.sh" --prefix "$(cl_nginx "$name")" --socket "$(cl_socket "$name")" \
      --http-port "$(cl_port "$name")" --https-port "$(($(cl_port "$name") + 363))" >/dev/null
    nginx_start "$(cl_nginx "$name")"
  done

  # (a) One host, host scope against cluster scope, alternated; a key whose bucket never
  # empties (every request still takes a token: a leased one in cluster scope).
  BASE_URL="http://127.0.0.1:$(cl_port a)"
  cl_start_host a host
  admin="$(env CONVERGENCE_DATABASE_URL="$(pg_url "$CL_PG_SOCKDIR")" "$BIN" admin create-key --name bench 2>/dev/null)"
  prepare_check_tenant "$admin" "$lua"
  cl_stop_host a
  for ((i = 1; i <= CHECK_PAIRS; i++)); do # BENCH_CHECK_PAIRS=0: part (b) only
    cl_start_host a host
    run_wrk "clh$i" "POST /v1/check, rate_limit_scope = host, auditing off (pair $i)" 64 /v1/check "$lua"
    cl_stop_host a
    cl_start_host a cluster
    run_wrk "clc$i" "POST /v1/check, rate_limit_scope = cluster, auditing off (pair $i)" 64 /v1/check "$lua"
    cl_stop_host a
  done
  ((CHECK_PAIRS == 0)) || CLUSTER_ROWS+=("| /v1/check through nginx, cluster scope vs host scope on one host (auditing off; median of $CHECK_PAIRS alternated pairs, host scope first) | $(pair_ratios clc clh) | ≥ 95% |")

  # (b) Two hosts, CL_KEYS keys of CL_LIMIT per CL_PERIOD s each, every key asked for far
  # more often than its rule allows, spread over both hosts; PostgreSQL's committed
  # transactions over CL_SECONDS after CL_WARM seconds of the same load.
  customer="$(cl_psql -c "SELECT id FROM convergence.customers WHERE tenant_id = 'bench_check'")"
  cl_psql -c "INSERT INTO convergence.api_keys (key_id, kind, customer_id, name, prefix, last4, digest, rate_limit, rate_limit_period_seconds)
              SELECT 'key_cluster_' || i, 'customer', '$customer', 'bench-cluster', 'bench_check_api_', right(k, 4),
                     sha256(convert_to(k, 'UTF8')), $CL_LIMIT, $CL_PERIOD
                FROM (SELECT i, 'bench_check_api_' || lpad(i::text, 16, '0') AS k FROM generate_series(1, $CL_KEYS) i) s" >/dev/null
  cl_psql -c "SELECT 'bench_check_api_' || lpad(i::text, 16, '0') FROM generate_series(1, $CL_KEYS) i" >"$keys"
  sed "s|@KEYS@|$keys|" "$CL_LUA" >"$BENCH_DIR/cluster.lua"
  cl_start_host a cluster
  cl_start_host b cluster
  log "rung cluster: $CL_KEYS keys of $CL_LIMIT per ${CL_PERIOD}s on two hosts, ${CL_WARM}s warm-up, then ${CL_SECONDS}s measured"
  cl_load "$CL_WARM" "$RESULTS/clw"
  read -r c0 h0 b0 k0 <<<"$(cl_counts)"
  f0="$(cl_failures)"
  pg_psql "$CL_PG_SOCKDIR" -d postgres -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
  pglog="$BENCH_DIR/postgresql-cluster.log"
  offset="$(stat -c %s "$pglog")"
  secs=$CL_SECONDS
  cl_load "$secs" "$RESULTS/clm"
  pg_psql "$CL_PG_SOCKDIR" -d postgres -c "ALTER SYSTEM SET log_statement = 'none'" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 2 # backends report their statistics when idle, within a second
  read -r c1 h1 b1 k1 <<<"$(cl_counts)"
  f1="$(cl_failures)"
  tail -c +"$((offset + 1))" "$pglog" >"$RESULTS/clm-postgresql.log"
  # First lines of logged statements: the leasers' (syncs, charges, prunes) and the workers' synchronous leases.
  leaser="$(grep -c '^convergence-rate-leaser|LOG:  execute' "$RESULTS/clm-postgresql.log" || true)"
  synchronous="$(grep -c '^convergence-worker|LOG:  execute [^:]*: SELECT granted, tokens_left, full_in_ms FROM convergence.rate_lease' \
    "$RESULTS/clm-postgresql.log" || true)"
  for name in a b; do cl_stop_host "$name"; done
  ok=0 limited=0 other=0 requests=0
  for name in a b; do
    read -r a l o <<<"$(awk '/^statuses:/ { print $3, $5, $7 }' "$RESULTS/clm-$name.txt")"
    ok=$((ok + a)) limited=$((limited + l)) other=$((other + o))
  done
  requests=$((ok + limited + other))
  rps_a="$(awk '/Requests\/sec:/ { printf "%.0f", $2 }' "$RESULTS/clm-a.txt")"
  rps_b="$(awk '/Requests\/sec:/ { printf "%.0f", $2 }' "$RESULTS/clm-b.txt")"
  interval="$(awk -v k="$CL_KEYS" -v a="$rps_a" -v b="$rps_b" 'BEGIN { printf "%.1f", k / ((a + b) / 2) }')"
  CLUSTER_ROWS+=("| two hosts (rate_limit_sync_ms = $CL_SYNC_MS), $CL_KEYS keys of $CL_LIMIT per $CL_PERIOD s at their limits: $rps_a + $rps_b checks/s (each key asked on each host every ~$interval s); admitted $(awk -v n="$ok" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')/s (the keys' refill rates sum to $(awk -v k="$CL_KEYS" -v l="$CL_LIMIT" -v p="$CL_PERIOD" 'BEGIN { printf "%.0f", k * l / p }')/s; Σ(B + r·t) over the ${secs} s: $(awk -v k="$CL_KEYS" -v l="$CL_LIMIT" -v p="$CL_PERIOD" -v s="$secs" 'BEGIN { printf "%.0f", k * (l + l / p * s) / s }')/s); 429: $limited; other: $other | | |")
  CLUSTER_ROWS+=("| lease statements per second per host (from PostgreSQL's log, log_statement = all during the run: the leaser's statements + the workers' synchronous leases) | **$(awk -v d="$((leaser + synchronous))" -v s="$secs" 'BEGIN { printf "%.2f", d / s / 2 }')** ($(awk -v d="$leaser" -v s="$secs" 'BEGIN { printf "%.2f", d / s / 2 }') + $(awk -v d="$synchronous" -v s="$secs" 'BEGIN { printf "%.2f", d / s / 2 }')) | ≤ 2 |")
  CLUSTER_ROWS+=("| leaser syncs per second per host (heartbeat upserts in convergence.rate_hosts) | $(awk -v d="$((h1 - h0))" -v s="$secs" 'BEGIN { printf "%.2f", d / s / 2 }') | 1 per rate_limit_sync_ms ($CL_SYNC_MS ms) |")
  CLUSTER_ROWS+=("| synchronous leases that failed (deadline or lock timeout), both hosts, over the measured run | $((f1 - f0)) | — |")
  CLUSTER_ROWS+=("| rate_lease_held calls per second, both hosts (a key in a sync, or a synchronous lease; pg_stat_user_functions) | $(awk -v d="$((b1 - b0))" -v s="$secs" 'BEGIN { printf "%.0f", d / s }') | — |")
  CLUSTER_ROWS+=("| all transactions in the database per second per host (pg_stat_database xact_commit: leases, key lookups, last_used_at) | $(awk -v d="$((c1 - c0 - 1))" -v s="$secs" 'BEGIN { printf "%.1f", d / s / 2 }') | — |")
  CLUSTER_ROWS+=("| of which key lookups per second per host (index scans of api_keys by digest) | $(awk -v d="$((k1 - k0))" -v s="$secs" 'BEGIN { printf "%.1f", d / s / 2 }') | — |")
  BASE_URL=$saved_url
  cl_cleanup
}
