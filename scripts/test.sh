#!/usr/bin/env bash
# The README's test command: installs what the tests need when missing, then runs pytest.
source "$(dirname "$0")/lib.sh"

ensure_venv test
ensure_php
apt_install chromium
ensure_mariadb
pass="$(secret_file test-db-password)"
ensure_db_user fct_test "$pass" 'fct\_test\_%'

export FCT_TEST_DB_HOST="$DB_HOST" FCT_TEST_DB_PORT="$DB_PORT" FCT_TEST_DB_USER=fct_test FCT_TEST_DB_PASSWORD="$pass"
cd "$ROOT"
"$VENV/bin/ruff" check bridge tests
"$VENV/bin/mypy" bridge
exec "$VENV/bin/pytest" "$@"
