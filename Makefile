# moodle-load: `make demo` and `make test` work on a fresh clone (Node 20 + npm and Go needed).
.DEFAULT_GOAL := help
SHELL := /bin/bash

K6_VERSION := $(shell node -p "require('./package.json').config.k6Version")
K6 := .tools/bin/k6
BIN := node_modules/.bin

# make run
CONFIG ?= config.json
RPM ?= 600
DURATION ?= 60
CONCURRENCY ?= 20
LOGIN_TIMEOUT ?= 20
PROGRESS ?= 30
INSECURE ?=
# Any other run flag, for make run, demo and segments: ARGS="--seed 7 --warmup 10"
ARGS ?=
# make sim (SIM_ARGS="--perf-footer --seed 7 --latency 50 --regress course:reads=+2": see docs/simulator.md)
PORT ?= 8081
SIM_ARGS ?=

.PHONY: help deps build k6 demo test unit e2e test-deps typecheck lint format run sim segments capacity report-screenshot bench bench-hotpath clean moodle-site moodle-site-stop test-moodle test-moodle-bisect

help:
	@echo "make demo      run a short load against the bundled Moodle simulator (installs what is needed)"
	@echo "make test      type-check, lint, unit tests and end-to-end tests with the real k6"
	@echo "make lint      eslint and prettier --check over the tree (make format rewrites what prettier would change)"
	@echo "make unit      the pure tests only: no k6, no build (seconds)"
	@echo "make e2e       the end-to-end tests: the real k6 against the simulator"
	@echo "make run       RPM=600 DURATION=600 CONCURRENCY=30 INSECURE=1 CONFIG=config.json"
	@echo "make capacity  ARGS=\"--start 300 --step 300 --max 3000 --max-p95-ms 1000\": raise the load in steps until a limit breaks"
	@echo "make sim       the Moodle simulator on 127.0.0.1:\$$PORT (default 8081)"
	@echo "make k6        install k6 $(K6_VERSION) into .tools/bin (once; needs Go)"
	@echo "make bench     speed, accuracy, memory: writes BENCHMARKS.md (about 12 minutes)"
	@echo "make bench-users PART=open|closed|closed-stream|rate|rate-pairs   many users' memory and rate (each part under ~10 minutes)"
	@echo "make moodle-site MOODLE_SRC=PATH   a real Moodle test site on 127.0.0.1:8090 (root; REBUILD=1 starts clean)"
	@echo "make moodle-site-stop               stop that site's services"
	@echo "make test-moodle MOODLE_SRC=PATH    the acceptance suite against that site"
	@echo "make test-moodle-bisect MOODLE_SRC=PATH   the documented bisect flow alone (~12 minutes; also in test-moodle)"

# Recipes are silent and npm writes to stderr, so `make run ... | jq` sees only the summary JSON.
node_modules/.package-lock.json: package.json package-lock.json
	@npm ci --no-audit --no-fund >&2
	@touch $@

deps: node_modules/.package-lock.json

build: deps
	@node build.mjs

# Installs the pinned k6 with `go install` (no release downloads), once; reinstalls only when
# the pin in package.json (config.k6Version) changes.
k6:
	@if $(K6) version 2>/dev/null | grep -q "k6 $(K6_VERSION) "; then exit 0; fi; \
	command -v go >/dev/null || { echo "make k6: Go is required to install k6 $(K6_VERSION) (Debian: apt-get install golang-go)" >&2; exit 1; }; \
	echo "make k6: installing k6 $(K6_VERSION) with go install into $(K6) (first time only, a few minutes)" >&2; \
	start=$$(date +%s); \
	GOBIN="$(CURDIR)/.tools/bin" GOFLAGS=-buildvcs=false go install go.k6.io/k6@$(K6_VERSION) || exit 1; \
	echo "make k6: installed $$($(K6) version) in $$(( $$(date +%s) - start )) s" >&2

demo: build k6
	@node dist/demo.js $(ARGS)

# Two programs, as the code runs in two runtimes: lib/ and scenarios/ in k6 (no Node types), the rest in Node.
typecheck: deps
	$(BIN)/tsc -p tsconfig.k6.json --noEmit && $(BIN)/tsc -p tsconfig.node.json --noEmit

# eslint.config.mjs, .prettierrc.json and .prettierignore say what is checked.
lint: deps
	$(BIN)/eslint . && $(BIN)/prettier --check .

format: deps
	$(BIN)/prettier --write .

# Tests use a real Prometheus and headless Chromium (Debian packages): installed here when missing.
test-deps:
	@missing=""; command -v prometheus >/dev/null || missing="$$missing prometheus"; [ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "make test-deps: installing$$missing from Debian's packages" >&2; \
	  apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >&2; \
	else echo "make test-deps: the tests need$$missing: run  sudo apt-get install$$missing" >&2; exit 1; fi

# Pure tests: no k6, no build, no network beyond 127.0.0.1 (under 20 s).
unit: deps
	node --import tsx --test --test-reporter=spec test/unit/*.test.ts

# The real k6 against the simulator, one file at a time (two cores: parallel runs would measure each other).
e2e: build k6 test-deps
	node --import tsx --test --test-concurrency=1 --test-reporter=spec test/e2e/*.test.ts

# Lint before the slow parts.
test: typecheck lint unit e2e

run: build k6
	@node dist/cli.js --config "$(CONFIG)" --rpm "$(RPM)" --duration "$(DURATION)" --concurrency "$(CONCURRENCY)" \
		--login-timeout "$(LOGIN_TIMEOUT)" --progress "$(PROGRESS)" $(if $(INSECURE),--insecure,) $(ARGS)

sim: build
	@node dist/sim.js --port "$(PORT)" $(SIM_ARGS)

# One test split across N local k6 instances with execution segments; prints their merged summary.
N ?= 2
segments: build k6
	@node dist/cli.js segments --instances "$(N)" --config "$(CONFIG)" --rpm "$(RPM)" --duration "$(DURATION)" --concurrency "$(CONCURRENCY)" $(ARGS)

# How much load the site takes: steps of rpm (or users with --think-time) until a limit breaks; the steps' JSON on stdout.
# e.g. make capacity DURATION=60 ARGS="--start 300 --step 300 --max 3000 --max-p95-ms 1000 --report results/capacity.html"
capacity: build k6
	@node dist/cli.js capacity --config "$(CONFIG)" --duration "$(DURATION)" --concurrency "$(CONCURRENCY)" $(ARGS)

# Speed, accuracy and memory on this machine (about 12 minutes): BENCHMARKS.md, bench/results.json.
bench: build k6
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq --no-install-recommends wrk >&2; } || { echo "make bench: needs wrk: sudo apt-get install wrk" >&2; exit 1; }
	@node --import tsx bench/bench.ts

# The hot path's figures side by side with bare k6, one part at a time (each under 10 minutes; run under the heavy lock):
# PART=rate|memory|growth|latency|stream-pairs, BEFORE=<dir of another build> to compare. Writes bench/hotpath-results.json.
PART ?= rate
bench-hotpath: build k6
	@node --import tsx bench/hotpath.ts "$(PART)"

# Many users from a few VUs: their memory and the default path's rate, side by side with bare k6, one part at a time (each under ~10 minutes; run under the heavy lock):
# PART=open|closed|closed-stream|rate|rate-pairs (the rate parts: BEFORE=<dir of another build>). Writes bench/users-results.json.
.PHONY: bench-users
bench-users: build k6
	@node --import tsx bench/users.ts "$(PART)"

# results/report.html and results/report.png, a picture of the HTML report --report writes (kept out of git).
report-screenshot: build k6 test-deps
	@node --import tsx tools/report-screenshot.ts

clean:
	rm -rf dist

# The real Moodle site: built outside the repository, in MOODLE_SITE_DIR
# (default /var/tmp/moodle-load-site). MOODLE_SRC: a Moodle code tree, git checkout or .tar.gz.
moodle-site:
	@MOODLE_SRC="$(MOODLE_SRC)" moodle-site/build.sh

moodle-site-stop:
	@moodle-site/build.sh stop

# Acceptance suite against that site (not part of `make test`: it needs Moodle), the bisect flow of docs/comparing-and-bisecting.md
# (test/moodle/bisect.test.ts, ~12 minutes) included; test-moodle-bisect runs that file alone.
test-moodle: moodle-site build k6 typecheck test-deps
	node --import tsx --test --test-concurrency=1 --test-reporter=spec $(wildcard test/moodle/*.test.ts)

test-moodle-bisect: moodle-site build k6 typecheck
	node --import tsx --test --test-reporter=spec test/moodle/bisect.test.ts
