# Shared helpers for the project's set-up scripts: install only what is missing, idempotently.
# Sourced by scripts/*.sh; every function is safe to call again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VAR="$ROOT/var"
RUN_DIR="$VAR/run"
VENV="$ROOT/.venv"
mkdir -p "$RUN_DIR"

log() { printf '[fct-bridge] %s\n' "$*" >&2; }
die() { printf '[fct-bridge] error: %s\n' "$*" >&2; exit 1; }

_apt_updated=""
apt_install() {
  # apt_install PKG... : installs the Debian packages that are not installed yet.
  local missing=()
  for pkg in "$@"; do
    case "$pkg" in *-) continue ;; esac
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "need root to install Debian packages: ${missing[*]}"
  if [ -z "$_apt_updated" ]; then
    log "apt-get update"
    apt-get update -qq >/dev/null
    _apt_updated=1
  fi
  log "installing Debian packages: ${missing[*]}"
  # The trailing '-' entries keep Apache out: the wordpress package would pull it in.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    libapache2-mod-php8.2- apache2-bin- >/dev/null
}

ensure_python() {
  command -v python3 >/dev/null 2>&1 && python3 -c 'import venv, ensurepip' 2>/dev/null && return 0
  apt_install python3 python3-venv python3-pip
}

ensure_venv() {
  # ensure_venv EXTRAS : a virtualenv with the project installed (editable) and the given extras.
  local extras="${1:-test}"
  ensure_python
  [ -x "$VENV/bin/python" ] || { log "creating virtualenv $VENV"; python3 -m venv "$VENV"; }
  local stamp="$VENV/.fct-installed-$extras"
  local want
  want="$(sha256sum "$ROOT/pyproject.toml" | cut -c1-16)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    log "installing Python dependencies ($extras)"
    "$VENV/bin/pip" install -q --disable-pip-version-check -e "$ROOT[$extras]" 2>&1 \
      | grep -v "is ignored: it is neither a file nor a directory" >&2 || true
    "$VENV/bin/python" -c 'import bridge' || die "the Python package did not install"
    echo "$want" > "$stamp"
  fi
}

ensure_php() {
  command -v php >/dev/null 2>&1 && php -r 'exit(function_exists("openssl_encrypt") ? 0 : 1);' && return 0
  apt_install php-cli
}

ensure_php_for_fluentcart() {
  # FluentCart's activation crashes without mbstring; its order e-mails (and so its webhook handling)
  # need DOMDocument from php-xml (../shared/docs/fluentcart-peer.md).
  ensure_php
  php -r 'exit(extension_loaded("mbstring") && class_exists("DOMDocument") ? 0 : 1);' && return 0
  apt_install php-mbstring php-xml
}

# --- MariaDB -------------------------------------------------------------------------------------
# Sets DB_ADMIN (a mariadb client command line with admin rights), DB_HOST, DB_PORT.
_tcp_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

ensure_mariadb() {
  DB_HOST=127.0.0.1
  DB_PORT="${FCT_DB_PORT:-3306}"
  command -v mariadb >/dev/null 2>&1 || apt_install mariadb-client
  if mariadb -h "$DB_HOST" -P "$DB_PORT" -u root -e 'SELECT 1' >/dev/null 2>&1; then
    DB_ADMIN=(mariadb -h "$DB_HOST" -P "$DB_PORT" -u root)
    return 0
  fi
  if mariadb -e 'SELECT 1' >/dev/null 2>&1 && _tcp_open "$DB_HOST" "$DB_PORT"; then
    DB_ADMIN=(mariadb)
    return 0
  fi
  if _tcp_open "$DB_HOST" "$DB_PORT"; then
    # A server with credentials we do not have: leave it alone and run a private one.
    _start_private_mariadb
    return 0
  fi
  [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
  install -d -o mysql -g root /run/mysqld
  install -d -o mysql -g mysql "$RUN_DIR/mysql-log"
  log "starting MariaDB on $DB_HOST:$DB_PORT"
  start-stop-daemon --start --oknodo --background --make-pidfile --pidfile "$RUN_DIR/mariadb.pid" \
    --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1 --port="$DB_PORT" \
    --log-error="$RUN_DIR/mysql-log/mariadb.err"
  _wait_for_mariadb mariadb || die "MariaDB did not start; see $RUN_DIR/mysql-log/mariadb.err"
  if mariadb -h "$DB_HOST" -P "$DB_PORT" -u root -e 'SELECT 1' >/dev/null 2>&1; then
    DB_ADMIN=(mariadb -h "$DB_HOST" -P "$DB_PORT" -u root)
  else
    DB_ADMIN=(mariadb)
  fi
}

_wait_for_mariadb() {
  local i
  for i in $(seq 1 600); do
    "$@" -e 'SELECT 1' >/dev/null 2>&1 && return 0
    sleep 0.05
  done
  return 1
}

_start_private_mariadb() {
  DB_PORT=3307
  local data="$VAR/mysql-data" sock="$RUN_DIR/mysqld-private.sock"
  [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
  if ! mariadb -S "$sock" -e 'SELECT 1' >/dev/null 2>&1; then
    install -d -o mysql -g mysql "$data" "$RUN_DIR"
    chown mysql "$RUN_DIR"
    [ -d "$data/mysql" ] || mariadb-install-db --user=mysql --datadir="$data" \
      --auth-root-authentication-method=socket --skip-test-db >/dev/null
    log "starting a private MariaDB on $DB_HOST:$DB_PORT"
    start-stop-daemon --start --oknodo --background --make-pidfile --pidfile "$RUN_DIR/mariadb-private.pid" \
      --exec /usr/sbin/mariadbd -- --no-defaults --user=mysql --datadir="$data" --socket="$sock" \
      --port="$DB_PORT" --bind-address=127.0.0.1 --skip-log-bin
    _wait_for_mariadb mariadb -S "$sock" || die "private MariaDB did not start"
  fi
  DB_ADMIN=(mariadb -S "$sock")
}

ensure_db_user() {
  # ensure_db_user USER PASSWORD DB_PATTERN : an account that may create/drop databases matching the pattern.
  local user="$1" pass="$2" pattern="$3"
  "${DB_ADMIN[@]}" <<SQL
CREATE USER IF NOT EXISTS '$user'@'localhost' IDENTIFIED BY '$pass';
CREATE USER IF NOT EXISTS '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
ALTER USER '$user'@'localhost' IDENTIFIED BY '$pass';
ALTER USER '$user'@'127.0.0.1' IDENTIFIED BY '$pass';
GRANT ALL PRIVILEGES ON \`$pattern\`.* TO '$user'@'localhost';
GRANT ALL PRIVILEGES ON \`$pattern\`.* TO '$user'@'127.0.0.1';
SQL
}

secret_file() {
  # secret_file NAME : a random secret kept in var/ so re-runs reuse it.
  local f="$VAR/$1"
  [ -s "$f" ] || { umask 077; head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' > "$f"; }
  cat "$f"
}

# --- Random values, background servers (used by site.sh) ------------------------------------------

random_string() {
  # random_string LENGTH [TR_SET] : LENGTH random characters drawn from TR_SET (default letters and digits).
  # `tr` dies of SIGPIPE once `head` has enough; `|| true` keeps that from failing under pipefail.
  { LC_ALL=C tr -dc "${2:-A-Za-z0-9}" </dev/urandom || true; } | head -c "$1"
}

persisted_secret() {
  # persisted_secret FILE LENGTH [TR_SET] : a random value created once in FILE (mode 600), reused after,
  # so that re-runs keep passwords, salts and shared secrets stable.
  local f="$1"
  if [ ! -s "$f" ]; then
    mkdir -p "$(dirname "$f")"
    (umask 077 && random_string "$2" "${3:-A-Za-z0-9}" > "$f.tmp" && mv "$f.tmp" "$f")
  fi
  cat "$f"
}

pid_running() {
  # pid_running PIDFILE MARKER : prints the pid and succeeds when PIDFILE names a live process whose
  # command line contains MARKER; the marker keeps a recycled pid from being mistaken for our server.
  local pid
  [ -s "$1" ] || return 1
  pid="$(cat "$1")"
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  _pid_alive "$pid" || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$2" || return 1
  printf '%s\n' "$pid"
}

_pid_alive() {
  # A zombie nobody reaps (some container inits do not) counts as dead.
  local state
  state="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
  case "$state" in '' | Z*) return 1 ;; esac
}

start_server() {
  # start_server PIDFILE LOGFILE CMD... : runs CMD in the background and records its pid.
  # A plain simple command, so that $! is the server itself and not a subshell (gotcha 11);
  # setsid gives it its own process group, which holds any forked workers too (gotcha 12).
  # fd 9 is closed in the server: callers hold their lock on it (see site.sh), which must not outlive them.
  local pidfile="$1" logfile="$2"
  shift 2
  [ -f "$logfile" ] && mv -f "$logfile" "$logfile.1"
  setsid "$@" </dev/null >"$logfile" 2>&1 9>&- &
  printf '%s\n' "$!" >"$pidfile"
}

_server_pids() {
  # The server, the members of its process group and its descendants (php -S workers).
  local pid="$1"
  ps -e -o pid=,ppid=,pgid= | awk -v root="$pid" '
    { ppid[$1] = $2; pgid[$1] = $3 }
    END {
      keep[root] = 1
      do {
        grew = 0
        for (p in ppid) if (!(p in keep) && ((ppid[p] in keep) || pgid[p] == root)) { keep[p] = 1; grew = 1 }
      } while (grew)
      for (p in keep) print p
    }'
}

stop_server() {
  # stop_server PIDFILE MARKER NAME : TERM the server and its workers, KILL whatever is left after 10 s,
  # then remove the pid file. Processes whose command line holds MARKER are stopped too: workers that
  # outlived their parent (gotcha 12) and servers whose pid file was lost.
  local pidfile="$1" marker="$2" name="$3" pid pids=()
  if pid="$(pid_running "$pidfile" "$marker")"; then
    mapfile -t pids < <(_server_pids "$pid")
  fi
  mapfile -t -O "${#pids[@]}" pids < <(marked_pids "$marker")
  [ ${#pids[@]} -eq 0 ] || mapfile -t pids < <(printf '%s\n' "${pids[@]}" | sort -un)
  [ ${#pids[@]} -eq 0 ] || _terminate "$name" "${pids[@]}"
  rm -f "$pidfile"
}

marked_pids() {
  # marked_pids MARKER : live processes whose command line contains MARKER, except this shell and its
  # ancestors (a caller's own command line may quote the marker). The marker travels in the
  # environment so that awk's own command line does not match.
  ps -e -ww -o pid=,ppid=,stat=,args= | MARKER="$1" SELF="${BASHPID:-$$}" awk '
    { ppid[$1] = $2; if ($3 !~ /^Z/ && index($0, ENVIRON["MARKER"])) hit[$1] = 1 }
    END {
      for (p = ENVIRON["SELF"]; p > 1; p = ppid[p]) { delete hit[p]; if (!(p in ppid)) break }
      for (p in hit) print p
    }'
}

_terminate() {
  # _terminate NAME PID... : TERM, wait up to 10 s, then KILL.
  local name="$1" p
  shift
  log "stopping $name (pid $*)"
  kill -TERM "$@" 2>/dev/null || true
  _wait_all_dead 10 "$@" && return 0
  log "$name did not stop within 10 s: sending KILL"
  kill -KILL "$@" 2>/dev/null || true
  _wait_all_dead 2 "$@" && return 0
  for p in "$@"; do _pid_alive "$p" && die "could not stop $name: pid $p is still running"; done
  return 0
}

_wait_all_dead() {
  # _wait_all_dead SECONDS PID... : until none of the PIDs is alive.
  local deadline=$(($(_now_us) + $1 * 1000000))
  shift
  while _any_alive "$@"; do
    [ "$(_now_us)" -lt "$deadline" ] || return 1
    sleep 0.05
  done
}

_now_us() {
  local t="${EPOCHREALTIME//[.,]/}"
  echo "$((10#$t))"
}

_any_alive() {
  local p
  for p in "$@"; do _pid_alive "$p" && return 0; done
  return 1
}

http_status() {
  # http_status URL : the HTTP status code, 000 when nothing answers.
  curl -s -o /dev/null --max-time 5 -w '%{http_code}' "$1" || true
}

wait_for_http() {
  # wait_for_http URL SECONDS PID : until URL answers 200; gives up early if PID exits.
  local url="$1" deadline=$(($(_now_us) + $2 * 1000000)) pid="$3"
  while [ "$(_now_us)" -lt "$deadline" ]; do
    [ "$(http_status "$url")" = 200 ] && return 0
    _pid_alive "$pid" || return 1
    sleep 0.05
  done
  return 1
}

port_listener() {
  # port_listener PORT : the `ss` line of whatever listens on 127.0.0.1:PORT (empty when free).
  ss -Hltnp "( sport = :$1 )" 2>/dev/null || true
}
