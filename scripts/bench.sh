#!/usr/bin/env bash
# bench.sh [--quick] [--phases LIST] [--keep]
#
# The webhook benchmark, on loopback, everything side by side in one run (≈ 4-5 minutes):
#   - the sidecar's POST /webhooks/stripe: durable-ack throughput at saturation (wrk), ack latency at fixed
#     offered rates (open loop), apply throughput draining a backlog, drain lag at 500/s, a py-spy profile;
#   - an in-WordPress PHP handler doing the same work (bench/php/webhook-handler.php);
#   - the plugin's proxy URL (WordPress + plugin forwarding to the sidecar);
#   - the floor (bench/floor.py): the least a durable receiver does (verify, INSERT, 200), committing each
#     event and with group commit, so every sidecar figure has a ratio to it.
# It brings up a dedicated site 'bench' (scripts/site.sh) with a test-mode webhook signing secret, serves
# PHP with nginx + php-fpm when both are installed (else `php -S` workers), runs bench/run.py, prints one
# table and writes var/bench/results/<run>.json + .png and var/bench/profile.svg; then stops what it started.
# It installs what is missing: wrk (Debian), the venv with the `bench` extra (matplotlib, py-spy).
#
#   --quick         short phases: checks that the harness works, the figures mean little
#   --phases LIST   a subset of sidecar,apply,rates,profile,floor,php,proxy (default: all of these), and/or
#                   fluentcart (only when named): apply through FluentCart (bench/fluentcart_apply.py), a
#                   200-event backlog beside FluentCart's own processing in one PHP process, and the lag
#                   (applied_at - received_at) at 50, 100 and 200 events/s offered, 5 s each; written to
#                   var/bench/results/fluentcart-<time>.json
#   --keep          leave the bench site and the PHP server running afterwards
#
# Settings (environment):
#   FCT_BENCH_WP_PORT       19080  the bench site's WordPress (php -S, scripts/site.sh)
#   FCT_BENCH_SIDECAR_PORT  19787  the sidecar
#   FCT_BENCH_STANDIN_PORT  19420  the offline Stripe stand-in (idle during the benchmark)
#   FCT_BENCH_PHP_PORT      19081  the PHP server for the PHP handler and the plugin's proxy URL
#   FCT_BENCH_FPM_PORT      19082  php-fpm's FastCGI port (nginx + php-fpm only)
#   FCT_BENCH_FLOOR_PORT    19083  the floor receiver (bench/floor.py), started and stopped per phase
#   FCT_BENCH_PHP_SERVER    auto   fpm (nginx + php-fpm), cli (PHP_CLI_SERVER_WORKERS php -S), auto: fpm if installed
#   FCT_BENCH_PHP_WORKERS   4      php-fpm children / php -S workers
#   FCT_BENCH_TIME_LIMIT    600    seconds after which the measuring run is stopped
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

usage() {
  sed -n '2,${/^#/!q;/shellcheck/d;s/^# \{0,1\}//;p}' "$0" >&2
  exit "${1:-2}"
}

QUICK=""
PHASES=""
KEEP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1 ;;
    --phases) [ $# -ge 2 ] || usage; PHASES="$2"; shift ;;
    --phases=*) PHASES="${1#--phases=}" ;;
    --keep) KEEP=1 ;;
    -h | --help) usage 0 ;;
    *) usage ;;
  esac
  shift
done

SITE_NAME=bench
WP_PORT="${FCT_BENCH_WP_PORT:-19080}"
SIDECAR_PORT="${FCT_BENCH_SIDECAR_PORT:-19787}"
STANDIN_PORT="${FCT_BENCH_STANDIN_PORT:-19420}"
PHP_PORT="${FCT_BENCH_PHP_PORT:-19081}"
FPM_PORT="${FCT_BENCH_FPM_PORT:-19082}"
FLOOR_PORT="${FCT_BENCH_FLOOR_PORT:-19083}"
PHP_SERVER="${FCT_BENCH_PHP_SERVER:-auto}"
PHP_WORKERS="${FCT_BENCH_PHP_WORKERS:-4}"
TIME_LIMIT="${FCT_BENCH_TIME_LIMIT:-600}"
for n in "$WP_PORT" "$SIDECAR_PORT" "$STANDIN_PORT" "$PHP_PORT" "$FPM_PORT" "$FLOOR_PORT" "$PHP_WORKERS" "$TIME_LIMIT"; do
  [[ "$n" =~ ^[1-9][0-9]{0,4}$ ]] || die "not a number: '$n'"
done
case "$PHP_SERVER" in auto | fpm | cli) ;; *) die "FCT_BENCH_PHP_SERVER must be auto, fpm or cli: '$PHP_SERVER'" ;; esac

BENCH_HOME="$VAR/$SITE_NAME"
BENCH_RUN="$BENCH_HOME/run"
SITE_DIR="$BENCH_HOME/site"
RESULTS="$BENCH_HOME/results"
PHP_URL="http://127.0.0.1:$PHP_PORT"
HANDLER="$SITE_DIR/fct-bench-webhook.php"
FPM_CONF="$BENCH_RUN/bench-php-fpm.conf"
NGINX_CONF="$BENCH_RUN/bench-nginx.conf"
FPM_PID="$BENCH_RUN/bench-php-fpm.pid"
NGINX_PID="$BENCH_RUN/bench-nginx.pid"
CLI_PID="$BENCH_RUN/bench-php-cli.pid"
# Markers for stop_server: php-fpm retitles its master to "php-fpm: master process (<conf>)", nginx keeps
# "-c <conf>", and the php -S docroot has a trailing slash so that it never matches the site's own
# WordPress server (scripts/site.sh stops every process whose command line holds "-t <site> <router>").
FPM_MARKER="$FPM_CONF"
NGINX_MARKER="-c $NGINX_CONF"
CLI_MARKER="-t $SITE_DIR/ $ROOT/scripts/wp/router.php"
SITE_ENV=(FCT_SITE_NAME="$SITE_NAME" FCT_WP_PORT="$WP_PORT" FCT_SIDECAR_PORT="$SIDECAR_PORT"
  FCT_STANDIN_PORT="$STANDIN_PORT" FCT_STRIPE=standin)

install_tools() {
  apt_install wrk curl
  ensure_php
  ensure_venv "test,bench"
  [ -x "$VENV/bin/py-spy" ] || log "py-spy is not in the venv: the profile phase will be skipped"
}

write_secrets() {
  # A test-mode webhook signing secret kept in var/bench/, given to WordPress and the sidecar through
  # wp-config.php (scripts/site.sh appends wp-config.extra.php) and to the load generators through a file.
  mkdir -p "$BENCH_HOME"
  SECRET_FILE="$BENCH_HOME/webhook-test.secret"
  if [ ! -s "$SECRET_FILE" ]; then
    (umask 077 && printf 'whsec_%s\n' "$(random_string 32)" >"$SECRET_FILE")
  fi
  local secret extra="$BENCH_HOME/wp-config.extra.php" want
  secret="$(cat "$SECRET_FILE")"
  want="define( 'FCT_STRIPE_TEST_WEBHOOK_SECRET', '$secret' );"
  # Rewritten only when it changed: a changed wp-config.php restarts the sidecar.
  if [ "$(cat "$extra" 2>/dev/null)" != "$want" ]; then
    (umask 077 && printf '%s\n' "$want" >"$extra")
  fi
}

site_up() {
  log "bringing up the bench site (WordPress :$WP_PORT, sidecar :$SIDECAR_PORT)"
  if ! env "${SITE_ENV[@]}" "$ROOT/scripts/site.sh" up >"$BENCH_HOME/site-up.log" 2>&1; then
    tail -n 30 "$BENCH_HOME/site-up.log" >&2
    die "scripts/site.sh up failed (log: $BENCH_HOME/site-up.log)"
  fi
}

choose_php_server() {
  if [ "$PHP_SERVER" = auto ]; then
    if command -v nginx >/dev/null 2>&1 && command -v php-fpm8.2 >/dev/null 2>&1; then
      PHP_SERVER=fpm
    else
      PHP_SERVER=cli
    fi
  fi
  if [ "$PHP_SERVER" = fpm ]; then
    # Not installed here when missing: Debian's nginx package would start a server on :80 on some hosts.
    command -v nginx >/dev/null 2>&1 || die "FCT_BENCH_PHP_SERVER=fpm needs nginx (apt-get install nginx)"
    command -v php-fpm8.2 >/dev/null 2>&1 || die "FCT_BENCH_PHP_SERVER=fpm needs php-fpm8.2"
    PHP_LABEL="nginx + php-fpm (opcache on)"
  else
    PHP_LABEL="PHP_CLI_SERVER_WORKERS php -S (no opcache)"
  fi
}

start_php() {
  stop_php
  local port
  for port in "$PHP_PORT" "$FPM_PORT" "$FLOOR_PORT"; do
    # Another server there would silently answer in place of ours (test-environment.md, gotcha 11).
    ! _tcp_open 127.0.0.1 "$port" || die "port $port is already in use: $(port_listener "$port")"
  done
  cp "$ROOT/bench/php/webhook-handler.php" "$HANDLER"
  if [ "$PHP_SERVER" = fpm ]; then
    start_fpm
  else
    log "starting php -S on $PHP_URL ($PHP_WORKERS workers)"
    start_server "$CLI_PID" "$BENCH_RUN/bench-php-cli.log" env PHP_CLI_SERVER_WORKERS="$PHP_WORKERS" \
      php -S "127.0.0.1:$PHP_PORT" -t "$SITE_DIR/" "$ROOT/scripts/wp/router.php"
    PHP_PIDS=("$CLI_PID")
  fi
  if ! wait_for_http "$PHP_URL/wp-login.php" 20 "$(cat "${PHP_PIDS[0]}")"; then
    tail -n 20 "$BENCH_RUN"/bench-*.log >&2 || true
    die "the PHP server did not answer $PHP_URL/wp-login.php"
  fi
}

start_fpm() {
  log "starting nginx + php-fpm on $PHP_URL ($PHP_WORKERS php-fpm children, FastCGI on :$FPM_PORT)"
  # The pool runs as www-data (as in production): it must read wp-config.php (mode 640) and write the
  # debug log; scripts/site.sh rewrites wp-config.php only when it changes, so this is redone every run.
  chgrp www-data "$SITE_DIR/wp-config.php"
  touch "$SITE_DIR/wp-content/debug.log"
  chown www-data "$SITE_DIR/wp-content/debug.log"
  mkdir -p "$BENCH_RUN/nginx-temp"
  cat >"$FPM_CONF" <<EOF
; Generated by scripts/bench.sh.
[global]
pid = $BENCH_RUN/bench-php-fpm.master.pid
error_log = $BENCH_RUN/bench-php-fpm.log
daemonize = no

[bench]
user = www-data
group = www-data
listen = 127.0.0.1:$FPM_PORT
listen.allowed_clients = 127.0.0.1
pm = static
pm.max_children = $PHP_WORKERS
catch_workers_output = yes
clear_env = no
EOF
  cat >"$NGINX_CONF" <<EOF
# Generated by scripts/bench.sh.
user www-data;
worker_processes 1;
pid $BENCH_RUN/bench-nginx.master.pid;
error_log $BENCH_RUN/bench-nginx-error.log;
daemon off;
events { worker_connections 2048; }
http {
  include /etc/nginx/mime.types;
  access_log off;
  client_max_body_size 1m;
  client_body_temp_path $BENCH_RUN/nginx-temp/client_body;
  fastcgi_temp_path $BENCH_RUN/nginx-temp/fastcgi;
  proxy_temp_path $BENCH_RUN/nginx-temp/proxy;
  uwsgi_temp_path $BENCH_RUN/nginx-temp/uwsgi;
  scgi_temp_path $BENCH_RUN/nginx-temp/scgi;
  server {
    listen 127.0.0.1:$PHP_PORT;
    root $SITE_DIR;
    index index.php;
    location / { try_files \$uri \$uri/ /index.php?\$args; }
    location ~ \\.php\$ {
      try_files \$uri =404;
      include /etc/nginx/fastcgi_params;
      # Debian's fastcgi_params drops the port from HTTP_HOST (test-environment.md, gotcha 17).
      fastcgi_param HTTP_HOST \$host:\$server_port;
      fastcgi_param SCRIPT_FILENAME \$document_root\$fastcgi_script_name;
      # No FastCGI keep-alive: an fpm child bound to an idle kept connection would leave requests on the
      # other connections waiting in the listen queue (stalls of seconds at a few children).
      fastcgi_read_timeout 30s;
      fastcgi_pass 127.0.0.1:$FPM_PORT;
    }
  }
}
EOF
  php-fpm8.2 -t -y "$FPM_CONF" >/dev/null 2>&1 || die "php-fpm rejects $FPM_CONF: $(php-fpm8.2 -t -y "$FPM_CONF" 2>&1 | tail -n 3)"
  nginx -t -q -e "$BENCH_RUN/bench-nginx-error.log" -c "$NGINX_CONF" || die "nginx rejects $NGINX_CONF"
  start_server "$FPM_PID" "$BENCH_RUN/bench-php-fpm.out" php-fpm8.2 -F -y "$FPM_CONF"
  start_server "$NGINX_PID" "$BENCH_RUN/bench-nginx.out" nginx -e "$BENCH_RUN/bench-nginx-error.log" -c "$NGINX_CONF"
  PHP_PIDS=("$FPM_PID" "$NGINX_PID")
}

stop_php() {
  stop_server "$NGINX_PID" "$NGINX_MARKER" "bench nginx"
  stop_server "$FPM_PID" "$FPM_MARKER" "bench php-fpm"
  stop_server "$CLI_PID" "$CLI_MARKER" "bench php -S"
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  rm -f "$BENCH_RUN"/bench-records-*.txt
  if [ -n "$KEEP" ]; then
    log "--keep: the bench site and PHP server stay up (stop: FCT_SITE_NAME=bench scripts/site.sh down; $0 stops the PHP server on its next run)"
  else
    stop_php || true
    rm -f "$HANDLER"
    env "${SITE_ENV[@]}" "$ROOT/scripts/site.sh" down >/dev/null 2>&1 || log "scripts/site.sh down failed"
  fi
  exit "$rc"
}

main() {
  cd "$ROOT" || die "cannot enter $ROOT"
  install_tools
  write_secrets
  choose_php_server
  trap cleanup EXIT
  trap 'exit 130' INT TERM
  site_up
  start_php
  mkdir -p "$RESULTS"
  local args=(--site-env "$BENCH_HOME/site.env" --secret-file "$SECRET_FILE" --php-url "$PHP_URL"
    --php-server "$PHP_LABEL" --php-workers "$PHP_WORKERS" --out "$RESULTS" --profile-svg "$BENCH_HOME/profile.svg"
    --floor-port "$FLOOR_PORT")
  local f
  for f in "${PHP_PIDS[@]}"; do args+=(--php-pid-file "$f"); done
  [ -n "$QUICK" ] && args+=(--quick)
  local others="" fluentcart=""
  if [ -n "$PHASES" ]; then
    [[ ",$PHASES," == *,fluentcart,* ]] && fluentcart=1
    others="$(tr ',' '\n' <<<"$PHASES" | grep -vx fluentcart | paste -sd, -)"
  fi
  [ -n "$others" ] && args+=(--phases "$others")
  if [ -z "$PHASES" ] || [ -n "$others" ]; then
    log "measuring (bounded by ${TIME_LIMIT} s)"
    timeout -k 10 "$TIME_LIMIT" "$VENV/bin/python" -m bench.run "${args[@]}"
  fi
  if [ -n "$fluentcart" ]; then
    local out
    out="$RESULTS/fluentcart-$(date -u +%Y%m%dT%H%M%SZ).json"
    log "measuring apply through FluentCart (bounded by ${TIME_LIMIT} s) -> $out"
    local fc_args=(--site "$SITE_NAME" --secret-file "$SECRET_FILE" --events 200 --lag 50,100,200 --lag-seconds 5)
    [ -n "$QUICK" ] && fc_args=(--site "$SITE_NAME" --secret-file "$SECRET_FILE" --events 20 --lag 50 --lag-seconds 1)
    timeout -k 10 "$TIME_LIMIT" "$VENV/bin/python" -m bench.fluentcart_apply "${fc_args[@]}" | tee "$out"
  fi
}

main
