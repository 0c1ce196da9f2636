# Smoke suite: benchmark the default suite against the emulated myapp API.
.PHONY: bench-smoke

bench-smoke: $(STAMP)
	$(PY) scripts/bench_smoke.py --runs 5
bench: bench-smoke
