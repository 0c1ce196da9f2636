# Gateway agent: switch benchmark through a real nginx under keep-alive load.
.PHONY: bench-switch

BENCH_SWITCH_ARGS ?= --flips 20 --connections 50

bench-switch: $(STAMP) $(SYSTEM_STAMP)
	$(PY) scripts/bench_switch.py $(BENCH_SWITCH_ARGS)
bench: bench-switch
