#!/usr/bin/env bash
# Renders a complete, runnable nginx config for dev, tests and benchmarks:
#
#   scripts/lib/render-nginx.sh --prefix DIR --socket /abs/path.sock \
#       --http-port N --https-port N [--no-keep-conn]
#
# Writes DIR/conf/{nginx.conf,convergence-http.conf,convergence.conf,
# convergence-tls.conf}, a
# self-signed certificate DIR/conf/{cert,key}.pem (kept if present), creates
# DIR/logs and DIR/tmp, and prints the path of nginx.conf. Start it with
#   nginx -p DIR -c DIR/conf/nginx.conf -e DIR/logs/error.log
# (or nginx_run/nginx_start from scripts/lib/common.sh).
#
# The snippets are copied from nginx/snippets/ with only the socket path, the
# access-log path and the dashboard's root (the repository instead of
# /usr/local/share/convergence) replaced, so every dev run and test exercises the
# shipped snippets. --no-keep-conn removes the upstream's keepalive lines and
# `fastcgi_keep_conn on`: one connection per request, the benchmark's variant
# for the C libfcgi floor (whose blocking threads a kept connection would pin),
# never a shipped setting.
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

SHIPPED_SOCKET=/run/convergence/convergence.sock
SHIPPED_ACCESS_LOG=/var/log/nginx/convergence.access.log
# Where production installs the dashboard/ and configs/ trees; dev and tests
# serve them from the repository itself.
SHIPPED_SHARE_DIR=/usr/local/share/convergence

usage() {
  echo "usage: $0 --prefix DIR --socket /abs/path.sock --http-port N --https-port N [--no-keep-conn]" >&2
  exit 2
}

# Escapes a string for the replacement side of a sed s||| expression.
sed_escape() {
  printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'
}

parse_args() {
  PREFIX='' SOCKET='' HTTP_PORT='' HTTPS_PORT='' KEEP_CONN=true
  while (($#)); do
    case $1 in
      --prefix) PREFIX=${2:-}; shift 2 ;;
      --socket) SOCKET=${2:-}; shift 2 ;;
      --http-port) HTTP_PORT=${2:-}; shift 2 ;;
      --https-port) HTTPS_PORT=${2:-}; shift 2 ;;
      --no-keep-conn) KEEP_CONN=false; shift ;;
      *) usage ;;
    esac
  done
  [[ -n $PREFIX && -n $SOCKET && -n $HTTP_PORT && -n $HTTPS_PORT ]] || usage
  [[ $SOCKET == /* ]] || die "--socket must be an absolute path: $SOCKET"
  [[ $HTTP_PORT =~ ^[0-9]+$ && $HTTPS_PORT =~ ^[0-9]+$ ]] || die "ports must be numbers"
  # nginx resolves relative paths against its own prefix, not our cwd.
  mkdir -p "$PREFIX"
  PREFIX="$(cd "$PREFIX" && pwd)"
}

# As root, nginx workers run as www-data: they must traverse the prefix (the
# master opens logs and certificates as root; temp dirs are created and
# chowned by nginx itself at start).
prepare_dirs() {
  mkdir -p "$PREFIX/conf" "$PREFIX/logs" "$PREFIX/tmp"
  chmod 0755 "$PREFIX" "$PREFIX/conf" "$PREFIX/logs" "$PREFIX/tmp"
}

make_certificate() {
  [[ -s $PREFIX/conf/cert.pem && -s $PREFIX/conf/key.pem ]] && return 0
  log "generating self-signed certificate in $PREFIX/conf"
  (
    umask 077
    openssl req -x509 -newkey rsa:2048 -nodes -days 365 \
      -subj /CN=localhost \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
      -keyout "$PREFIX/conf/key.pem" -out "$PREFIX/conf/cert.pem" 2>/dev/null
  )
  chmod 0644 "$PREFIX/conf/cert.pem"
}

render_snippets() {
  local socket access_log keepalive_cmd=() keep_conn_cmd=()
  socket="$(sed_escape "$SOCKET")"
  access_log="$(sed_escape "$PREFIX/logs/access.log")"
  if ! $KEEP_CONN; then
    keepalive_cmd=(-e '/^ *keepalive\(_timeout\|_time\|_requests\)\{0,1\} [^;]*;/d')
    keep_conn_cmd=(-e '/^ *fastcgi_keep_conn on;/d')
  fi
  sed -e "s|$SHIPPED_SOCKET|$socket|g" "${keepalive_cmd[@]}" \
    "$ROOT/nginx/snippets/convergence-http.conf" >"$PREFIX/conf/convergence-http.conf"
  sed -e "s|$SHIPPED_ACCESS_LOG|$access_log|g" \
    -e "s|$SHIPPED_SHARE_DIR|$(sed_escape "$ROOT")|g" "${keep_conn_cmd[@]}" \
    "$ROOT/nginx/snippets/convergence.conf" >"$PREFIX/conf/convergence.conf"
  cp "$ROOT/nginx/snippets/convergence-tls.conf" "$PREFIX/conf/convergence-tls.conf"
  # A silent no-op substitution would leave the dev stack talking to
  # /run/convergence: refuse instead.
  grep -q "server unix:$SOCKET;" "$PREFIX/conf/convergence-http.conf" ||
    die "socket path substitution failed in convergence-http.conf"
  if grep -q "$SHIPPED_ACCESS_LOG" "$PREFIX/conf/convergence.conf"; then
    die "access log substitution failed in convergence.conf"
  fi
  if grep -q "$SHIPPED_SHARE_DIR" "$PREFIX/conf/convergence.conf"; then
    die "dashboard root substitution failed in convergence.conf"
  fi
  if ! $KEEP_CONN && grep -h -v '^ *#' "$PREFIX/conf/convergence-http.conf" "$PREFIX/conf/convergence.conf" |
    grep -q '^ *keepalive \|fastcgi_keep_conn'; then
    die "--no-keep-conn left keep-alive settings in the rendered snippets"
  fi
}

render_main() {
  local user_directive=''
  if is_root; then
    user_directive='user www-data;'
  fi
  sed -e "s|@PREFIX@|$(sed_escape "$PREFIX")|g" \
    -e "s|@HTTP_PORT@|$HTTP_PORT|g" \
    -e "s|@HTTPS_PORT@|$HTTPS_PORT|g" \
    -e "s|@USER_DIRECTIVE@|$user_directive|g" \
    "$ROOT/nginx/convergence-dev.conf.template" >"$PREFIX/conf/nginx.conf"
}

main() {
  parse_args "$@"
  prepare_dirs
  make_certificate
  render_snippets
  render_main
  printf '%s\n' "$PREFIX/conf/nginx.conf"
}

main "$@"
