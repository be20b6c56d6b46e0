package app

import (
	"cmp"
	"fmt"

	"goweb/pkg/logger"
	"goweb/services/gateway-worker/internal/dispatch"
	"goweb/services/gateway-worker/internal/settings"
	"goweb/services/gateway-worker/internal/worker"
)

// registerRoutes registers each route's topic with the dispatch handler,
// so that WORKER_TOPICS and the per-topic options treat it like any
// registered topic. The route's timeout (default 30s) is the topic's
// default handler timeout, which is the request timeout. A topic that has
// a Go handler and a route is an error naming both.
func (a *App) registerRoutes(reg *worker.Registry, log logger.Logger) error {
	cfg := a.settings.Dispatch
	if len(cfg.Routes) == 0 {
		return nil
	}
	topics := make([]string, len(cfg.Routes))
	for i, r := range cfg.Routes {
		if _, taken := reg.Lookup(r.Topic); taken {
			return fmt.Errorf("config: %s (%s): topic %q has both a Go handler and a route: keep one",
				settings.KeyDispatchRoutes, "DISPATCH_ROUTES", r.Topic)
		}
		topics[i] = r.Topic
	}
	a.dispatchMetrics = dispatch.NewMetrics(topics)
	cfg.Hooks = a.dispatchMetrics
	d, err := dispatch.New(cfg, a.manager.Client(), log)
	if err != nil {
		return err
	}
	a.dispatcher = d
	for _, r := range cfg.Routes {
		reg.RegisterWith(r.Topic, d.Handler(r.Topic), worker.Defaults{HandlerTimeout: cmp.Or(r.Timeout, dispatch.DefaultTimeout)})
	}
	return reg.Err()
}

// dispatchStats are the routes' figures for the JSON /metrics, nil without
// routes.
func (a *App) dispatchStats() any {
	if a.dispatcher == nil {
		return nil
	}
	return a.dispatcher.Stats()
}

// attempts is the attempts record for the admin API, nil without routes.
func (a *App) attempts() *dispatch.Attempts {
	if a.dispatcher == nil {
		return nil
	}
	return a.dispatcher.Attempts()
}
