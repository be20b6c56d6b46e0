// Package service holds the seed document's CustomWorkerService (sections
// 4, 5 and 7), as written there, so the documented examples build and run:
// cmd/demo starts it. custom_worker.go and best_practices.go are the
// seed's code unchanged apart from gofmt; processed.go adds the two
// helpers the seed's idempotent handler calls.
//
// A new service would rather register its handlers with the gateway
// worker (see package worker), which adds metrics, retries, per-topic
// settings and graceful shutdown.
package service
