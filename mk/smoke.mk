# Smoke suite: benchmark the app's suite (CONFIG) against its local stand-ins.
.PHONY: bench-smoke

bench-smoke: $(STAMP)
	$(PY) scripts/bench_smoke.py --config $(CONFIG) --runs 5
bench: bench-smoke
