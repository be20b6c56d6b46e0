// Command server runs the gateway worker: it consumes the configured
// topics and serves /healthz, /ready and /metrics on APP_PORT (8084).
//
// "server healthcheck" GETs the local /healthz and exits 0 if it answers,
// for container health checks in images without curl. Settings come from the
// environment and config.yaml only; any other argument is an error.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"goweb/pkg/config"
	"goweb/services/gateway-worker/internal/app"
)

const usage = "usage: gateway-worker [healthcheck]\n(settings come from the environment and config.yaml; see docs/service.md)"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg := config.New()
	log := app.NewLogger(cfg)

	switch args := os.Args[1:]; {
	case len(args) == 0:
	case len(args) == 1 && args[0] == "healthcheck":
		if err := app.Healthcheck(ctx, cfg); err != nil {
			log.Error("health check failed", err)
			os.Exit(1)
		}
		return
	case len(args) == 1 && (args[0] == "help" || args[0] == "-h" || args[0] == "--help"):
		fmt.Println(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "gateway-worker: unknown argument %q\n%s\n", args[len(args)-1], usage)
		os.Exit(2)
	}

	a, err := app.New(ctx, app.Options{Config: cfg, Log: log})
	if err != nil {
		log.Error("cannot start gateway-worker", err)
		os.Exit(1)
	}
	if err := a.Run(ctx); err != nil {
		log.Error("gateway-worker failed", err)
		os.Exit(1)
	}
}
