// Package httpapi serves the worker's HTTP endpoints: /healthz (liveness),
// /ready (readiness) and /metrics (JSON for people, Prometheus text for
// scrapers).
package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
)

// ServiceName is the service field of every response.
const ServiceName = "gateway-worker"

// Deps are what the endpoints report on.
type Deps struct {
	// Ready decides /ready.
	Ready *Readiness
	// Consumers returns how many consumers run and the topics consumed.
	Consumers func() (active int, topics []string)
	// Stats reads the queue state of topics for /metrics.
	Stats func(ctx context.Context, topics []string) ([]redis.TopicStats, error)
	// Policy reads Redis' maxmemory-policy for /metrics ("" when Redis
	// will not tell); nil leaves it out.
	Policy func(ctx context.Context) (string, error)
	// Replicas counts the replicas connected to the master for /metrics
	// (-1 when Redis will not tell); nil leaves it out.
	Replicas func(ctx context.Context) (int, error)
	// Prometheus serves the Prometheus exposition of /metrics.
	Prometheus http.Handler
	// Dispatch returns the routes' delivery figures for the JSON /metrics
	// (see docs/dispatch.md); nil, or a nil result, leaves them out.
	Dispatch func() any
	// Log gets the causes the unauthenticated answers leave out, such as
	// why the queue state could not be read. Defaults to logger.Nop().
	Log logger.Logger
	// Started is when the service started, for uptime.
	Started time.Time
	// Handlers are more endpoints by http.ServeMux pattern, such as the
	// admin API ("/v1/") and the dashboard ("GET /dashboard").
	Handlers map[string]http.Handler
}

type server struct {
	Deps
	// queueErrs throttles the warning of unreadable queue state: every
	// scrape would log it otherwise.
	queueErrs *logger.Throttle
}

type route struct {
	path    string
	handler http.HandlerFunc
}

func (s *server) routes() []route {
	return []route{
		{"/healthz", s.healthz},
		{"/ready", s.ready},
		{"/metrics", s.metrics},
	}
}

// Routes returns the paths the server answers, for checks of the
// deployment manifests.
func Routes() []string {
	var paths []string
	for _, r := range (&server{}).routes() {
		paths = append(paths, r.path)
	}
	return paths
}

// NewHandler returns the HTTP handler of the endpoints.
func NewHandler(d Deps) http.Handler {
	if d.Log == nil {
		d.Log = logger.Nop()
	}
	s := &server{Deps: d, queueErrs: logger.NewThrottle(d.Log, time.Minute, nil)}
	mux := http.NewServeMux()
	for _, r := range s.routes() {
		mux.HandleFunc("GET "+r.path, r.handler)
	}
	var trees []string
	for pattern, h := range d.Handlers {
		mux.Handle(pattern, h)
		if strings.HasSuffix(pattern, "/") && !strings.Contains(pattern, " ") {
			trees = append(trees, pattern)
		}
	}
	return rawTrees(mux, trees, d.Handlers)
}

// rawTrees sends a request under one of trees (patterns such as "/v1/")
// straight to its handler, which sees the path as the client sent it:
// http.ServeMux would answer a path with "//" or ".." by a redirect with
// an empty body, where the admin API answers JSON naming the bad part.
func rawTrees(mux *http.ServeMux, trees []string, handlers map[string]http.Handler) http.Handler {
	if len(trees) == 0 {
		return mux
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		for _, t := range trees {
			if strings.HasPrefix(p, t) {
				handlers[t].ServeHTTP(w, r)
				return
			}
		}
		mux.ServeHTTP(w, r)
	})
}

// NotFound answers every request 404 with a JSON error saying why, as
// the admin API answers: for a tree served on another listener.
func NotFound(why string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.EscapedPath()
		if len(p) > 256 {
			p = p[:256] + "…"
		}
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "no such endpoint: " + p + " (" + why + ")"})
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// healthz is liveness only: it must not depend on Redis, or an outage
// would make Kubernetes restart every pod.
func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{
		"status": "ok", "service": ServiceName, "timestamp": time.Now().UTC().Format(time.RFC3339),
	})
}

func (s *server) ready(w http.ResponseWriter, r *http.Request) {
	consumers, err := s.Ready.Check(r.Context())
	if err != nil {
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{
			"status": "not_ready", "service": ServiceName, "consumers": consumers, "reason": publicReason(err),
		})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ready", "service": ServiceName, "consumers": consumers})
}

// wantsPrometheus reports whether the client asked for the text exposition
// format: ?format=prometheus, or an Accept header naming text/plain or
// OpenMetrics as a scraper sends. Browsers and curl (*/*) get JSON.
func wantsPrometheus(r *http.Request) bool {
	if r.URL.Query().Get("format") == "prometheus" {
		return true
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/plain") || strings.Contains(accept, "application/openmetrics-text")
}

// metricsJSON is the seed's /metrics document plus queue state.
type metricsJSON struct {
	Service       string             `json:"service"`
	Status        string             `json:"status"`
	Uptime        string             `json:"uptime"`
	UptimeSeconds int64              `json:"uptime_seconds"`
	Consumers     consumersJSON      `json:"consumers"`
	Queues        []redis.TopicStats `json:"queues"`
	// QueueError is set when the queue state could not be read, and
	// then Queues is empty. It names no address: the log has the cause.
	QueueError string     `json:"queue_error,omitempty"`
	Dispatch   any        `json:"dispatch,omitempty"`
	Redis      *redisJSON `json:"redis,omitempty"`
}

// redisJSON is what /metrics says about the Redis server itself.
type redisJSON struct {
	// MaxMemoryPolicy is "unknown" where CONFIG GET and INFO are denied.
	MaxMemoryPolicy string `json:"maxmemory_policy"`
	// MayEvict is true when the policy may delete queued messages, or is
	// unknown.
	MayEvict bool `json:"may_evict"`
	// ConnectedReplicas is how many replicas the master has; absent when
	// Redis will not tell.
	ConnectedReplicas *int `json:"connected_replicas,omitempty"`
}

// ErrQueueState is the queue_error of /metrics when the queue state
// could not be read from Redis.
var ErrQueueState = errors.New("cannot read the queue state from Redis; the log has the cause")

type consumersJSON struct {
	Active int      `json:"active"`
	Topics []string `json:"topics"`
}

func (s *server) metrics(w http.ResponseWriter, r *http.Request) {
	if wantsPrometheus(r) {
		s.Prometheus.ServeHTTP(w, r)
		return
	}
	active, topics := s.Consumers()
	up := time.Since(s.Started).Truncate(time.Second)
	doc := metricsJSON{
		Service: ServiceName, Status: "running",
		Uptime: up.String(), UptimeSeconds: int64(up.Seconds()),
		Consumers: consumersJSON{Active: active, Topics: topics},
		Queues:    []redis.TopicStats{},
	}
	if s.Dispatch != nil {
		doc.Dispatch = s.Dispatch()
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if qs, err := s.Stats(ctx, topics); err != nil {
		s.queueErrs.Warn("metrics: cannot read the queue state", "error", err)
		doc.QueueError = ErrQueueState.Error()
	} else {
		doc.Queues = qs
	}
	if s.Policy != nil {
		if policy, err := s.Policy(ctx); err == nil {
			doc.Redis = &redisJSON{MaxMemoryPolicy: policy, MayEvict: redis.Evicts(policy)}
			if policy == "" {
				doc.Redis.MaxMemoryPolicy = "unknown"
			}
		}
	}
	if s.Replicas != nil {
		if n, err := s.Replicas(ctx); err == nil && n >= 0 && doc.Redis != nil {
			doc.Redis.ConnectedReplicas = &n
		}
	}
	writeJSON(w, http.StatusOK, doc)
}
