# The release workflow's own targets.
.PHONY: bench-workflow asl

bench-workflow: $(STAMP)
	PYTHONPATH=. $(PY) scripts/bench_workflow.py --config $(CONFIG) --releases 5

asl: $(STAMP)
	$(PY) scripts/gen_asl.py
bench: bench-workflow
