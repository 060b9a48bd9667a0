# Sigil — every set-up step is here, idempotent: a second `make test` installs nothing.
SHELL := /bin/bash
PY := .venv/bin/python
export PYTHONPATH := $(CURDIR)/tools
export SIGIL_PYTHON := $(CURDIR)/.venv/bin/python
export SIGIL_ROOT := $(CURDIR)
SEED ?= 7
# Package.swift lists the folders under plugins/: evaluated afresh every time, never from
# SwiftPM's manifest cache, and SwiftPM's build plans are dropped when that list changes (it
# keeps them while Package.swift's text is unchanged).
SWIFTPM := --manifest-cache none
PLUGINS := $(sort $(notdir $(wildcard plugins/*)))
$(shell mkdir -p .build; [ "$$(cat .build/plugins.list 2>/dev/null)" = "$(PLUGINS)" ] || { rm -f .build/debug.yaml .build/release.yaml; echo "$(PLUGINS)" > .build/plugins.list; })

.PHONY: setup setup-packages build build-tests release run test test-unit test-python test-swift docs-check devnet scenarios scenario-sets backtest models contracts bench clean

setup:
	@bash tools/setup.sh

## the Debian packages alone: enough to build Sigil and run its hermetic suites
setup-packages:
	@bash tools/setup.sh --packages-only

build: setup-packages
	swift build $(SWIFTPM)

release: setup-packages
	swift build -c release $(SWIFTPM)

## make run: build release and run the bot on the bundled default data
run: release
	.build/release/sigil run strategies.yaml

## make test: every test: the Python peers, oracles and live-feed fault tests (on the debug
## `sigil`), then the Swift suites, the second even when the first fail; both are reported and
## the exit status is non-zero when either failed
test: setup build-tests
	@py=0; sw=0; \
	$(MAKE) --no-print-directory test-python || py=$$?; \
	$(MAKE) --no-print-directory test-swift || sw=$$?; \
	verdict() { [ "$$1" = 0 ] && echo passed || echo "FAILED (exit $$1)"; }; \
	echo "make test: Python suites $$(verdict $$py); Swift suites $$(verdict $$sw)"; \
	[ $$py = 0 ] && [ $$sw = 0 ]

## make test-unit: the hermetic Swift suites alone (no Python, devnet or `sigil` binary; the
## tests that need one are listed in tools/peer-suites.txt); SIGIL_NO_PEERS=1 makes any test
## that still reaches for a peer fail, naming it. The fuzz suites run UNIT_FUZZ_CASES cases a
## surface here (make test: each suite's full count)
PEER_SUITES := $(shell grep -v '^\s*\(#\|$$\)' tools/peer-suites.txt | paste -sd'|')
UNIT_FUZZ_CASES ?= 2500
test-unit: build-tests
	SIGIL_NO_PEERS=1 SIGIL_FUZZ_CASES=$(UNIT_FUZZ_CASES) swift test --skip-build $(SWIFTPM) --skip '$(PEER_SUITES)'

## the debug build (with tests): the live-feed fault tests run its `sigil` binary
build-tests: setup-packages
	swift build --build-tests $(SWIFTPM)

test-python: setup build-tests
	$(PY) -m pytest -q -c tools/pytest.ini tools/tests

test-swift: build-tests
	swift test --skip-build $(SWIFTPM)

## make docs-check: runs the commands README.md and docs/*.md show and compares what they print
## (blocks marked <!-- check -->; the others name the test that runs them), and checks every link
docs-check: setup build-tests
	$(PY) -m sigiltools.docs_check

## make devnet: a local py-evm JSON-RPC node, HTTP :8545 and WebSocket :8546 (see README)
devnet: setup
	$(PY) -m sigiltools.devnet

## make scenarios: regenerate data/replay from the real Uniswap bytecode and price history
scenarios: setup
	$(PY) -m sigiltools.scenarios --seed $(SEED) --out data/replay

## make scenario-sets: regenerate the labelled tuning and reporting sets and the clean set
## (data/scenarios/), each from its own seed and parameter ranges (tools/sigiltools/scenario_sets.py)
scenario-sets: setup
	$(PY) -m sigiltools.scenario_sets --set tuning
	$(PY) -m sigiltools.scenario_sets --set reporting
	$(PY) -m sigiltools.scenario_sets --set clean

## make backtest: every detector and signal strategy on the reporting set and on the bundled
## recording (out/backtest/, out/backtest-bundled/): detectors scored against their labels,
## signals traded on paper beside buy-and-hold, the model walk-forward; the charts as PNG in docs/
backtest: release
	.build/release/sigil backtest examples/backtest.yaml --labels data/scenarios/reporting/labels.json --report out/backtest
	.build/release/sigil backtest examples/backtest.yaml --replay data/replay/sigil-scenarios.jsonl.gz \
		--labels data/replay/labels.json --report out/backtest-bundled
	mkdir -p docs/backtest
	for r in backtest backtest-bundled; do for c in detectors alerts-timeline equity price-signals; do \
		rsvg-convert -b white out/$$r/$$c.svg -o docs/backtest/$$r-$$c.png; done; done

## make bench: Sigil's figures against reference implementations in the same run (tools/sigiltools/bench.py):
## replays of 11.8k to 1.18M events (BENCH_COPIES=1,10,100,1000 for 11.8M), the micro-benchmarks of
## Benchmarks/ (ordo-one/benchmark), Python json+eth-abi, scikit-learn and a numpy port of the fine-tuner,
## openssl, live latency on the devnet; prints the table, writes out/bench/bench.json
BENCH_COPIES ?= 1,10,100
bench: release
	$(PY) -m sigiltools.bench --copies $(BENCH_COPIES)

## make models: train the bundled model-signal models on the bundled data and the anomaly-model
## autoencoder on the clean scenario set (ordinary flow only), and publish their hashes to a
## devnet registry, writing models/registry-snapshot.json
models: release
	.build/release/sigil train-model --data data/replay/sigil-scenarios.jsonl.gz --arch logistic --seed 1 --out models/model-signal-logistic.safetensors
	.build/release/sigil train-model --data data/replay/sigil-scenarios.jsonl.gz --arch mlp --hidden 8 --seed 1 --out models/model-signal-mlp.safetensors
	.build/release/sigil train-model --data data/scenarios/clean/sigil-scenarios.jsonl.gz --plugin anomaly-model --arch autoencoder \
		--hidden 3 --epochs 3000 --seed 1 --out models/anomaly-model.safetensors
	$(PY) -m sigiltools.registry_snapshot --out models/registry-snapshot.json \
		sigil/model-signal=models/model-signal-logistic.safetensors sigil/model-signal-mlp=models/model-signal-mlp.safetensors \
		sigil/anomaly-model=models/anomaly-model.safetensors

## make contracts: recompile contracts/*.vy into contracts/build/
contracts: setup
	$(PY) -m sigiltools.contracts build

clean:
	rm -rf .build .cache
