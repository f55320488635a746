# Conveniences; the README's commands are the scripts themselves (a fresh Debian has no make).
.PHONY: demo stop test lint bench
demo:
	./scripts/demo.sh
stop:
	./scripts/demo-stop.sh
test:
	./scripts/test.sh
lint:
	.venv/bin/ruff check bridge standin tests && .venv/bin/mypy bridge standin
bench:
	./scripts/bench.sh
