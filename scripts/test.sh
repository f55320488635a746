#!/usr/bin/env bash
# The README's test command: installs what the tests need when missing, then runs pytest.
source "$(dirname "$0")/lib.sh"

ensure_venv test
ensure_php
# The e2e site runs the real FluentCart (scripts/site.sh), which needs php-mbstring and php-xml.
ensure_php_for_fluentcart
apt_install chromium
# Validates docker-compose.yml without an engine (tests/test_deploy.py); no recommends, so no docker.io.
apt_install docker-compose
ensure_mariadb
# The fault suite restarts a private MariaDB of its own: it needs the server binaries even when the
# machine's MariaDB is reachable already.
[ -x /usr/sbin/mariadbd ] || apt_install mariadb-server
pass="$(secret_file test-db-password)"
# One account per checkout: two clones on one machine (a developer's and CI's) never reset each other's password.
user="fct_t_$(printf '%s' "$ROOT" | sha256sum | cut -c1-10)"
ensure_db_user "$user" "$pass" 'fct\_test\_%'

export FCT_TEST_DB_HOST="$DB_HOST" FCT_TEST_DB_PORT="$DB_PORT" FCT_TEST_DB_USER="$user" FCT_TEST_DB_PASSWORD="$pass"
cd "$ROOT"
"$VENV/bin/ruff" check bridge tests
"$VENV/bin/mypy" bridge
exec "$VENV/bin/pytest" "$@"
