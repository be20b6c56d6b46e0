// Package app wires the gateway worker together: configuration, Redis
// (with the embedded default), handlers, consumers, metrics and the HTTP
// endpoints. main only builds an App and runs it:
//
//	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
//	defer stop()
//	a, err := app.New(ctx, app.Options{})
//	if err != nil { ... }
//	err = a.Run(ctx) // returns after a graceful shutdown once ctx is cancelled
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/admin"
	"goweb/services/gateway-worker/internal/dashboard"
	"goweb/services/gateway-worker/internal/dispatch"
	"goweb/services/gateway-worker/internal/handlers"
	"goweb/services/gateway-worker/internal/httpapi"
	"goweb/services/gateway-worker/internal/metrics"
	"goweb/services/gateway-worker/internal/settings"
	"goweb/services/gateway-worker/internal/worker"
)

// RegisterFunc registers handlers of topics besides the built-in ones.
type RegisterFunc func(r worker.Registrar, m *redis.Manager, log logger.Logger)

// Options configure New.
type Options struct {
	// Config is the configuration. Defaults to config.New().
	Config *config.Config
	// Log is the logger. Defaults to NewLogger(Config).
	Log logger.Logger
	// Register adds handlers for more topics; they are consumed by default
	// along with the predefined ones.
	Register []RegisterFunc
	// LocalRedis is where a Redis is looked for when none is configured.
	// Defaults to redis.embedded_addr (REDIS_EMBEDDED_ADDR), then
	// DefaultLocalRedis.
	LocalRedis string
}

// App is a configured gateway worker, ready to Run.
type App struct {
	log      logger.Logger
	settings *settings.Settings
	topics   settings.Topics
	redis    *redisTarget
	manager  *redis.Manager
	pool     *worker.Pool
	ready    *httpapi.Readiness
	servers  []*server           // the public one, then the admin one if ADMIN_PORT is set
	periodic []settings.Periodic // the scheduled cleanup and worker.periodic
	tracing  *tracing            // nil: off
	// dispatcher delivers the routed topics; nil without routes.
	dispatcher      *dispatch.Dispatcher
	dispatchMetrics *dispatch.Metrics
}

// NewLogger returns the service logger: JSON unless log.format (LOG_FORMAT)
// is text, at log.level (LOG_LEVEL).
func NewLogger(cfg *config.Config) logger.Logger {
	return logger.NewWithOptions(logger.Options{
		Name: httpapi.ServiceName, Level: cfg.GetString(settings.KeyLogLevel), Format: cfg.GetString(settings.KeyLogFormat),
	})
}

// New validates the configuration, picks Redis (starting the embedded one
// if that is the default), registers handlers and listens on the HTTP
// port(s). Any error names what is wrong; nothing is left running.
func New(ctx context.Context, opts Options) (_ *App, err error) {
	cfg := opts.Config
	if cfg == nil {
		cfg = config.New()
	}
	log := opts.Log
	if log == nil {
		log = NewLogger(cfg)
	}
	// Every value is checked before anything is started or sized by it.
	a := &App{log: log}
	if a.settings, err = settings.Load(cfg); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			a.close()
		}
	}()
	if a.tracing, err = newTracing(ctx, log); err != nil {
		return nil, err
	}
	rc := cfg.GetRedisConfig()
	// A Redis is looked for where the embedded one would listen, so the
	// worker and the command-line tools (which use REDIS_EMBEDDED_ADDR) meet
	// on the same server.
	a.redis, err = chooseRedis(ctx, rc, cmp.Or(opts.LocalRedis, rc.EmbeddedAddr, DefaultLocalRedis), log)
	if err != nil {
		return nil, err
	}
	a.manager = redis.NewManager(&a.redis.cfg, log, append(a.tracing.managerOptions(),
		redis.WithDefaultReplicaAck(a.settings.WaitReplicas, a.settings.WaitTimeout))...)
	if err := a.manager.Err(); err != nil {
		return nil, err
	}

	insp := a.manager.Inspector()
	reg := &worker.Registry{}
	handlers.Register(reg, log, handlers.NewCleaner(insp, a.settings.DeadRetention, log))
	for _, register := range opts.Register {
		register(reg, a.manager, log)
	}
	if err := reg.Err(); err != nil {
		return nil, err
	}
	if err := a.registerRoutes(reg, log); err != nil {
		return nil, err
	}
	topics, warnings, err := a.settings.Consume(reg.Registrations())
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		log.Warn(w)
	}
	a.topics = topics

	m := metrics.New(insp, topics.Names())
	var also []func(redis.Event)
	if a.dispatchMetrics != nil {
		m.Registry().MustRegister(a.dispatchMetrics)
		also = append(also, a.dispatchMetrics.Observe)
	}
	subs := make([]worker.Registration, 0, len(topics))
	for _, t := range topics {
		g, _ := reg.Lookup(t.Name)
		// The topic's settings come after the registration's options, so
		// what the start line shows is what runs; the tracing span wraps
		// all of them.
		g.Options = slices.Concat(a.tracing.subscribeOptions(), g.Options, t.SubscribeOptions(), m.SubscribeOptions(also...),
			[]redis.SubscribeOption{redis.WithShutdownTimeout(a.settings.ShutdownTimeout)})
		subs = append(subs, g)
	}
	a.pool = worker.NewPool(a.manager.GetQueue(), log, subs)
	a.manager.GetQueue().ObservePublishes(m.ObservePublish)
	m.ExposePolicy(a.manager.MaxMemoryPolicy)
	m.ExposeReplicas(a.manager.ConnectedReplicas)
	// Every replica runs the schedules; each tick is published once for
	// the fleet.
	a.periodic = a.settings.Periodic
	if a.settings.CleanupInterval > 0 && slices.Contains(topics.Names(), handlers.TopicSystemCleanup) {
		a.periodic = append(a.periodic, settings.Periodic{
			Topic: handlers.TopicSystemCleanup, Schedule: "@every " + a.settings.CleanupInterval.String(),
		})
	}

	a.ready = httpapi.NewReadiness(a.manager.Ping, func() (int, int) { return a.pool.Active(), len(subs) }, log)
	adminHandlers := map[string]http.Handler{
		"/v1/":            a.tracing.continueTrace(admin.New(a.manager, admin.Options{Token: string(a.settings.AdminToken), Log: log, Attempts: a.attempts(), Limits: limits(topics)})),
		"GET /dashboard":  dashboard.Handler(),
		"GET /dashboard/": dashboard.Handler(),
	}
	deps := httpapi.Deps{
		Ready:      a.ready,
		Consumers:  func() (int, []string) { return a.pool.Active(), a.pool.Topics() },
		Stats:      insp.StatsOf,
		Policy:     a.manager.MaxMemoryPolicy,
		Replicas:   a.manager.ConnectedReplicas,
		Prometheus: m.Handler(),
		Dispatch:   a.dispatchStats,
		Log:        log,
		Started:    time.Now(),
		Handlers:   adminHandlers,
	}
	if a.servers, err = listen(a.settings, deps); err != nil {
		return nil, err
	}
	log.Info("starting gateway-worker", "config", a.settings, "topics", topics, "redis", a.redis.cfg,
		"embedded_redis", a.redis.embedded != nil, "tracing", a.tracing.describe())
	pctx, pcancel := context.WithTimeout(ctx, time.Second)
	defer pcancel()
	if err := a.manager.Ping(pctx); err != nil {
		log.Warn("Redis is not reachable; consumers keep retrying and /ready answers 503 until it is", "error", err)
	}
	return a, nil
}

// Addr returns the public HTTP listen address.
func (a *App) Addr() string { return a.servers[0].addr() }

// AdminAddr returns the admin listen address (ADMIN_PORT), or "" when the
// admin API is served on Addr.
func (a *App) AdminAddr() string {
	if len(a.servers) < 2 {
		return ""
	}
	return a.servers[1].addr()
}

// Run serves HTTP and consumes until ctx is cancelled, then shuts down:
// consumers stop taking messages and finish in-flight ones within the
// shutdown timeout, handing the rest back to the queue; then HTTP closes.
// It returns nil after a clean shutdown.
func (a *App) Run(ctx context.Context) error {
	defer a.close()
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()

	httpErr := make(chan error, len(a.servers))
	for _, s := range a.servers {
		go func() { httpErr <- s.serve() }()
	}
	var wg sync.WaitGroup
	wg.Go(func() { a.pool.Run(runCtx) })
	for _, p := range a.periodic {
		wg.Go(func() {
			data := map[string]interface{}{"schedule": p.Schedule}
			if err := a.manager.GetQueue().Periodic(runCtx, p.Schedule, p.Topic, data); err != nil {
				a.log.Error("periodic publish not running", "topic", p.Topic, "schedule", p.Schedule, "error", err)
			}
		})
	}
	a.log.Info("gateway-worker running", "addr", a.Addr(), "admin_addr", a.AdminAddr(), "topics", a.pool.Topics())

	var err error
	pending := len(a.servers)
	select {
	case <-runCtx.Done():
	case err = <-httpErr:
		pending--
		err = fmt.Errorf("http: %w", err)
	}
	a.ready.Stopping()
	a.log.Info("shutting down: finishing in-flight messages", "timeout", a.settings.ShutdownTimeout.String())
	cancel()
	wg.Wait()

	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	for _, s := range a.servers {
		if serr := s.http.Shutdown(sctx); serr != nil {
			err = errors.Join(err, fmt.Errorf("http shutdown: %w", serr))
		}
	}
	for range pending {
		if herr := <-httpErr; err == nil && !errors.Is(herr, http.ErrServerClosed) {
			err = fmt.Errorf("http: %w", herr)
		}
	}
	a.log.Info("gateway-worker stopped")
	return err
}

// close releases Redis and the embedded server and exports the last
// spans. The listeners are New's last step and are closed by Run.
func (a *App) close() {
	if a.dispatcher != nil {
		a.dispatcher.Close()
	}
	if a.manager != nil {
		_ = a.manager.Close()
	}
	if a.redis != nil && a.redis.embedded != nil {
		a.redis.embedded.Close()
	}
	if err := a.tracing.shutdown(); err != nil {
		a.log.Warn("spans lost at shutdown", "error", err)
	}
}

// Healthcheck GETs /healthz of the worker on this host, for the container
// HEALTHCHECK: on APP_HOST if it names one, else on the loopback.
func Healthcheck(ctx context.Context, cfg *config.Config) error {
	s, err := settings.Load(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	host := s.Host
	if ip := net.ParseIP(host); host == "" || ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return httpapi.Probe(ctx, "http://"+net.JoinHostPort(host, strconv.Itoa(s.Port))+"/healthz")
}

// limits are the flow control limits of the consumed topics, for the admin
// API.
func limits(topics settings.Topics) map[string]admin.Limits {
	out := map[string]admin.Limits{}
	for _, t := range topics {
		l := admin.Limits{GlobalConcurrency: t.GlobalConcurrency}
		if t.RateLimit != nil {
			l.RateLimit = t.RateLimit.String()
		}
		if l != (admin.Limits{}) {
			out[t.Name] = l
		}
	}
	return out
}
