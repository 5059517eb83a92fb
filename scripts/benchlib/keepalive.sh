# shellcheck shell=bash
# Rung ka of scripts/bench (issue 20): the shipped path with kept connections
# against the one-connection-per-request C floor, the workers' CPU per check, a
# long run with a reload and max_requests recycles (failed requests, PostgreSQL
# CPU per audit row), and latency under a steady open-loop load. Sourced by
# scripts/bench, which provides run_wrk, pair_ratios, use_nginx, use_backend,
# prepare_check_tenant and the pg_* helpers.

KA_ROWS=()
KA_PG_DIR="$BENCH_DIR/pg-ka"
KA_PG_SOCKDIR="$BENCH_DIR/pgsock-ka"
# BENCH_KA_SPOOL: another spool directory to try (e.g. on tmpfs, to rule the disk out).
KA_SPOOL="${BENCH_KA_SPOOL:-$BENCH_DIR/audit-spool-ka}"
KA_SECONDS="${BENCH_KA_SECONDS:-240}"
KA_LOAD="${BENCH_KA_LOAD:-50}"
KA_OPEN_SECONDS="${BENCH_KA_OPEN_SECONDS:-30}"
# Per worker: with 2 workers at ~12 k checks/s each, a recycle every ~80 s of the long run.
KA_MAX_REQUESTS="${BENCH_KA_MAX_REQUESTS:-1000000}"
KA_AUDIT=true
KA_MAXREQ=0
OPENLOOP_BIN="$BENCH_DIR/openloop"

start_convergence_ka() {
  setsid env CONVERGENCE_LISTEN="unix:$SOCKET" \
    CONVERGENCE_LISTEN_MODE=0666 \
    CONVERGENCE_ALLOW_ROOT=true \
    CONVERGENCE_WORKERS="$WORKERS" \
    CONVERGENCE_THREADS="$THREADS" \
    CONVERGENCE_DEV_MODE=true \
    CONVERGENCE_DATABASE_URL="$(pg_url "$KA_PG_SOCKDIR")" \
    CONVERGENCE_RATE_LIMIT_FREE=1000000000/1s \
    CONVERGENCE_AUDIT_ENABLED="$KA_AUDIT" \
    CONVERGENCE_AUDIT_SPOOL_DIR="$KA_SPOOL" \
    CONVERGENCE_MAX_REQUESTS="$KA_MAXREQ" \
    "$BIN" serve --config "$ROOT/configs/convergence.conf" \
    </dev/null >>"$BENCH_DIR/convergence_ka.log" 2>&1 &
  BACKEND_PID=$!
}

# The seeds' stack as a peer (scripts/benchlib/peer_fastapi.py): FastAPI + uvicorn +
# pydantic, two workers, no I/O, no nginx in front, in a throw-away venv from PyPI.
# Sets PEER_NOTE and returns 1 when it cannot be installed or started.
PEER_PORT=18090
PEER_PID=''
PEER_NOTE=''
ka_start_peer() {
  local venv="$BENCH_DIR/peer-venv"
  if [[ ! -x $venv/bin/uvicorn ]]; then
    log "peer: installing FastAPI + uvicorn into $venv (PyPI)"
    rm -rf "$venv"
    if ! python3 -m venv "$venv" >&2 || ! "$venv/bin/pip" install -q fastapi 'uvicorn[standard]' >&2; then
      PEER_NOTE="skipped: could not install FastAPI + uvicorn from PyPI into a venv"
      return 1
    fi
  fi
  setsid "$venv/bin/uvicorn" --app-dir "$ROOT/scripts/benchlib" peer_fastapi:app --workers 2 --host 127.0.0.1 --port "$PEER_PORT" \
    --no-access-log --log-level warning </dev/null >>"$BENCH_DIR/peer.log" 2>&1 &
  PEER_PID=$!
  if ! wait_until 30 curl -fsS -o /dev/null -X POST "http://127.0.0.1:$PEER_PORT/v1/check" -H 'Content-Type: application/json' \
    -d '{"operations": [{"type": "embedding", "model": "gpt-4"}]}'; then
    PEER_NOTE="skipped: the FastAPI peer did not answer (see $BENCH_DIR/peer.log)"
    ka_stop_peer
    return 1
  fi
  PEER_NOTE="FastAPI $("$venv/bin/python" -c 'import fastapi, pydantic, uvicorn; print(fastapi.__version__, "/ pydantic", pydantic.VERSION, "/ uvicorn", uvicorn.__version__)')"
}
ka_stop_peer() {
  [[ -n $PEER_PID ]] || return 0
  stop_process_group "$PEER_PID" 10 || true
  PEER_PID=''
}

ka_psql() { pg_psql "$KA_PG_SOCKDIR" -d convergence -tA "$@"; }

# restart_ka_backend AUDIT MAX_REQUESTS
restart_ka_backend() {
  use_backend none
  KA_AUDIT=$1 KA_MAXREQ=$2
  use_backend convergence_ka
}

# proc_ticks PID...: their CPU time (utime + stime, clock ticks); with KA_CHILDREN=1 also
# the CPU of their exited, reaped children (cutime + cstime).
proc_ticks() {
  local pid total=0 ticks
  for pid in "$@"; do
    # Fields after the ")" that closes the command name: utime is the 12th, stime 13th, cutime 14th, cstime 15th.
    ticks="$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | awk -v c="${KA_CHILDREN:-0}" '{ print $12 + $13 + (c ? $14 + $15 : 0) }')" || continue
    total=$((total + ${ticks:-0}))
  done
  echo "$total"
}

ka_worker_pids() { ps -o pid=,args= --ppid "$BACKEND_PID" | awk '$3 == "worker" { print $1 }'; }
ka_flusher_pid() { ps -o pid=,args= --ppid "$BACKEND_PID" | awk '$3 == "audit-flusher" { print $1 }'; }

# PostgreSQL's CPU: the postmaster, its live children, and the children it reaped.
pg_ticks() {
  local postmaster
  postmaster="$(head -n 1 "$KA_PG_DIR/postmaster.pid")"
  echo $(($(KA_CHILDREN=1 proc_ticks "$postmaster") + $(proc_ticks $(ps -o pid= --ppid "$postmaster"))))
}

ka_spool_drained() { [[ $(AUDIT_SPOOL=$KA_SPOOL audit_status_field backlog_bytes) == 0 ]]; }

wrk_requests() { awk '/requests in/ { print $1 }' "$1"; }

# ka_check_run RUNG LABEL LUA: run_wrk after our own warm-up, sampling the workers'
# CPU around the measured run only; adds to KA_WORKER_TICKS / KA_WORKER_REQUESTS.
KA_WORKER_TICKS=0 KA_WORKER_REQUESTS=0
ka_check_run() {
  local rung=$1 label=$2 lua=$3 before after saved=$WARMUP
  ((WARMUP > 0)) && wrk -t2 -c64 -s "$lua" "-d${WARMUP}s" "$BASE_URL/v1/check" >/dev/null
  before="$(proc_ticks $(ka_worker_pids))"
  WARMUP=0 run_wrk "$rung" "$label" 64 /v1/check "$lua"
  WARMUP=$saved
  after="$(proc_ticks $(ka_worker_pids))"
  KA_WORKER_TICKS=$((KA_WORKER_TICKS + after - before))
  KA_WORKER_REQUESTS=$((KA_WORKER_REQUESTS + $(wrk_requests "$RESULTS/$rung-c64.txt")))
}

# ka_fresh_stack LUA: a fresh throwaway PostgreSQL, the backend with auditing on, and the
# check tenant whose key and request LUA (wrk's script) is written.
ka_fresh_stack() {
  local admin
  use_nginx plain
  use_backend none
  rm -rf "$KA_PG_DIR" "$KA_SPOOL"
  pg_init "$KA_PG_DIR"
  pg_start "$KA_PG_DIR" "$KA_PG_SOCKDIR" "$BENCH_DIR/postgresql-ka.log"
  pg_ensure_db "$KA_PG_SOCKDIR"
  restart_ka_backend true 0
  admin="$(env CONVERGENCE_DATABASE_URL="$(pg_url "$KA_PG_SOCKDIR")" "$BIN" admin create-key --name bench 2>/dev/null)"
  prepare_check_tenant "$admin" "$1"
}

# ka_openloop_ready LUA BODY: the open-loop generator built, and LUA's request body written to BODY.
ka_openloop_ready() {
  [[ -x $OPENLOOP_BIN && ! $ROOT/scripts/benchlib/openloop.c -nt $OPENLOOP_BIN ]] ||
    cc -O2 -o "$OPENLOOP_BIN" "$ROOT/scripts/benchlib/openloop.c"
  awk '/wrk.body = \[\[/ { on = 1; sub(/.*wrk.body = \[\[/, "") } on { if (sub(/\]\].*/, "")) { print; exit } print }' "$1" >"$2"
}

run_keepalive_figures() {
  local lua="$BENCH_DIR/check-ka.lua" body="$BENCH_DIR/check-ka.json" i flusher
  local pg0 pg1 rows0 rows1 errlog lines0 upstream out requests errors recycles max rate line
  ka_fresh_stack "$lua"

  # Alternated: the floor (one connection per request, as before issue 20), then the
  # shipped path with auditing off, on, and on with the flusher paused (PostgreSQL's
  # ingest out of this box's budget, as when it runs on its own host). Audit-on runs
  # come last in each round, and the spool drains before the next floor run.
  for ((i = 1; i <= CHECK_PAIRS; i++)); do
    use_nginx nokeep
    use_backend floor
    run_wrk "kfp$i" "C libfcgi floor, GET /health, one connection per request (pair $i)" 64 /health
    use_nginx plain
    restart_ka_backend false 0
    run_wrk "kvn$i" "POST /v1/check, kept connections, auditing off (pair $i)" 64 /v1/check "$lua"
    restart_ka_backend true 0
    ka_check_run "kv$i" "POST /v1/check, kept connections, shipped defaults (pair $i)" "$lua"
    flusher="$(ka_flusher_pid)"
    kill -STOP "$flusher"
    run_wrk "kvp$i" "POST /v1/check, kept connections, flusher paused (pair $i)" 64 /v1/check "$lua"
    kill -CONT "$flusher"
    wait_until 300 ka_spool_drained || log "warning: the spool did not drain within 300 s"
    if [[ $PEER_NOTE != skipped* ]]; then
      use_backend none
      if ka_start_peer; then
        BASE_URL="http://127.0.0.1:$PEER_PORT" run_wrk "kpp$i" "the seeds' stack: FastAPI + uvicorn, 2 workers, no I/O, no nginx (pair $i)" 64 /v1/check "$lua"
      fi
      ka_stop_peer
    fi
  done
  KA_ROWS+=("| /v1/check, shipped defaults (kept connections, audit on) vs the one-connection-per-request C floor (median of $CHECK_PAIRS pairs) | $(pair_ratios kv kfp) | ≥ 120%, p99 ≤ 15 ms |")
  KA_ROWS+=("| same, auditing off | $(pair_ratios kvn kfp) | ≥ 150% |")
  KA_ROWS+=("| same, audit on with the flusher paused (PostgreSQL's ingest on another host) | $(pair_ratios kvp kfp) | ≥ 140% |")
  if [[ -n ${RPS[kpp1:64:$ROUND]:-} ]]; then
    KA_ROWS+=("| /v1/check, shipped defaults, vs the seeds' stack doing the same check without I/O ($PEER_NOTE; median of $CHECK_PAIRS pairs) | $(pair_ratios kv kpp) | ≥ 250% |")
  else
    KA_ROWS+=("| /v1/check vs the seeds' FastAPI stack | $PEER_NOTE | ≥ 250% |")
  fi
  KA_ROWS+=("| worker CPU per check, shipped defaults (/proc utime+stime of the workers over the kv runs, $KA_WORKER_REQUESTS checks) | $(awk -v t="$KA_WORKER_TICKS" -v n="$KA_WORKER_REQUESTS" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f µs", 1e6 * t / hz / n }') | ≤ 25 µs |")

  # The long run: shipped defaults, a SIGHUP reload a third of the way in, and
  # max_requests recycles; PostgreSQL's CPU over the run and the drain after it.
  restart_ka_backend true "$KA_MAX_REQUESTS"
  wrk -t2 -c64 -s "$lua" -d2s "$BASE_URL/v1/check" >/dev/null
  wait_until 120 ka_spool_drained || true
  rows0="$(ka_psql -c "SELECT count(*) FROM convergence.audit_log")"
  pg0="$(pg_ticks)"
  errlog="$(nginx_prefix_for plain)/logs/error.log"
  lines0="$(wc -l <"$errlog")"
  out="$RESULTS/kl-c64.txt"
  log "rung kl: POST /v1/check for ${KA_SECONDS}s, SIGHUP at $((KA_SECONDS / 3))s, max_requests $KA_MAX_REQUESTS per worker"
  wrk -t2 -c64 -s "$lua" --latency "-d${KA_SECONDS}s" "$BASE_URL/v1/check" >"$out" &
  local wrk_pid=$!
  sleep $((KA_SECONDS / 3))
  kill -HUP "$BACKEND_PID"
  wait "$wrk_pid"
  wait_until 600 ka_spool_drained || log "warning: the spool did not drain within 600 s"
  sleep 2 # the last commit's after-work (WAL writer, autovacuum) is counted too
  pg1="$(pg_ticks)"
  rows1="$(ka_psql -c "SELECT count(*) FROM convergence.audit_log")"
  read -r rate _ p99 errors _ <<<"$(parse_wrk "$out")"
  requests="$(wrk_requests "$out")"
  upstream="$(tail -n +"$((lines0 + 1))" "$errlog" | grep -c upstream || true)"
  recycles="$(grep -c 'worker recycling after max_requests' "$BENCH_DIR/convergence_ka.log" || true)"
  TABLE_ROWS+=("| 1 | kl: POST /v1/check, shipped defaults, reload + recycles | 64 | $(printf '%.0f' "$rate") | $(to_ms "$(awk '$1 == "50%" { print $2 }' "$out")") | $(to_ms "$p99") | $errors |")
  KA_ROWS+=("| long run: $requests requests in ${KA_SECONDS} s (64 connections), one SIGHUP reload, $recycles max_requests recycles so far: failed requests (wrk socket errors + non-2xx) / nginx upstream errors | **$errors** / **$upstream** | 0 / 0 over ≥ 5 M |")
  KA_ROWS+=("| PostgreSQL CPU per audit row ($((rows1 - rows0)) rows flushed over the long run and its drain; postmaster, backends, WAL writer, checkpointer, autovacuum) | $(awk -v t="$((pg1 - pg0))" -v n="$((rows1 - rows0))" -v hz="$(getconf CLK_TCK)" 'BEGIN { if (n > 0) printf "%.1f µs", 1e6 * t / hz / n; else print "n/a" }') | ≤ 8 µs |")

  # Latency under a steady load: open loop at KA_LOAD % of the shipped path's maximum.
  restart_ka_backend true 0
  ka_openloop_ready "$lua" "$body"
  max="$(for ((i = 1; i <= CHECK_PAIRS; i++)); do echo "${RPS[kv$i:64:$ROUND]:-0}"; done | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
  rate="$(awk -v m="$max" -v l="$KA_LOAD" 'BEGIN { printf "%.0f", m * l / 100 }')"
  log "rung ko: open loop at $rate req/s ($KA_LOAD % of $max) for ${KA_OPEN_SECONDS}s"
  line="$("$OPENLOOP_BIN" 127.0.0.1 "$HTTP_PORT" /v1/check "$rate" "$KA_OPEN_SECONDS" 5 64 "$body" "X-API-Key: $CHECK_KEY")"
  echo "$line" >"$RESULTS/ko.txt"
  KA_ROWS+=("| open loop (fixed arrivals, latency from each request's due time) at $KA_LOAD % of the shipped path's maximum: $rate req/s for ${KA_OPEN_SECONDS} s | $(awk '{ printf "p50 %s, p99 **%s**, p99.9 **%s**, max %s ms; %s not answered 200 of %s", $10, $14, $16, $18, $6, $2 }' <<<"$line") | p99 ≤ 5 ms, p99.9 ≤ 15 ms |")
  use_backend none
  pg_stop "$KA_PG_DIR"
}

# Rung kapg: where PostgreSQL's CPU per audit row goes at steady state. A fresh
# PostgreSQL with pg_stat_statements, the shipped path under wrk for
# BENCH_KAPG_SECONDS (30), then each server process's CPU (from /proc, per row
# flushed, the postmaster's reaped children included) and the statements' execution time per row (wall time: on a busy
# host it includes waiting for a core).
run_pg_row_breakdown() {
  local lua="$BENCH_DIR/check-kapg.lua" admin pg0 pg1 r0 r1 seconds="${BENCH_KAPG_SECONDS:-30}"
  use_nginx plain
  use_backend none
  rm -rf "$KA_PG_DIR" "$KA_SPOOL"
  pg_init "$KA_PG_DIR"
  printf "shared_preload_libraries = 'pg_stat_statements'\npg_stat_statements.track = all\n" >>"$KA_PG_DIR/postgresql.conf"
  # BENCH_KAPG_PGCONF: extra server settings to try (e.g. "max_wal_size = 4GB"), one per line.
  [[ -z ${BENCH_KAPG_PGCONF:-} ]] || printf '%s\n' "$BENCH_KAPG_PGCONF" >>"$KA_PG_DIR/postgresql.conf"
  pg_start "$KA_PG_DIR" "$KA_PG_SOCKDIR" "$BENCH_DIR/postgresql-ka.log"
  pg_ensure_db "$KA_PG_SOCKDIR"
  restart_ka_backend true 0
  admin="$(env CONVERGENCE_DATABASE_URL="$(pg_url "$KA_PG_SOCKDIR")" "$BIN" admin create-key --name bench 2>/dev/null)"
  prepare_check_tenant "$admin" "$lua"
  wrk -t2 -c64 -s "$lua" -d5s "$BASE_URL/v1/check" >/dev/null
  wait_until 120 ka_spool_drained || true
  pg0="$(pg_ticks)"
  ka_psql -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" -c "SELECT pg_stat_statements_reset()" >/dev/null
  r0="$(ka_psql -c "SELECT count(*) FROM convergence.audit_log")"
  ka_psql -c "SELECT pg_stat_reset_shared('wal'), pg_stat_reset_shared('bgwriter')" >/dev/null
  log "rung kapg: POST /v1/check for ${seconds}s, PostgreSQL's CPU per audit row"
  wrk -t2 -c64 -s "$lua" "-d${seconds}s" "$BASE_URL/v1/check" >"$RESULTS/kapg-c64.txt"
  wait_until 120 ka_spool_drained || true
  sleep 2
  pg1="$(pg_ticks)"
  r1="$(ka_psql -c "SELECT count(*) FROM convergence.audit_log")"
  KA_ROWS+=("| rung kapg: $((r1 - r0)) rows in ${seconds} s ($(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$RESULTS/kapg-c64.txt") checks/s); PostgreSQL CPU per row, all processes | $(
    awk -v t="$((pg1 - pg0))" -v n="$((r1 - r0))" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f µs", 1e6 * t / hz / n }') | ≤ 8 µs |")
  KA_ROWS+=("| … WAL per row: bytes, full-page images; checkpoints in the run (timed + requested)${BENCH_KAPG_PGCONF:+; server settings: $BENCH_KAPG_PGCONF} | $(
    ka_psql -F ' ' -c "SELECT round(w.wal_bytes / $((r1 - r0))), round(w.wal_fpi::numeric / $((r1 - r0)), 3), b.checkpoints_timed + b.checkpoints_req
      FROM pg_stat_wal w, pg_stat_bgwriter b" | awk '{ printf "%s B, %s FPI; %s checkpoints", $1, $2, $3 }') | — |")
  while read -r per_row calls query; do
    KA_ROWS+=("| … statement time per row: \`${query}…\` ($calls calls) | $per_row µs | — |")
  done < <(ka_psql -F ' ' -c "SELECT round((1000 * total_exec_time / $((r1 - r0)))::numeric, 2), calls,
      left(regexp_replace(query, '\s+', ' ', 'g'), 60) FROM pg_stat_statements WHERE total_exec_time > 0
      ORDER BY total_exec_time DESC LIMIT 4")
  use_backend none
  pg_stop "$KA_PG_DIR"
}

# Rung ko: where the open loop's tail comes from. The shipped path's maximum is measured
# once (wrk, 64 connections), then the open loop runs at BENCH_KA_LOAD (50) % of it for
# BENCH_KA_OPEN_SECONDS (30) with auditing on, with the flusher paused (the spool absorbs:
# PostgreSQL's ingest off this box) and with auditing off, alternated BENCH_KO_ROUNDS (3)
# times at the same rate; medians per configuration. BENCH_KO_CONFIGS chooses them (default
# "on paused off"); "nice" is auditing on with every PostgreSQL server process and the
# flusher at nice BENCH_KO_NICE (10), what an operator gets from systemd's Nice= in both units;
# "flnice" the flusher alone at that nice.
KO_CONFIGS="${BENCH_KO_CONFIGS:-on paused off}"
KO_NICE="${BENCH_KO_NICE:-10}"

# ka_ingest_nice N: sets the flusher and every PostgreSQL server process (the postmaster,
# so that backends forked later inherit it) to nice N. The bench runs as root.
ka_ingest_nice() {
  local pm
  pm="$(pg_pid "$KA_PG_DIR")"
  # shellcheck disable=SC2046 # one pid per word
  renice -n "$1" -p "$(ka_flusher_pid)" "$pm" $(ps -o pid= --ppid "$pm") >/dev/null
}

run_openloop_breakdown() {
  local lua="$BENCH_DIR/check-ko.lua" body="$BENCH_DIR/check-ko.json" max rate round config line flusher
  local -A P99 P999 P50
  ka_fresh_stack "$lua"
  ka_openloop_ready "$lua" "$body"
  ka_check_run "kom" "POST /v1/check, kept connections, shipped defaults (the maximum for rung ko)" "$lua"
  max="${RPS[kom:64:$ROUND]:-0}"
  rate="$(awk -v m="$max" -v l="$KA_LOAD" 'BEGIN { printf "%.0f", m * l / 100 }')"
  wait_until 300 ka_spool_drained || true
  for ((round = 1; round <= ${BENCH_KO_ROUNDS:-3}; round++)); do
    for config in $KO_CONFIGS; do
      restart_ka_backend "$([[ $config == off ]] && echo false || echo true)" 0
      flusher=''
      if [[ $config == paused ]]; then flusher="$(ka_flusher_pid)"; kill -STOP "$flusher"; fi
      [[ $config != nice ]] || ka_ingest_nice "$KO_NICE"
      [[ $config != flnice ]] || renice -n "$KO_NICE" -p "$(ka_flusher_pid)" >/dev/null
      log "rung ko: open loop at $rate req/s ($KA_LOAD % of $max), audit $config, round $round"
      line="$("$OPENLOOP_BIN" 127.0.0.1 "$HTTP_PORT" /v1/check "$rate" "$KA_OPEN_SECONDS" 5 64 "$body" "X-API-Key: $CHECK_KEY")"
      echo "$line" >"$RESULTS/ko-$config-$round.txt"
      [[ -z $flusher ]] || kill -CONT "$flusher"
      [[ $config != nice ]] || ka_ingest_nice 0
      read -r P50[$config:$round] P99[$config:$round] P999[$config:$round] < <(awk '{ print $10, $14, $16 }' <<<"$line")
      wait_until 300 ka_spool_drained || log "warning: the spool did not drain within 300 s"
    done
  done
  for config in $KO_CONFIGS; do
    local p50s='' p99s='' p999s='' label
    for ((round = 1; round <= ${BENCH_KO_ROUNDS:-3}; round++)); do
      p50s+="${P50[$config:$round]} " p99s+="${P99[$config:$round]} " p999s+="${P999[$config:$round]} "
    done
    case $config in
      on) label="auditing on (shipped defaults)" ;;
      paused) label="auditing on, the flusher paused (PostgreSQL's ingest off this box)" ;;
      off) label="auditing off" ;;
      nice) label="auditing on, PostgreSQL and the flusher at nice $KO_NICE" ;;
      flnice) label="auditing on, the flusher alone at nice $KO_NICE" ;;
    esac
    KA_ROWS+=("| rung ko: open loop at $rate req/s ($KA_LOAD % of $max), ${KA_OPEN_SECONDS} s, $label: p50 / p99 / p99.9, median of ${BENCH_KO_ROUNDS:-3} (each run) | $(tr ' ' '\n' <<<"$p50s" | grep . | median_ms) / **$(tr ' ' '\n' <<<"$p99s" | grep . | median_ms)** / **$(tr ' ' '\n' <<<"$p999s" | grep . | median_ms)** ms (p99 ${p99s% }; p99.9 ${p999s% }) | p99 ≤ 5 ms, p99.9 ≤ 15 ms |")
  done
  use_backend none
  pg_stop "$KA_PG_DIR"
}
