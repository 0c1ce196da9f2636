# Rollback after the workflow: alarm -> traffic back on the old colour, through real nginx.
.PHONY: bench-rollback

BENCH_ROLLBACK_ARGS ?= --runs 10 --record docs/benchmarks.md

bench-rollback: $(STAMP) $(SYSTEM_STAMP)
	$(PY) scripts/bench_rollback.py --config $(CONFIG) $(BENCH_ROLLBACK_ARGS)
bench: bench-rollback
