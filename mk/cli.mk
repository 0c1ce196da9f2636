# Operator CLI and the local rehearsal (issue 7). `make demo` runs bluegreen.local.rehearsal.
.PHONY: demo-quick demo-manual demo-success test-cli test-rehearsal

# The release alone, in-process (no nginx, no processes): the previous `make demo`.
demo-quick: $(STAMP)
	$(PY) -m bluegreen.local.demo

# The rehearsal, waiting for `bluegreen approve <release>` from a second terminal.
demo-manual: $(STAMP) $(SYSTEM_STAMP)
	$(PY) -m bluegreen.local.rehearsal --manual

# The rehearsal without the alarm: the release succeeds and stays on the new colour.
demo-success: $(STAMP) $(SYSTEM_STAMP)
	$(PY) -m bluegreen.local.rehearsal --no-alarm

test-cli: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider tests/integration/test_cli_release.py tests/integration/test_cli_wait.py tests/unit/test_pipeline_examples.py tests/unit/test_cli_exit_codes.py $(PYTEST_ARGS)

test-rehearsal: $(STAMP) $(SYSTEM_STAMP)
	$(PY) -m pytest -p no:cacheprovider tests/e2e/test_rehearsal.py $(PYTEST_ARGS)
