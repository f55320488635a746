#!/usr/bin/env bash
# Stops the demo started by scripts/demo.sh (keeps its data; `scripts/site.sh down --purge` removes it).
set -euo pipefail
FCT_SITE_NAME=demo exec "$(dirname "$0")/site.sh" down "$@"
