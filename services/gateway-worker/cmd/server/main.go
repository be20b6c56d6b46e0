// Command server is the gateway-worker binary: with no arguments (or
// "serve") it runs the worker, which consumes the configured topics and
// serves /healthz, /ready, /metrics, the /v1 admin API and the dashboard on
// APP_PORT (8084); "healthcheck" is the container health check; the other
// commands (topics, stats, publish, peek, dead, consumers) inspect and
// repair the queues in Redis. "gateway-worker --help" lists them; see
// docs/service.md.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"goweb/services/gateway-worker/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	code := cli.Execute(ctx, os.Args[1:], cli.Options{})
	stop()
	os.Exit(code)
}
