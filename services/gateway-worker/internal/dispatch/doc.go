// Package dispatch delivers a topic's messages to an HTTP endpoint: the
// gateway worker's routes. A Route names the topic, the URL and how the
// request is made; Dispatcher.Handler turns it into a redis.MessageHandler,
// so delivery rides on the queue's own retries, dead letters and leases.
//
//	routes, err := dispatch.ParseRoutesText(dispatch.EnvRoutes, os.Getenv("DISPATCH_ROUTES"), nil)
//	d, err := dispatch.New(dispatch.Config{Routes: routes}, manager.Client(), log)
//	defer d.Close()
//	err = q.Subscribe(ctx, "orders.created", d.Handler("orders.created"),
//		redis.WithHandlerTimeout(30*time.Second))
//
// One idea per file: route.go and secret.go (configuration), env.go (the
// DISPATCH_ROUTES form), request.go and sign.go (the request and its
// Standard Webhooks signature), outcome.go and retryafter.go (what an answer
// means), breaker.go (the per-route circuit breaker), attempts.go (the last
// attempts kept for dead letters), metrics.go (hooks and their Prometheus
// form) and handler.go, which ties them together. docs/dispatch.md is the
// operator's guide.
package dispatch
