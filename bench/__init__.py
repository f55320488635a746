"""The webhook benchmark behind ./scripts/bench.sh: sidecar vs an in-WordPress PHP handler vs the plugin's proxy.

Not a test and not part of the product: it drives load at servers that scripts/bench.sh brings up on
127.0.0.1 and writes its results to var/bench/results/ (git-ignored)."""
