// The seed document's programs, to be placed into the project at the same
// paths (see README.md). This file makes the directory a module of its own
// only so that the project's go build ./... and go vet ./... skip it: the
// programs import goweb/services/gateway-worker/internal/service, which
// exists only once they are placed.
module goweb/examples/seed

go 1.26.8
