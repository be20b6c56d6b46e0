package settings

import (
	"fmt"

	"goweb/pkg/config"
	"goweb/services/gateway-worker/internal/dispatch"
)

// dispatch reads the dispatch.* settings. Whether a routed topic also has
// a Go handler is checked when the routes are registered (app.New).
func (r *reader) dispatch() dispatch.Config {
	c := dispatch.Config{
		MaxRetryAfter: get(r, maxRetryAfter),
		Breaker:       dispatch.BreakerConfig{Failures: get(r, breakerFailures), Cooldown: get(r, breakerCooldown)},
	}
	routes, err := dispatch.ParseRoutesText("routes", r.cfg.GetString(KeyDispatchRoutes), nil)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("config: %s (%s): %w", KeyDispatchRoutes, config.EnvName(KeyDispatchRoutes), err))
	}
	c.Routes = routes
	if raw := r.scalar(KeyDispatchSigningSecret); raw != "" {
		secret, err := dispatch.ParseSecret(raw)
		if err != nil {
			r.fail(KeyDispatchSigningSecret, "%v", err)
		} else {
			c.DefaultSecrets = []dispatch.Secret{secret}
		}
	}
	// A route listing no secret signs with the default one: say so in the
	// route itself, so the start line counts the secrets it signs with.
	for i := range c.Routes {
		if len(c.Routes[i].Secrets) == 0 {
			c.Routes[i].Secrets = c.DefaultSecrets
		}
	}
	return c
}
