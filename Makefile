# Common tasks. `make help` lists them.
GO      ?= go
BIN     ?= bin/gateway-worker
SERVER  := ./services/gateway-worker/cmd/server
GOFILES  = $(shell find . -name '*.go' -not -path '*/node_modules/*')

.PHONY: help run build test test-deps test-service vet fmt dashboard-screenshots

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

run: ## run the worker locally (embedded Redis when none is configured)
	$(GO) run $(SERVER)

build: ## build the worker into bin/gateway-worker
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) $(SERVER)

# The tests mostly wait (on Redis, failovers, worker processes, timers),
# not on the CPU: four packages run at once (four tests of a package at
# once made shared-path timing tests flaky on two cores).
# atexit_sleep_ms=0 drops the race detector's 1 s pause at the exit of
# every test binary and of every program the tests build with -race (a
# goroutine still running at exit is a leak, which goleak fails on).
TESTFLAGS ?= -p 4

test: test-deps ## the README's test command: install what the tests need, then run every test with the race detector
	GORACE="atexit_sleep_ms=0 $$GORACE" $(GO) test -race -count=1 $(TESTFLAGS) ./...

# The tests start private redis-server processes, the dashboard's
# browser tests drive Chromium, and the receivers of docs/dispatch.md run
# under Node: install whichever is missing with apt-get when root, else say
# what to install; then the npm packages the tests load (test/npm).
test-deps: ## install redis-server, chromium and node when missing (apt-get, as root), and the npm packages of test/npm
	@missing=""; \
	command -v redis-server >/dev/null && command -v redis-cli >/dev/null || missing=" redis-server"; \
	command -v chromium >/dev/null || command -v chromium-browser >/dev/null || missing="$$missing chromium"; \
	command -v node >/dev/null && command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing$$missing"; \
			apt-get update -qq && apt-get install -y -qq $$missing >/dev/null; \
		else \
			echo "the tests need:$$missing; install with: sudo apt-get install$$missing" >&2; exit 1; \
		fi; \
	fi
	@test -d test/npm/node_modules || npm ci --prefix test/npm --ignore-scripts --no-audit --no-fund

dashboard-screenshots: test-deps ## regenerate the dashboard screenshots of docs/service.md (docs/images)
	DASHBOARD_ARTIFACTS=$(CURDIR)/docs/images $(GO) test -count=1 -run 'TestDashboardPanels$$' ./services/gateway-worker/internal/dashboard

test-service: ## run the gateway-worker and embedded Redis tests
	$(GO) test -race ./services/... ./pkg/redis/embedded/...

vet: ## go vet and a gofmt check
	$(GO) vet ./...
	@test -z "$$(gofmt -l $(GOFILES))" || (gofmt -l $(GOFILES); exit 1)

fmt: ## gofmt everything
	gofmt -w $(GOFILES)

# Benchmark targets are added below.

.PHONY: bench bench-short

bench: ## compare with asynq and BullMQ on a private redis-server, 3 runs each; writes docs/benchmarks-latest.md (BASELINE=rev adds gateway-worker as of rev to the same run)
	$(GO) run ./bench/cmd/compare -runs 3 $(if $(BASELINE),-baseline $(BASELINE)) -out docs/benchmarks-latest.md

bench-short: ## the same comparison with small sizes, one run (under 2 minutes)
	$(GO) run ./bench/cmd/compare -short -runs 1 $(if $(BASELINE),-baseline $(BASELINE))
