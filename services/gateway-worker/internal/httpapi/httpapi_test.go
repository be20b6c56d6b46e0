package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/httpapi"
	"goweb/services/gateway-worker/internal/metrics"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

type bundle struct {
	m      *redis.Manager
	topics []string
	active int
	ready  *httpapi.Readiness
	h      http.Handler
	logs   *servicetest.Buffer
}

// setup serves the API for a manager on addr consuming a topic of its own.
func setup(t *testing.T, addr string) *bundle {
	t.Helper()
	b := &bundle{topics: []string{redistest.Topic(t)}, active: 1, logs: &servicetest.Buffer{}}
	b.m = servicetest.Manager(t, addr)
	log := logger.NewWithOptions(logger.Options{Output: b.logs})
	b.ready = httpapi.NewReadiness(b.m.Ping, func() (int, int) { return b.active, len(b.topics) }, log)
	b.ready.CacheFor = 10 * time.Millisecond
	m := metrics.New(b.m.Inspector(), b.topics)
	m.ExposePolicy(b.m.MaxMemoryPolicy)
	m.ExposeReplicas(b.m.ConnectedReplicas)
	b.h = httpapi.NewHandler(httpapi.Deps{
		Ready:      b.ready,
		Consumers:  func() (int, []string) { return b.active, b.topics },
		Stats:      b.m.Inspector().StatsOf,
		Policy:     b.m.MaxMemoryPolicy,
		Replicas:   b.m.ConnectedReplicas,
		Prometheus: m.Handler(),
		Log:        log,
		Started:    time.Now().Add(-90 * time.Second),
	})
	return b
}

func (b *bundle) get(t *testing.T, target, accept string) (int, http.Header, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, target, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	b.h.ServeHTTP(rec, req)
	body, _ := io.ReadAll(rec.Body)
	return rec.Code, rec.Header(), string(body)
}

func (b *bundle) getJSON(t *testing.T, target string, v any) int {
	t.Helper()
	code, h, body := b.get(t, target, "")
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("%s: Content-Type %q", target, ct)
	}
	if err := json.Unmarshal([]byte(body), v); err != nil {
		t.Fatalf("%s: %v: %s", target, err, body)
	}
	return code
}

func TestRoutes(t *testing.T) {
	t.Parallel()
	if got := httpapi.Routes(); !slices.Equal(got, []string{"/healthz", "/ready", "/metrics"}) {
		t.Errorf("routes %v", got)
	}
}

// /healthz answers even with no Redis at all: liveness must not depend on it.
func TestHealthz(t *testing.T) {
	t.Parallel()
	b := setup(t, "127.0.0.1:1")
	var doc map[string]string
	if code := b.getJSON(t, "/healthz", &doc); code != 200 {
		t.Fatalf("code %d", code)
	}
	if doc["status"] != "ok" || doc["service"] != "gateway-worker" || len(doc) != 3 {
		t.Errorf("body %v", doc)
	}
	if _, err := time.Parse(time.RFC3339, doc["timestamp"]); err != nil {
		t.Error(err)
	}
}

func TestReady(t *testing.T) {
	t.Parallel()
	b := setup(t, servicetest.Redis.Addr)
	var doc map[string]string
	if code := b.getJSON(t, "/ready", &doc); code != 200 ||
		!equal(doc, map[string]string{"status": "ready", "service": "gateway-worker", "consumers": "running"}) {
		t.Errorf("%d %v", code, doc)
	}
}

func TestNotReadyWhileConsumersAreMissingOrStopping(t *testing.T) {
	t.Parallel()
	b := setup(t, servicetest.Redis.Addr)
	b.topics = append(b.topics, "x")
	var doc map[string]string
	if code := b.getJSON(t, "/ready", &doc); code != 503 || doc["status"] != "not_ready" || doc["consumers"] != "1/2 running" || doc["reason"] == "" {
		t.Errorf("%d %v", code, doc)
	}
	b.topics = b.topics[:1]
	b.ready.Stopping()
	if code := b.getJSON(t, "/ready", &doc); code != 503 || doc["consumers"] != "stopping" {
		t.Errorf("%d %v", code, doc)
	}
}

// /ready follows Redis going away and coming back.
func TestReadyFollowsRedis(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t)
	b := setup(t, own.Addr)
	status := func() (int, map[string]string) {
		var doc map[string]string
		return b.getJSON(t, "/ready", &doc), doc
	}
	waitFor := func(want int) map[string]string {
		t.Helper()
		var code int
		var doc map[string]string
		if !redistest.WaitUntil(10*time.Second, func() bool { code, doc = status(); return code == want }) {
			t.Fatalf("/ready is %d %v, want %d", code, doc, want)
		}
		return doc
	}
	waitFor(200)
	own.Kill()
	doc := waitFor(503)
	// The probe is unauthenticated: the answer names no address, the log
	// keeps the cause.
	if doc["status"] != "not_ready" || doc["reason"] != "redis did not answer a PING; the log has the cause" {
		t.Errorf("body %v", doc)
	}
	if !strings.Contains(b.logs.String(), own.Addr) {
		t.Errorf("the log lacks the cause: %s", b.logs)
	}
	if code, _, _ := b.get(t, "/healthz", ""); code != 200 {
		t.Errorf("/healthz %d while Redis is down", code)
	}
	if err := own.Restart(); err != nil {
		t.Fatal(err)
	}
	waitFor(200)
}

func TestMetricsJSON(t *testing.T) {
	t.Parallel()
	b := setup(t, servicetest.Redis.Addr)
	if err := b.m.GetQueue().Publish(context.Background(), b.topics[0], map[string]interface{}{"a": 1}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Service       string
		Status        string
		Uptime        string
		UptimeSeconds int64 `json:"uptime_seconds"`
		Consumers     struct {
			Active int
			Topics []string
		}
		Queues []redis.TopicStats
	}
	if code := b.getJSON(t, "/metrics", &doc); code != 200 {
		t.Fatal(code)
	}
	if doc.Service != "gateway-worker" || doc.Status != "running" || doc.Uptime != "1m30s" || doc.UptimeSeconds != 90 ||
		doc.Consumers.Active != 1 || !slices.Equal(doc.Consumers.Topics, b.topics) {
		t.Errorf("doc %+v", doc)
	}
	if len(doc.Queues) != 1 || doc.Queues[0].Topic != b.topics[0] || doc.Queues[0].Pending != 1 {
		t.Errorf("queues %+v", doc.Queues)
	}
}

func TestMetricsJSONWithRedisDown(t *testing.T) {
	t.Parallel()
	b := setup(t, "127.0.0.1:1")
	var doc map[string]any
	if code := b.getJSON(t, "/metrics", &doc); code != 200 || doc["queue_error"] != httpapi.ErrQueueState.Error() || doc["status"] != "running" {
		t.Errorf("%d %v", code, doc)
	}
	if !strings.Contains(b.logs.String(), "127.0.0.1:1") {
		t.Errorf("the log lacks the cause: %s", b.logs)
	}
}

// Scrapers get the Prometheus exposition on the same path.
func TestMetricsPrometheus(t *testing.T) {
	t.Parallel()
	b := setup(t, servicetest.Redis.Addr)
	if err := b.m.GetQueue().Publish(context.Background(), b.topics[0], map[string]interface{}{"a": 1}); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ target, accept, contentType string }{
		{"/metrics?format=prometheus", "", "text/plain"},
		{"/metrics", "text/plain;version=0.0.4;q=0.9,*/*;q=0.1", "text/plain"},
		{"/metrics", "application/openmetrics-text;version=1.0.0", "application/openmetrics-text"},
	} {
		code, h, body := b.get(t, tt.target, tt.accept)
		if code != 200 || !strings.HasPrefix(h.Get("Content-Type"), tt.contentType) {
			t.Errorf("%s Accept %q: %d %s", tt.target, tt.accept, code, h.Get("Content-Type"))
		}
		for _, want := range []string{
			`gateway_worker_queue_messages{state="pending",topic="` + b.topics[0] + `"} 1`,
			`gateway_worker_messages_processed_total{topic="` + b.topics[0] + `"} 0`,
			"gateway_worker_redis_up 1",
			"gateway_worker_messages_in_flight",
			"gateway_worker_messages_published_total",
			`gateway_worker_topic_paused{topic="` + b.topics[0] + `"} 0`,
			`gateway_worker_flow_wait_seconds_total{reason="rate_limit",topic="` + b.topics[0] + `"} 0`,
		} {
			if !strings.Contains(body, want) {
				t.Errorf("%s Accept %q: no %q in\n%s", tt.target, tt.accept, want, body)
			}
		}
	}
}

func equal(got, want map[string]string) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

func TestProbe(t *testing.T) {
	t.Parallel()
	b := setup(t, "127.0.0.1:1")
	s := httptest.NewServer(b.h)
	defer s.Close()
	ctx := context.Background()
	if err := httpapi.Probe(ctx, s.URL+"/healthz"); err != nil {
		t.Error(err)
	}
	if err := httpapi.Probe(ctx, s.URL+"/ready"); err == nil || !strings.Contains(err.Error(), "503") {
		t.Errorf("probe of a 503: %v", err)
	}
	if err := httpapi.Probe(ctx, "http://127.0.0.1:1/healthz"); err == nil {
		t.Error("probe of a closed port succeeded")
	}
}

// A path under a handler tree such as /v1/ reaches the handler as sent:
// http.ServeMux would answer "//" or ".." with a redirect and no body.
func TestTreesSeeTheRawPath(t *testing.T) {
	t.Parallel()
	var got string
	h := httpapi.NewHandler(httpapi.Deps{Handlers: map[string]http.Handler{
		"/v1/": http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.URL.EscapedPath()
			w.WriteHeader(http.StatusTeapot)
		}),
	}})
	for _, target := range []string{"/v1/topics//messages", "/v1/topics/../messages", "/v1/./x", "/v1/topics/a%2Fb/dead"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, target, nil))
		if rec.Code != http.StatusTeapot || got != target {
			t.Errorf("%s: %d, the handler saw %q", target, rec.Code, got)
		}
	}
}
