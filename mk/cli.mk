# Operator CLI and the local runs. `make demo` (Makefile) runs bluegreen.local.rehearsal; every local
# target rehearses the app CONFIG names (default config/myapp.yaml) and passes DEMO_ARGS on.
.PHONY: demo-quick demo-manual demo-success demo-broken-payments test-cli test-rehearsal

# The release alone, in-process (no nginx, no processes), with the app's smoke suite.
demo-quick: $(STAMP)
	$(PY) -m bluegreen.local.demo --config $(CONFIG) $(DEMO_ARGS)

# The rehearsal, waiting for `bluegreen approve <release>` from a second terminal.
demo-manual: $(STAMP) $(SYSTEM_STAMP)
	$(PY) -m bluegreen.local.rehearsal --config $(CONFIG) --manual $(DEMO_ARGS)

# The rehearsal without the alarm: the release succeeds and stays on the new colour.
demo-success: $(STAMP) $(SYSTEM_STAMP)
	$(PY) -m bluegreen.local.rehearsal --config $(CONFIG) --no-alarm $(DEMO_ARGS)

# The released version's payment service declines Visa cards: the smoke suite fails through preprod
# and the release stops before anyone is asked to approve.
demo-broken-payments: $(STAMP) $(SYSTEM_STAMP)
	$(PY) -m bluegreen.local.rehearsal --config $(CONFIG) --broken-payments $(DEMO_ARGS)

test-cli: $(STAMP)
	$(PY) -m pytest -p no:cacheprovider tests/integration/test_cli_release.py tests/integration/test_cli_wait.py tests/unit/test_pipeline_examples.py tests/unit/test_cli_exit_codes.py $(PYTEST_ARGS)

test-rehearsal: $(STAMP) $(SYSTEM_STAMP)
	$(PY) -m pytest -p no:cacheprovider tests/e2e $(PYTEST_ARGS)
