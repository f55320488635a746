#!/usr/bin/env bash
# site.sh up | down [--purge] | restart | status
#
# A self-contained local site: WordPress (Debian's 6.1 copied into var/$FCT_SITE_NAME/site, served by
# `php -S`) with the fct-bridge plugin and the real FluentCart active (when found; else FluentCart-shaped
# tables), and the sidecar next to it.
# `up` installs only what is missing and leaves running servers alone, so it is safe to re-run; it
# always refreshes the plugin from wp_plugin_stub/ and regenerates wp-config.php (random values are
# kept in var/$FCT_SITE_NAME/*.secret). `down` stops this site's servers, never MariaDB, and keeps the
# data; `down --purge` also drops the database and deletes var/$FCT_SITE_NAME.
#
# Settings (environment):
#   FCT_SITE_NAME       demo        the site lives in var/$FCT_SITE_NAME/ (site/ docroot, run/ pids + logs)
#   FCT_WP_PORT         8080        WordPress on 127.0.0.1
#   FCT_SIDECAR_PORT    8787        the sidecar on 127.0.0.1
#   FCT_DB_NAME         fct_<name>  ('-' in the name becomes '_'); the DB user is fct_<name>_<checkout hash>
#   FCT_ADMIN_USER      admin
#   FCT_ADMIN_PASSWORD  random, kept in var/$FCT_SITE_NAME/admin-password
#   FCT_WP_WORKERS      4           php -S workers (>= 2: the plugin and the sidecar call each other)
#   FCT_PLUGIN_SRC      wp_plugin_stub/   the plugin directory copied into the site
#   FCT_STANDIN_PORT    8420        the offline Stripe stand-in (python -m standin) on 127.0.0.1
#   FCT_FLUENTCART      (search)    FluentCart to install: a .zip or .tar.gz holding fluent-cart/; unset: the
#                                   newest ../shared/peers/fluent-cart-*.tar.gz next to the project, when there
#                                   is one; 'none': run without FluentCart (FluentCart-shaped tables only).
#                                   It is unpacked into the site's wp-content/plugins/ and activated, with two
#                                   test/demo must-use plugins (scripts/wp/mu-plugins/): a WordPress 6.1 shim
#                                   and a guard that records e-mails and refuses external HTTP instead of
#                                   sending them (wp-content/fct-offline-{mail,http}.jsonl).
#   FCT_STRIPE          standin     'standin': the sidecar talks to the stand-in (offline; its Connect
#                                   platforms are ca_standin_test / ca_standin_live). 'real': Stripe itself;
#                                   then give FCT_BRIDGE_STRIPE_{TEST,LIVE}_CLIENT_ID and
#                                   FCT_BRIDGE_STRIPE_{TEST,LIVE}_PLATFORM_KEY in the environment.
#
# Extra wp-config.php statements (e.g. FCT_STRIPE_* constants) can go in
# var/$FCT_SITE_NAME/wp-config.extra.php (plain PHP statements, no `<?php`); `restart` to apply.
# A machine-readable summary is written to var/$FCT_SITE_NAME/site.env: KEY=value lines, a value
# single-quoted only when it holds shell-special characters (`source` it, or parse it with shlex).
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

SUBSCRIBER_USER=subscriber
# 64-character keys and salts from printable ASCII minus ' and \, so they need no PHP escaping.
SALT_CHARS='A-Za-z0-9!#$%&()*+,./:;<=>?@^_{|}~-'
SALT_NAMES=(AUTH_KEY SECURE_AUTH_KEY LOGGED_IN_KEY NONCE_KEY AUTH_SALT SECURE_AUTH_SALT LOGGED_IN_SALT NONCE_SALT)

usage() {
  # The header comment above is the help text.
  sed -n '2,${/^#/!q;/shellcheck/d;s/^# \{0,1\}//;p}' "$0" >&2
  exit "${1:-2}"
}

read_settings() {
  SITE_NAME="${FCT_SITE_NAME:-demo}"
  [[ "$SITE_NAME" =~ ^[A-Za-z0-9][A-Za-z0-9_-]{0,40}$ ]] \
    || die "FCT_SITE_NAME must be 1-41 letters, digits, '_' or '-': '$SITE_NAME'"
  # Its database user would be fct_test, the account scripts/test.sh owns (and re-passwords).
  [ "$SITE_NAME" != test ] || die "FCT_SITE_NAME=test is reserved for scripts/test.sh; pick another name"
  WP_PORT="${FCT_WP_PORT:-8080}"
  SIDECAR_PORT="${FCT_SIDECAR_PORT:-8787}"
  STANDIN_PORT="${FCT_STANDIN_PORT:-8420}"
  STRIPE_TARGET="${FCT_STRIPE:-standin}"
  case "$STRIPE_TARGET" in standin|real) ;; *) die "FCT_STRIPE must be 'standin' or 'real': '$STRIPE_TARGET'" ;; esac
  # Checked before anything is installed, so a mistyped path fails at once.
  FLUENTCART_ARCHIVE="$(find_fluentcart)"
  WP_WORKERS="${FCT_WP_WORKERS:-4}"
  local port
  for port in "$WP_PORT" "$SIDECAR_PORT" "$STANDIN_PORT" "$WP_WORKERS"; do
    [[ "$port" =~ ^[1-9][0-9]{0,4}$ ]] || die "not a number: '$port'"
  done
  [ "$WP_PORT" != "$SIDECAR_PORT" ] || die "FCT_WP_PORT and FCT_SIDECAR_PORT must differ"
  # MariaDB names: '-' would need quoting everywhere, so it becomes '_'.
  SITE_DB="${FCT_DB_NAME:-fct_${SITE_NAME//-/_}}"
  # One user per checkout and site: two checkouts' demos never reset each other's password.
  SITE_DB_USER="fct_${SITE_NAME//-/_}_$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)"
  [[ "$SITE_DB" =~ ^[A-Za-z0-9_]{1,64}$ ]] || die "FCT_DB_NAME must be 1-64 letters, digits or '_': '$SITE_DB'"
  ADMIN_USER="${FCT_ADMIN_USER:-admin}"
  [[ "$ADMIN_USER" =~ ^[A-Za-z0-9_.-]{1,60}$ ]] || die "FCT_ADMIN_USER must be a plain WordPress login: '$ADMIN_USER'"
  PLUGIN_SRC="${FCT_PLUGIN_SRC:-$ROOT/wp_plugin_stub}"

  SITE_HOME="$VAR/$SITE_NAME"
  SITE_DIR="$SITE_HOME/site"
  SITE_RUN="$SITE_HOME/run"
  WP_CONFIG="$SITE_DIR/wp-config.php"
  SITE_URL="http://127.0.0.1:$WP_PORT"
  # The Stripe page: registered with FluentCart active too (reached there through FluentCart's own
  # Settings › Payment Settings › Stripe › Manage), where the plugin's own "fct-bridge" menu does not exist.
  ADMIN_URL="$SITE_URL/wp-admin/admin.php?page=fct-bridge-stripe"
  SIDECAR_URL="http://127.0.0.1:$SIDECAR_PORT"
  WP_PID="$SITE_RUN/wordpress.pid"
  WP_LOG="$SITE_RUN/wordpress.log"
  SIDECAR_PID="$SITE_RUN/sidecar.pid"
  SIDECAR_LOG="$SITE_RUN/sidecar.log"
  BRIDGE="$VENV/bin/fct-bridge"
  # Command-line fragments that only this site's servers have: pid checks and clean-ups look for them.
  WP_MARKER="-t $SITE_DIR $ROOT/scripts/wp/router.php"
  SIDECAR_MARKER="--wp-config $WP_CONFIG serve"
  STANDIN_URL="http://127.0.0.1:$STANDIN_PORT"
  STANDIN_PID="$SITE_RUN/standin.pid"
  STANDIN_LOG="$SITE_RUN/standin.log"
  STANDIN_MARKER="-m standin --host 127.0.0.1 --port $STANDIN_PORT"
}

# --- up ------------------------------------------------------------------------------------------

cmd_up() {
  UP_STARTED="$EPOCHREALTIME"
  mkdir -p "$SITE_RUN"
  install_packages
  ensure_venv test
  setup_database
  install_wordpress_files
  refresh_plugin
  write_wp_config
  install_wordpress
  install_fluentcart
  log "creating FluentCart's tables"
  "$BRIDGE" --wp-config "$WP_CONFIG" schema create >&2 || die "fct-bridge schema create failed"
  start_standin
  start_sidecar
  start_wordpress
  write_site_env
  print_summary
}

install_packages() {
  local pkgs=(php-cli php-mysql wordpress wordpress-theme-twentytwentythree curl)
  # `wordpress` needs some httpd; with Apache excluded, apt would pick an arbitrary one (yaws here),
  # so name the one the test-environment recipe uses. Not needed once wordpress is installed.
  dpkg-query -W -f='${Status}' wordpress 2>/dev/null | grep -q "install ok installed" || pkgs+=(nginx)
  apt_install "${pkgs[@]}"
  ensure_php
}

setup_database() {
  ensure_mariadb
  DB_PASSWORD="$(persisted_secret "$SITE_HOME/db-password.secret" 32)"
  "${DB_ADMIN[@]}" -e "CREATE DATABASE IF NOT EXISTS \`$SITE_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
  # '_' is a wildcard in GRANT's database name: escape it so the grant covers this database only.
  ensure_db_user "$SITE_DB_USER" "$DB_PASSWORD" "${SITE_DB//_/\\_}"
}

install_wordpress_files() {
  [ -f "$SITE_DIR/wp-settings.php" ] && return 0
  [ -e "$SITE_DIR" ] && die "$SITE_DIR exists but holds no WordPress; remove it or run: $0 down --purge"
  log "copying WordPress into $SITE_DIR"
  # -L: the package's relative symlinks would dangle in a copy (gotcha 5). Copy aside, then rename,
  # so an interrupted copy is redone rather than mistaken for a site.
  rm -rf "$SITE_DIR.partial"
  cp -rL /usr/share/wordpress "$SITE_DIR.partial"
  # Debian's wp-config.php dispatches to /etc/wordpress by HTTP_HOST (gotcha 6); this site has its own.
  rm -f "$SITE_DIR.partial/wp-config.php" "$SITE_DIR.partial/.htaccess"
  mkdir -p "$SITE_DIR.partial/wp-content/plugins" "$SITE_DIR.partial/wp-content/uploads"
  mv "$SITE_DIR.partial" "$SITE_DIR"
}

refresh_plugin() {
  # Always re-copied, so plugin edits show up on re-run; swapped in by rename to keep the gap short.
  local dest="$SITE_DIR/wp-content/plugins/fct-bridge"
  [ -f "$PLUGIN_SRC/fct-bridge.php" ] || die "no plugin main file $PLUGIN_SRC/fct-bridge.php"
  rm -rf "$dest.new"
  cp -r "$PLUGIN_SRC" "$dest.new"
  rm -rf "$dest"
  mv "$dest.new" "$dest"
}

write_wp_config() {
  # Regenerated every run from the persisted secrets, so changed ports or settings always apply.
  local tmp="$WP_CONFIG.tmp" name extra="$SITE_HOME/wp-config.extra.php"
  {
    printf '%s\n' "<?php" \
      "// Generated by scripts/site.sh for the '$SITE_NAME' site; rewritten on every run." \
      "// Add your own statements to $extra instead of editing this file." \
      ""
    php_define DB_NAME "$SITE_DB"
    php_define DB_USER "$SITE_DB_USER"
    php_define DB_PASSWORD "$DB_PASSWORD"
    php_define DB_HOST "$DB_HOST:$DB_PORT"
    php_define DB_CHARSET utf8mb4
    php_define DB_COLLATE ''
    echo
    for name in "${SALT_NAMES[@]}"; do
      php_define "$name" "$(persisted_secret "$SITE_HOME/$name.secret" 64 "$SALT_CHARS")"
    done
    echo
    echo "\$table_prefix = 'wp_';"
    echo
    php_define WP_HOME "$SITE_URL"
    php_define WP_SITEURL "$SITE_URL"
    php_define_raw WP_DEBUG true
    # Notices on the page would corrupt JSON answers and headers (gotcha 7).
    php_define_raw WP_DEBUG_DISPLAY false
    php_define_raw WP_DEBUG_LOG "__DIR__ . '/wp-content/debug.log'"
    # No internet: keep WordPress from calling wordpress.org, but let the plugin reach the sidecar.
    php_define_raw WP_HTTP_BLOCK_EXTERNAL true
    php_define WP_ACCESSIBLE_HOSTS '127.0.0.1,localhost'
    php_define_raw AUTOMATIC_UPDATER_DISABLED true
    php_define_raw WP_AUTO_UPDATE_CORE false
    php_define_raw DISABLE_WP_CRON true
    php_define FS_METHOD direct
    echo
    php_define FCT_BRIDGE_URL "$SIDECAR_URL"
    php_define FCT_BRIDGE_SECRET "$(persisted_secret "$SITE_HOME/bridge.secret" 48)"
    if [ -f "$extra" ]; then
      printf '\n// From %s\n' "$extra"
      sed '1{/^<?php/d}' "$extra"
    fi
    printf '%s\n' "" "if ( ! defined( 'ABSPATH' ) ) {" "	define( 'ABSPATH', __DIR__ . '/' );" "}" \
      "require_once ABSPATH . 'wp-settings.php';"
  } >"$tmp"
  chmod 640 "$tmp"
  WP_CONFIG_CHANGED=""
  if cmp -s "$tmp" "$WP_CONFIG"; then
    rm -f "$tmp"
  else
    # Remembered so that a running sidecar, which reads wp-config.php once at start, is restarted.
    [ -f "$WP_CONFIG" ] && WP_CONFIG_CHANGED=1
    mv "$tmp" "$WP_CONFIG"
  fi
}

php_define() {
  # php_define NAME VALUE : a string constant. Values never contain ' or \ (checked, not escaped).
  case "$2" in *"'"* | *\\*) die "refusing to write $1: its value contains a quote or backslash" ;; esac
  printf "define( '%s', '%s' );\n" "$1" "$2"
}

php_define_raw() {
  printf "define( '%s', %s );\n" "$1" "$2"
}

install_wordpress() {
  ADMIN_PASSWORD="${FCT_ADMIN_PASSWORD:-$(persisted_secret "$SITE_HOME/admin-password" 20)}"
  SUBSCRIBER_PASSWORD="$(persisted_secret "$SITE_HOME/subscriber-password" 20)"
  local out
  log "installing WordPress and activating the plugin"
  if ! out="$(php "$ROOT/scripts/wp/install.php" "$SITE_DIR" "$SITE_URL" "$ADMIN_USER" "$ADMIN_PASSWORD" \
    "$ADMIN_USER@example.com" "$SUBSCRIBER_USER" "$SUBSCRIBER_PASSWORD")"; then
    [ -n "$out" ] && printf '%s\n' "$out" >&2
    tail_log "$SITE_DIR/wp-content/debug.log"
    die "the WordPress install failed"
  fi
  case "$out" in '{"installed":'*) ;; *) die "unexpected output from install.php: $out" ;; esac
  log "install.php: $out"
}

# --- FluentCart ----------------------------------------------------------------------------------

find_fluentcart() {
  # Prints the FluentCart archive to install, nothing when the site runs without it.
  local wanted="${FCT_FLUENTCART:-}" found
  if [ "$wanted" = none ]; then
    return 0
  fi
  if [ -n "$wanted" ]; then
    [ -f "$wanted" ] || die "FCT_FLUENTCART names no file: '$wanted'"
    case "$wanted" in *.zip | *.tar.gz | *.tgz) ;; *) die "FCT_FLUENTCART must be a .zip or .tar.gz: '$wanted'" ;; esac
    realpath "$wanted"
    return 0
  fi
  found="$(find "$ROOT/../shared/peers" -maxdepth 1 -name 'fluent-cart-*.tar.gz' 2>/dev/null | sort -V | tail -n 1)"
  [ -z "$found" ] || realpath "$found"
}

install_fluentcart() {
  local archive plugins="$SITE_DIR/wp-content/plugins" mu="$SITE_DIR/wp-content/mu-plugins" stamp want out
  FLUENTCART_STATE="not installed"
  mkdir -p "$mu"
  # Test/demo sites only: e-mails are recorded instead of sent, external HTTP is refused and recorded.
  cp "$ROOT/scripts/wp/mu-plugins/fct-offline.php" "$mu/"
  archive="$FLUENTCART_ARCHIVE"
  if [ -z "$archive" ]; then
    if [ "${FCT_FLUENTCART:-}" = none ]; then
      log "FCT_FLUENTCART=none: this site runs WITHOUT FluentCart (FluentCart-shaped tables only)"
    else
      log "no FluentCart found (set FCT_FLUENTCART to a zip or tarball, or put fluent-cart-*.tar.gz in ../shared/peers/):" \
        "this site runs WITHOUT FluentCart, on FluentCart-shaped tables only"
    fi
    deactivate_fluentcart_files
    return 0
  fi
  ensure_php_for_fluentcart
  # Test/demo-only must-use plugin: without it every request on WordPress 6.1 is a fatal error.
  cp "$ROOT/scripts/wp/mu-plugins/fct-wp61-shim.php" "$mu/"
  stamp="$SITE_HOME/fluentcart.sha256"
  want="$(sha256sum "$archive" | cut -c1-64)"
  if [ ! -f "$plugins/fluent-cart/fluent-cart.php" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "unpacking FluentCart from $archive into $plugins/"
    rm -rf "$plugins/.fluent-cart.new"
    mkdir -p "$plugins/.fluent-cart.new"
    case "$archive" in
      *.zip) "$VENV/bin/python" -m zipfile -e "$archive" "$plugins/.fluent-cart.new" ;;
      *) tar -xzf "$archive" -C "$plugins/.fluent-cart.new" ;;
    esac
    [ -f "$plugins/.fluent-cart.new/fluent-cart/fluent-cart.php" ] \
      || die "$archive holds no fluent-cart/fluent-cart.php"
    rm -rf "$plugins/fluent-cart"
    mv "$plugins/.fluent-cart.new/fluent-cart" "$plugins/fluent-cart"
    rm -rf "$plugins/.fluent-cart.new"
    echo "$want" >"$stamp"
  fi
  log "activating FluentCart"
  if ! out="$(php "$ROOT/scripts/wp/fluentcart.php" "$SITE_DIR" "$SITE_URL" "$ADMIN_USER")"; then
    [ -n "$out" ] && printf '%s\n' "$out" >&2
    tail_log "$SITE_DIR/wp-content/debug.log"
    die "FluentCart's activation failed or printed database errors other than the 9 known ones (see above)"
  fi
  FLUENTCART_STATE="$(printf '%s' "$out" | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["version"])')"
  log "FluentCart $FLUENTCART_STATE active ($(printf '%s' "$out" | "$VENV/bin/python" -c \
    'import json, sys; r = json.load(sys.stdin); print("%d known activation errors" % len(r["sql_errors"]) if r["activated_now"] else "already active")'))"
}

deactivate_fluentcart_files() {
  # A site that had FluentCart keeps its tables; without the plugin files WordPress deactivates it.
  rm -rf "$SITE_DIR/wp-content/plugins/fluent-cart" "$SITE_HOME/fluentcart.sha256"
  rm -f "$SITE_DIR/wp-content/mu-plugins/fct-wp61-shim.php"
}

stop_standin() {
  # The stand-in on the port it was started with (recorded at start), whatever FCT_STANDIN_PORT says now.
  local port
  port="$(cat "$SITE_RUN/standin.port" 2>/dev/null)" || port="$STANDIN_PORT"
  [[ "$port" =~ ^[1-9][0-9]{0,4}$ ]] || port="$STANDIN_PORT"
  stop_server "$STANDIN_PID" "-m standin --host 127.0.0.1 --port $port" standin
  rm -f "$SITE_RUN/standin.port"
}

start_standin() {
  [ "$STRIPE_TARGET" = standin ] || return 0
  if server_up "$STANDIN_PID" "$STANDIN_MARKER" "$STANDIN_URL/_standin/requests"; then
    log "Stripe stand-in already running on $STANDIN_URL"
    return 0
  fi
  stop_standin
  port_must_be_free "$STANDIN_PORT"
  log "starting the offline Stripe stand-in on $STANDIN_URL"
  start_server "$STANDIN_PID" "$STANDIN_LOG" "$VENV/bin/python" -m standin --host 127.0.0.1 --port "$STANDIN_PORT"
  # `down` stops this one, whatever FCT_STANDIN_PORT says then.
  echo "$STANDIN_PORT" >"$SITE_RUN/standin.port"
  if ! wait_for_http "$STANDIN_URL/_standin/requests" 20 "$(cat "$STANDIN_PID")"; then
    tail_log "$STANDIN_LOG"
    die "the Stripe stand-in did not start (log: $STANDIN_LOG)"
  fi
  # The stand-in keeps its state in memory: a sidecar connected to an earlier stand-in must restart.
  STANDIN_RESTARTED=1
}

sidecar_stripe_env() {
  # The sidecar's Stripe addresses and Connect platforms: the stand-in's, unless FCT_STRIPE=real.
  if [ "$STRIPE_TARGET" = standin ]; then
    export FCT_BRIDGE_STRIPE_API_BASE="$STANDIN_URL" FCT_BRIDGE_STRIPE_CONNECT_BASE="$STANDIN_URL"
    export FCT_BRIDGE_STRIPE_TEST_CLIENT_ID=ca_standin_test FCT_BRIDGE_STRIPE_TEST_PLATFORM_KEY=sk_test_standin_platform
    export FCT_BRIDGE_STRIPE_LIVE_CLIENT_ID=ca_standin_live FCT_BRIDGE_STRIPE_LIVE_PLATFORM_KEY=sk_live_standin_platform
  fi
}

start_sidecar() {
  if [ -z "$WP_CONFIG_CHANGED" ] && [ -z "${STANDIN_RESTARTED:-}" ] && server_up "$SIDECAR_PID" "$SIDECAR_MARKER" "$SIDECAR_URL/healthz"; then
    log "sidecar already running on $SIDECAR_URL"
    return 0
  fi
  stop_server "$SIDECAR_PID" "$SIDECAR_MARKER" sidecar
  port_must_be_free "$SIDECAR_PORT"
  log "starting the sidecar on $SIDECAR_URL"
  sidecar_stripe_env
  start_server "$SIDECAR_PID" "$SIDECAR_LOG" \
    "$BRIDGE" --wp-config "$WP_CONFIG" serve --host 127.0.0.1 --port "$SIDECAR_PORT"
  if ! wait_for_http "$SIDECAR_URL/healthz" 20 "$(cat "$SIDECAR_PID")"; then
    tail_log "$SIDECAR_LOG"
    stop_server "$SIDECAR_PID" "$SIDECAR_MARKER" sidecar
    die "the sidecar did not answer $SIDECAR_URL/healthz within 20 s (log: $SIDECAR_LOG)"
  fi
}

start_wordpress() {
  if server_up "$WP_PID" "$WP_MARKER" "$SITE_URL/wp-login.php"; then
    log "WordPress already running on $SITE_URL"
    return 0
  fi
  stop_server "$WP_PID" "$WP_MARKER" WordPress
  port_must_be_free "$WP_PORT"
  log "starting WordPress on $SITE_URL ($WP_WORKERS workers)"
  # Several workers: a single php -S deadlocks when the plugin waits on the sidecar while the sidecar
  # calls back into WordPress (test-environment.md §6.2).
  start_server "$WP_PID" "$WP_LOG" env PHP_CLI_SERVER_WORKERS="$WP_WORKERS" \
    php -S "127.0.0.1:$WP_PORT" -t "$SITE_DIR" "$ROOT/scripts/wp/router.php"
  if ! wait_for_http "$SITE_URL/wp-login.php" 20 "$(cat "$WP_PID")"; then
    tail_log "$WP_LOG"
    tail_log "$SITE_DIR/wp-content/debug.log"
    stop_server "$WP_PID" "$WP_MARKER" WordPress
    die "WordPress did not answer $SITE_URL/wp-login.php with 200 within 20 s (log: $WP_LOG)"
  fi
}

server_up() {
  # server_up PIDFILE MARKER URL : our process is alive and answers 200 at URL (so on the right port).
  pid_running "$1" "$2" >/dev/null && [ "$(http_status "$3")" = 200 ]
}

port_must_be_free() {
  # Another server on the port would silently answer in place of ours (gotcha 11).
  _tcp_open 127.0.0.1 "$1" || return 0
  die "port $1 is already in use by another process: $(port_listener "$1")"
}

tail_log() {
  [ -s "$1" ] || return 0
  printf -- '--- last lines of %s ---\n' "$1" >&2
  # WordPress 6.1 on PHP 8.2 logs deprecations on every load (gotcha 7); they would hide the cause.
  grep -v 'PHP Deprecated:' "$1" | tail -n 30 >&2 || true
  printf -- '---\n' >&2
}

write_site_env() {
  # For tests: `source var/<name>/site.env`, or parse it with shlex.
  local tmp="$SITE_HOME/site.env.tmp"
  (
    umask 077
    {
      env_line FCT_SITE_NAME "$SITE_NAME"
      env_line FCT_SITE_URL "$SITE_URL"
      env_line FCT_ADMIN_URL "$ADMIN_URL"
      env_line FCT_SIDECAR_URL "$SIDECAR_URL"
      env_line FCT_SITE_DIR "$SITE_DIR"
      env_line FCT_WP_CONFIG "$WP_CONFIG"
      env_line FCT_ADMIN_USER "$ADMIN_USER"
      env_line FCT_ADMIN_PASSWORD "$ADMIN_PASSWORD"
      env_line FCT_SUBSCRIBER_USER "$SUBSCRIBER_USER"
      env_line FCT_SUBSCRIBER_PASSWORD "$SUBSCRIBER_PASSWORD"
      env_line FCT_DB_NAME "$SITE_DB"
      env_line FCT_DB_HOST "$DB_HOST"
      env_line FCT_DB_PORT "$DB_PORT"
      env_line FCT_DB_USER "$SITE_DB_USER"
      env_line FCT_DB_PASSWORD "$DB_PASSWORD"
      env_line FCT_WP_LOG "$WP_LOG"
      env_line FCT_SIDECAR_LOG "$SIDECAR_LOG"
      env_line FCT_STRIPE "$STRIPE_TARGET"
      [ "$STRIPE_TARGET" = standin ] && env_line FCT_STANDIN_URL "$STANDIN_URL"
      [ "$STRIPE_TARGET" = standin ] && env_line FCT_STANDIN_LOG "$STANDIN_LOG"
      env_line FCT_DEBUG_LOG "$SITE_DIR/wp-content/debug.log"
      env_line FCT_FLUENTCART_VERSION "${FLUENTCART_STATE#not installed}"
    } >"$tmp"
  )
  mv "$tmp" "$SITE_HOME/site.env"
}

env_line() {
  # Plain KEY=value when the value is safe in a shell assignment (easy to parse), else single-quoted.
  if [[ "$2" =~ ^[A-Za-z0-9_./:@%+,=?-]*$ ]]; then
    printf '%s=%s\n' "$1" "$2"
  else
    printf "%s='%s'\n" "$1" "${2//\'/\'\\\'\'}"
  fi
}

print_summary() {
  local stop="scripts/site.sh down"
  [ "$SITE_NAME" = demo ] && stop="scripts/demo-stop.sh"
  [ "$SITE_NAME" = demo ] || stop="FCT_SITE_NAME=$SITE_NAME $stop"
  local took
  took="$(awk -v a="$UP_STARTED" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f", b - a }')"
  cat <<EOF

fct-bridge site '$SITE_NAME' is up (${took} s)
  WordPress      $SITE_URL/
  Stripe page    $ADMIN_URL$( [ "$FLUENTCART_STATE" = "not installed" ] || echo "
                 (in the admin: FluentCart › Settings › Payment Settings › Stripe › Manage)")
  administrator  $ADMIN_USER / $ADMIN_PASSWORD
  subscriber     $SUBSCRIBER_USER / $SUBSCRIBER_PASSWORD
  sidecar        $SIDECAR_URL
  FluentCart     $( [ "$FLUENTCART_STATE" = "not installed" ] && echo "NOT installed: FluentCart-shaped tables only" || echo "$FLUENTCART_STATE, active (e-mails and external HTTP recorded in wp-content/fct-offline-*.jsonl, never sent)")
  Stripe         $( [ "$STRIPE_TARGET" = standin ] && echo "offline stand-in at $STANDIN_URL (demo account keys: $STANDIN_LOG)" || echo "real Stripe")
  database       $SITE_DB on $DB_HOST:$DB_PORT (user $SITE_DB_USER)
  logs           $WP_LOG
                 $SIDECAR_LOG
                 $SITE_DIR/wp-content/debug.log
  summary        $SITE_HOME/site.env
  stop with      $stop
EOF
}

# --- down, status --------------------------------------------------------------------------------

cmd_down() {
  local purge=""
  case "${1:-}" in
    "") ;;
    --purge) purge=1 ;;
    *) usage ;;
  esac
  stop_server "$WP_PID" "$WP_MARKER" WordPress
  stop_server "$SIDECAR_PID" "$SIDECAR_MARKER" sidecar
  stop_standin
  # MariaDB is shared (other sites, scripts/test.sh), so it is never stopped here.
  if [ -n "$purge" ]; then
    purge_site
  elif [ -d "$SITE_HOME" ]; then
    log "site '$SITE_NAME' stopped; data kept in $SITE_HOME"
  else
    log "site '$SITE_NAME' does not exist"
  fi
}

purge_site() {
  ensure_mariadb
  log "dropping database $SITE_DB and user $SITE_DB_USER, deleting $SITE_HOME"
  "${DB_ADMIN[@]}" <<SQL
DROP DATABASE IF EXISTS \`$SITE_DB\`;
DROP USER IF EXISTS '$SITE_DB_USER'@'localhost';
DROP USER IF EXISTS '$SITE_DB_USER'@'127.0.0.1';
SQL
  rm -rf "$SITE_HOME"
}

cmd_status() {
  local wp sidecar rc=0
  # Without explicit ports, report on the URLs the last `up` used.
  [ -n "${FCT_WP_PORT:-}" ] || SITE_URL="$(saved_setting FCT_SITE_URL "$SITE_URL")"
  [ -n "${FCT_SIDECAR_PORT:-}" ] || SIDECAR_URL="$(saved_setting FCT_SIDECAR_URL "$SIDECAR_URL")"
  wp="$(describe_server "$WP_PID" "$WP_MARKER" "$SITE_URL/wp-login.php")" || rc=3
  sidecar="$(describe_server "$SIDECAR_PID" "$SIDECAR_MARKER" "$SIDECAR_URL/healthz")" || rc=3
  printf 'site %s (%s)\n' "$SITE_NAME" "$SITE_HOME"
  printf '  WordPress  %-24s %s\n' "$SITE_URL" "$wp"
  printf '  sidecar    %-24s %s\n' "$SIDECAR_URL" "$sidecar"
  [ -f "$SITE_HOME/site.env" ] && printf '  summary    %s\n' "$SITE_HOME/site.env"
  return "$rc"
}

saved_setting() {
  # saved_setting KEY DEFAULT : KEY's value in site.env (plain values only), else DEFAULT.
  local line
  line="$(grep -m1 "^$1=" "$SITE_HOME/site.env" 2>/dev/null)" || { echo "$2"; return 0; }
  echo "${line#*=}"
}

describe_server() {
  # describe_server PIDFILE MARKER URL : one line; fails unless the server runs and answers.
  local pid pids stray
  if ! pid="$(pid_running "$1" "$2")"; then
    stray="$(marked_pids "$2" | tr '\n' ' ')"
    if [ -n "$stray" ]; then
      echo "NOT MANAGED: pid file gone or stale, processes $stray(\`down\` stops them)"
    elif [ -e "$1" ]; then
      echo "stopped (stale pid file)"
    else
      echo "stopped"
    fi
    return 1
  fi
  pids="$(_server_pids "$pid" | wc -l)"
  if [ "$(http_status "$3")" = 200 ]; then
    echo "running (pid $pid, $pids processes)"
  else
    echo "NOT ANSWERING (pid $pid, $pids processes)"
    return 1
  fi
}

lock_site() {
  # One up/down at a time per site: two concurrent runs would race on pid files and ports.
  mkdir -p "$SITE_HOME"
  exec 9>"$SITE_HOME/.lock"
  flock -w 300 9 || die "another scripts/site.sh run is still working on site '$SITE_NAME'"
}

main() {
  [ $# -ge 1 ] || usage
  local cmd="$1"
  shift
  read_settings
  cd "$ROOT" || die "cannot enter $ROOT"
  # `down` of a site that never existed must not create its directory just to lock it.
  if [ "$cmd" = up ] || [ "$cmd" = restart ] || { [ "$cmd" = down ] && [ -d "$SITE_HOME" ]; }; then
    lock_site
  fi
  case "$cmd" in
    up) [ $# -eq 0 ] || usage; cmd_up ;;
    down) cmd_down "$@" ;;
    restart) [ $# -eq 0 ] || usage; cmd_down; cmd_up ;;
    status) [ $# -eq 0 ] || usage; cmd_status ;;
    -h | --help | help) usage 0 ;;
    *) usage ;;
  esac
}

main "$@"
