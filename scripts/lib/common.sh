# shellcheck shell=bash
# Shared helpers for scripts/dev, scripts/bench and scripts/test.
# Source it; it defines functions and a few variables and runs nothing else.
# The caller owns `set -euo pipefail`.

# Repo root, whatever the caller's working directory is.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export ROOT

# Every Debian package the project needs at build, test or run time.
# chromium, chromium-driver, python3-selenium and python3-pytest: the dashboard's
# browser tests (Tests/Dashboard, run by DashboardBrowserTests; Selenium offline).
REQUIRED_PACKAGES=(nginx libfcgi-dev libpq-dev libssl-dev libyaml-dev postgresql wrk prometheus
  chromium chromium-driver python3-selenium python3-pytest)

# Where the Swift toolchain lives on our machines when it is not on PATH.
SWIFT_TOOLCHAIN_BIN=/opt/swift/usr/bin

log() { printf '%s %s\n' "[$(date +%H:%M:%S)]" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $(id -u) -eq 0 ]]; }

# Runs a command with root rights: directly as root, through sudo otherwise.
as_root() {
  if is_root; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

# PostgreSQL refuses to run as root, so as root we drop to the `postgres`
# user that the Debian package creates; otherwise the current user owns it all.
as_postgres() {
  if is_root; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

# Gives a directory to the user that PostgreSQL runs as (no-op when not root).
chown_postgres() {
  if is_root; then
    chown postgres:postgres "$@"
  fi
}

# The account `convergence serve` runs its children as when started as root
# (the shipped systemd unit's User=), and the group nginx's workers run as:
# only that group may use the FastCGI socket.
SERVICE_USER=convergence
NGINX_GROUP=www-data

# Creates the service account once (a system user without a home or a login
# shell); no-op when not root, where everything runs as the current user.
ensure_service_user() {
  is_root || return 0
  getent passwd "$SERVICE_USER" >/dev/null && return 0
  log "creating system user $SERVICE_USER"
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$SERVICE_USER"
}

# ensure_secret FILE: a random password (hex) in FILE, mode 0600, made once
# and never printed.
ensure_secret() {
  [[ -s $1 ]] && return 0
  (
    umask 077
    openssl rand -hex 24 >"$1"
  )
}

package_installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

# Installs whatever is missing, so a fresh Debian 12 machine needs no manual
# step. apt-get update runs only when something has to be installed.
ensure_packages() {
  local missing=() pkg
  for pkg in "${REQUIRED_PACKAGES[@]}"; do
    package_installed "$pkg" || missing+=("$pkg")
  done
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  if ((${#missing[@]} == 0)); then
    return 0
  fi
  log "installing missing packages: ${missing[*]}"
  as_root apt-get update
  # The full list, not just the missing ones, keeps the command identical on
  # every machine; apt skips what is already there.
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
    "${REQUIRED_PACKAGES[@]}" openssl curl
}

# Puts the Swift toolchain on PATH when it is not there already.
ensure_swift() {
  if ! command -v swift >/dev/null 2>&1; then
    [[ -x $SWIFT_TOOLCHAIN_BIN/swift ]] || die "swift not found on PATH nor in $SWIFT_TOOLCHAIN_BIN"
    PATH="$SWIFT_TOOLCHAIN_BIN:$PATH"
    export PATH
  fi
}

build_release() {
  ensure_swift
  log "swift build -c release"
  # One compiler at a time on a small machine, also across checkouts.
  (cd "$ROOT" && flock /tmp/convergence-build.lock swift build -c release >&2)
}

# ---------------------------------------------------------------- PostgreSQL

# Debian installs the server binaries outside PATH, one directory per major
# version; the newest one is the one we want.
pg_bindir() {
  local dir
  dir="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null |
    sort -V | tail -n 1)"
  [[ -n $dir && -x $dir/initdb ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql"
  printf '%s\n' "$dir"
}

# The data directory must exist and belong to the server's user; pg_ctl and
# initdb insist on mode 0700.
pg_prepare_dir() {
  mkdir -p "$1"
  chmod 0700 "$1"
  chown_postgres "$1"
}

# Fails with a clear message when the postgres user cannot reach a path
# (e.g. a repo under /root or a home directory with mode 0700).
pg_check_reachable() {
  local path=$1
  if is_root && ! runuser -u postgres -- test -x "$path"; then
    die "the postgres user cannot traverse $path; move the repo (e.g. under /srv or /work) or grant o+x on each parent directory"
  fi
}

# pg_init DATA_DIR [initdb args...]: creates a cluster once. Extra arguments
# go to initdb (tests may pass --no-sync; the dev stack keeps fsync).
pg_init() {
  local data=$1 bindir
  shift
  [[ -f $data/PG_VERSION ]] && return 0
  bindir="$(pg_bindir)"
  pg_prepare_dir "$data"
  log "initdb $data"
  as_postgres "$bindir/initdb" -D "$data" -A trust -U postgres -E UTF8 --locale=C.UTF-8 "$@" >/dev/null
  # Our settings live in their own file so that pg_start can rewrite them
  # without editing postgresql.conf or fighting shell quoting in pg_ctl -o.
  printf "include_if_exists = 'convergence.conf'\n" >>"$data/postgresql.conf"
}

# pg_set_superuser_password DATA_DIR PASSWORD_FILE: gives the `postgres` role
# the password in the file, through single-user mode while the cluster is
# stopped (no trust connection needed, the password never reaches argv or a
# log), once: a marker in the data directory records it.
pg_set_superuser_password() {
  local data=$1 file=$2 bindir
  [[ -f $data/convergence-password-set ]] && return 0
  bindir="$(pg_bindir)"
  # Its output stays unseen: an error would echo the statement, password included.
  printf "ALTER ROLE postgres PASSWORD '%s';\n" "$(cat "$file")" |
    as_postgres "$bindir/postgres" --single -D "$data" postgres >/dev/null 2>&1 ||
    die "could not set the PostgreSQL superuser password (postgres --single on $data failed)"
  touch "$data/convergence-password-set"
  chown_postgres "$data/convergence-password-set"
}

# Exit status 0 when a server runs on DATA_DIR.
pg_running() {
  local data=$1
  [[ -f $data/postmaster.pid ]] || return 1
  as_postgres "$(pg_bindir)/pg_ctl" -D "$data" status >/dev/null 2>&1
}

pg_pid() {
  head -n 1 "$1/postmaster.pid" 2>/dev/null
}

# pg_start DATA_DIR SOCKET_DIR LOGFILE [CLIENT_GROUP]: unix socket only (no
# TCP port to collide with another PostgreSQL on the machine), waits until it
# accepts connections. With CLIENT_GROUP (the dev stack): every connection
# needs a password (SCRAM; our own hba file, whatever initdb wrote), and the
# socket directory is mode 0750 with that group (0700 when not root): only
# PostgreSQL, that group and root reach the socket. Without it (benchmarks),
# initdb's trust on a socket directory anyone can enter.
pg_start() {
  local data=$1 sockdir=$2 logfile=$3 client_group=${4:-} bindir
  bindir="$(pg_bindir)"
  if pg_running "$data"; then
    return 0
  fi
  mkdir -p "$sockdir" "$(dirname "$logfile")"
  chown_postgres "$sockdir"
  touch "$logfile"
  chown_postgres "$logfile"
  local hba=''
  if [[ -n $client_group ]]; then
    if is_root; then
      chown "postgres:$client_group" "$sockdir"
      chmod 0750 "$sockdir"
    else
      chmod 0700 "$sockdir"
    fi
    printf '# Written by scripts/lib/common.sh pg_start: a password for everyone.\nlocal all all scram-sha-256\n' \
      >"$data/convergence_hba.conf"
    chown_postgres "$data/convergence_hba.conf"
    hba="hba_file = '$data/convergence_hba.conf'"
  fi
  cat >"$data/convergence.conf" <<EOF
# Written by scripts/lib/common.sh pg_start; rewritten at every start.
listen_addresses = ''
unix_socket_directories = '$sockdir'
port = 5432
password_encryption = 'scram-sha-256'
$hba
EOF
  chown_postgres "$data/convergence.conf"
  as_postgres "$bindir/pg_ctl" -D "$data" -l "$logfile" -w -t 60 start >/dev/null ||
    die "PostgreSQL did not start; see $logfile"
  pg_wait_ready "$sockdir"
}

pg_wait_ready() {
  local sockdir=$1 bindir i
  bindir="$(pg_bindir)"
  for ((i = 0; i < 60; i++)); do
    if "$bindir/pg_isready" -q -h "$sockdir" -p 5432 -U postgres; then
      return 0
    fi
    sleep 0.5
  done
  die "PostgreSQL at $sockdir is not ready after 30 s"
}

# pg_stop DATA_DIR: fast shutdown (rolls back open transactions, no waiting
# for clients); quiet when nothing runs.
pg_stop() {
  local data=$1
  pg_running "$data" || return 0
  as_postgres "$(pg_bindir)/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null
}

pg_psql() {
  local sockdir=$1
  shift
  "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h "$sockdir" -p 5432 -U postgres "$@"
}

# pg_ensure_db SOCKET_DIR [PASSWORD_FILE]: role and database `convergence`,
# created once; with PASSWORD_FILE the role's password is set from it (through
# psql's stdin: never in argv). Superuser keeps dev simple (migrations may
# create schemas and extensions).
pg_ensure_db() {
  local sockdir=$1 password_file=${2:-}
  if [[ -z $(pg_psql "$sockdir" -d postgres -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'convergence'") ]]; then
    pg_psql "$sockdir" -d postgres -c "CREATE ROLE convergence LOGIN SUPERUSER"
  fi
  if [[ -n $password_file ]]; then
    printf "ALTER ROLE convergence PASSWORD '%s';\n" "$(cat "$password_file")" | pg_psql "$sockdir" -d postgres
  fi
  if [[ -z $(pg_psql "$sockdir" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'convergence'") ]]; then
    pg_psql "$sockdir" -d postgres -c "CREATE DATABASE convergence OWNER convergence"
  fi
}

# libpq URI for a unix-socket server in SOCKET_DIR.
pg_url() {
  printf 'postgresql:///%s?host=%s&user=convergence\n' "${2:-convergence}" "$1"
}

# --------------------------------------------------------------------- nginx

nginx_bin() {
  local bin
  bin="$(command -v nginx 2>/dev/null || true)"
  [[ -n $bin ]] || bin=/usr/sbin/nginx
  [[ -x $bin ]] || die "nginx not found"
  printf '%s\n' "$bin"
}

# `-e` (nginx >= 1.19.5) keeps even the pre-config error log inside PREFIX, so
# nginx never touches /var/log/nginx.
nginx_supports_e() {
  local version
  version="$("$(nginx_bin)" -v 2>&1 | sed -n 's|.*nginx/\([0-9.]*\).*|\1|p')"
  [[ $(printf '%s\n1.19.5\n' "$version" | sort -V | head -n 1) == 1.19.5 ]]
}

# nginx_run PREFIX [nginx args...]: nginx on a config rendered by
# scripts/lib/render-nginx.sh into PREFIX.
nginx_run() {
  local prefix
  # nginx resolves a relative -c against its prefix, not against our cwd.
  prefix="$(cd "$1" && pwd)"
  shift
  local args=(-p "$prefix" -c "$prefix/conf/nginx.conf")
  if nginx_supports_e; then
    args+=(-e "$prefix/logs/error.log")
  fi
  "$(nginx_bin)" "${args[@]}" "$@"
}

nginx_pid() {
  cat "$1/logs/nginx.pid" 2>/dev/null
}

nginx_running() {
  local pid
  pid="$(nginx_pid "$1")" || return 1
  pid_alive "$pid" nginx
}

nginx_start() {
  local prefix=$1
  nginx_running "$prefix" && return 0
  nginx_run "$prefix" -q -t || die "nginx config test failed for $prefix"
  nginx_run "$prefix"
}

# Graceful quit (in-flight requests finish), then the hard way after 15 s.
nginx_stop() {
  local prefix=$1 pid
  nginx_running "$prefix" || return 0
  pid="$(nginx_pid "$prefix")"
  nginx_run "$prefix" -s quit 2>/dev/null || kill -QUIT "$pid" 2>/dev/null || true
  wait_pid_gone "$pid" 15 || kill -TERM "$pid" 2>/dev/null || true
  wait_pid_gone "$pid" 5 || true
}

# ------------------------------------------------------------------ processes

# proc_running PID: the process exists and is not a zombie. Daemons are
# re-parented to PID 1, which on some machines (containers, micro-VMs) reaps
# late: `kill -0` alone would report a dead daemon as alive.
proc_running() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  state="$(sed -e 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1)" || return 1
  [[ -n $state && $state != Z ]]
}

# pid_alive PID [WORD]: the process exists and, when WORD is given, its
# command line contains WORD (guards against a stale pid file whose pid was
# reused by an unrelated process).
pid_alive() {
  local pid=$1 word=${2:-}
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  proc_running "$pid" || return 1
  [[ -z $word ]] && return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$word"
}

# wait_until SECONDS COMMAND...: runs COMMAND every 0.1 s; 0 once it succeeds.
wait_until() {
  local seconds=$1 i
  shift
  for ((i = 0; i < seconds * 10; i++)); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}

# wait_pid_gone PID SECONDS: 0 once the process has exited.
wait_pid_gone() { wait_until "$2" pid_gone "$1"; }
pid_gone() { ! proc_running "$1"; }

# wait_for_socket PATH SECONDS
wait_for_socket() { wait_until "$2" test -S "$1"; }

# wait_for_http_ok URL SECONDS: 0 once URL answers 2xx.
wait_for_http_ok() { wait_until "$2" curl -fsS -o /dev/null --max-time 2 "$1"; }

# group_has_live_members PGID: some non-zombie process is still in the group.
group_has_live_members() {
  ps -e -o pgid=,stat= | awk -v g="$1" '$1 == g && $2 !~ /^Z/ { found = 1 } END { exit !found }'
}

# stop_process_group PID SECONDS: SIGTERM to PID (the supervisor drains and
# stops its workers), SIGKILL to its whole process group after SECONDS. The
# group exists because we start daemons with setsid, so pgid == pid.
stop_process_group() {
  local pid=$1 seconds=$2
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_pid_gone "$pid" "$seconds"; then
    log "pid $pid still running after ${seconds}s: SIGKILL to its process group"
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
    wait_pid_gone "$pid" 5 || true
  fi
  # Leftover members of the group (workers that outlived their supervisor)
  # would keep the socket busy: they go too.
  if group_has_live_members "$pid"; then
    log "process group $pid outlived its leader: SIGKILL"
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
}
