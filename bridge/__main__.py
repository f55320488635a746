"""`python -m bridge`: the CLI; with no arguments it serves, configured by FCT_BRIDGE_* variables."""

from __future__ import annotations

import sys

from bridge.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["serve"]))
