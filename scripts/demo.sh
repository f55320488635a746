#!/usr/bin/env bash
# The README's "run the product" command: a local WordPress with the fct-bridge plugin and the sidecar,
# installing whatever is missing. Prints the URLs and credentials; stop with scripts/demo-stop.sh.
set -euo pipefail
FCT_SITE_NAME=demo exec "$(dirname "$0")/site.sh" up
