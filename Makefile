# Common tasks. `make help` lists them.
GO      ?= go
BIN     ?= bin/gateway-worker
SERVER  := ./services/gateway-worker/cmd/server
GOFILES  = $(shell find . -name '*.go' -not -path '*/node_modules/*')

.PHONY: help run build test test-service vet fmt

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

run: ## run the worker locally (embedded Redis when none is configured)
	$(GO) run $(SERVER)

build: ## build the worker into bin/gateway-worker
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) $(SERVER)

test: ## run every test with the race detector
	$(GO) test -race ./...

test-service: ## run the gateway-worker and embedded Redis tests
	$(GO) test -race ./services/... ./pkg/redis/embedded/...

vet: ## go vet and a gofmt check
	$(GO) vet ./...
	@test -z "$$(gofmt -l $(GOFILES))" || (gofmt -l $(GOFILES); exit 1)

fmt: ## gofmt everything
	gofmt -w $(GOFILES)

# Benchmark targets are added below.

.PHONY: bench bench-short

bench: ## compare with asynq and BullMQ on a private redis-server, 3 runs each; writes docs/benchmarks-latest.md
	$(GO) run ./bench/cmd/compare -runs 3 -out docs/benchmarks-latest.md

bench-short: ## the same comparison with small sizes, one run (under 2 minutes)
	$(GO) run ./bench/cmd/compare -short -runs 1
