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
