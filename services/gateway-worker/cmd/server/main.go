// Command server runs the gateway worker: it consumes the configured
// topics and serves /healthz, /ready and /metrics on APP_PORT (8084).
//
// "server healthcheck" GETs the local /healthz and exits 0 if it answers,
// for container health checks in images without curl.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"goweb/pkg/config"
	"goweb/services/gateway-worker/internal/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	cfg := config.New()
	log := app.NewLogger(cfg)

	if len(os.Args) > 1 && os.Args[1] == "healthcheck" {
		if err := app.Healthcheck(ctx, cfg); err != nil {
			log.Error("health check failed", err)
			os.Exit(1)
		}
		return
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
