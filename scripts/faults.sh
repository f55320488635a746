#!/usr/bin/env bash
# faults.sh [OPTION…]
#
# The fault suite, full run (README "Fault suite"): 10,000 Stripe deliveries (30 % redeliveries, shuffled,
# Stripe-like retries) to a real sidecar that is SIGKILLed three times and restarted, while its private
# MariaDB is restarted once; then every fct_* row is compared with an oracle computed from the event list.
# Loopback only; bounded by a 900 s deadline; exits non-zero on any mismatch. Logs, report.json and
# mismatches.txt stay in var/faults/full/ (the MariaDB datadir too, when the run failed).
#
# It installs what is missing: the virtualenv (test extra), Debian's mariadb-server (mariadbd and
# mariadb-install-db for the private instance; the machine's own server is never touched) and client.
#
# faults.sh --fluentcart [OPTION…] runs the suite with FluentCart active instead (python -m faults.fluentcart,
# README "Fault suite"): a real WordPress + FluentCart site (scripts/site.sh, site faults-fc, ports 19500+)
# on a private MariaDB; 150 orders and 30 renewals while the sidecar is SIGKILLed twice, MariaDB restarted
# once, WordPress SIGKILLed twice and the apply route dies at random; its oracle counts consequences.
#
# Options are python -m faults's and override the defaults above, e.g.:
#   --seed N             another event list (default 1)
#   --events N           deliveries, redeliveries included
#   --without SCENARIO   leave a scenario out, to narrow a failure down
#   --keep-datadir       keep the private MariaDB's datadir after a passing run
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/lib.sh"

case "${1:-}" in -h | --help) sed -n '2,${/^#/!q;/shellcheck/d;s/^# \{0,1\}//;p}' "$0" >&2; exit 0 ;; esac

ensure_venv test
{ [ -x /usr/sbin/mariadbd ] && command -v mariadb-install-db >/dev/null 2>&1; } || apt_install mariadb-server
command -v mariadb >/dev/null 2>&1 || apt_install mariadb-client
cd "$ROOT" || exit 1
if [ "${1:-}" = --fluentcart ]; then
  shift
  exec "$VENV/bin/python" -m faults.fluentcart --orders 150 --subscriptions 30 --kills 2 --db-restarts 1 --wp-kills 2 \
    --chaos-deaths 12 "$@"
fi
exec "$VENV/bin/python" -m faults --events 10000 --dup 0.3 --kills 3 --db-restarts 1 --seed 1 --self-check \
  --workdir "$VAR/faults/full" "$@"
