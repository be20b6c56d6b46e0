package app

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
	"goweb/services/gateway-worker/internal/worker"
)

// TestRunDeliversARoutedTopic: a topic with a route and no Go handler is
// consumed and delivered; /metrics shows the route in JSON and Prometheus.
func TestRunDeliversARoutedTopic(t *testing.T) {
	t.Parallel()
	got := make(chan http.Header, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got <- r.Header.Clone() }))
	t.Cleanup(recv.Close)
	topic := redistest.Topic(t)
	a, ctx := runRouted(t, topic, recv.URL+"/hook", nil)
	id, err := a.manager.GetQueue().Enqueue(ctx, topic, map[string]interface{}{"x": 1})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case h := <-got:
		if h.Get("Webhook-Id") != id {
			t.Errorf("webhook-id %q, want %s", h.Get("Webhook-Id"), id)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("not delivered")
	}
	servicetest.Eventually(t, 10*time.Second, "acknowledged", func() bool {
		s, err := a.manager.Inspector().Stats(ctx, topic)
		return err == nil && s.Processed == 1
	})
	var doc struct {
		Dispatch map[string]struct {
			Deliveries map[string]int `json:"deliveries"`
			Breaker    string         `json:"breaker"`
		} `json:"dispatch"`
	}
	if err := json.Unmarshal([]byte(get(t, "http://"+a.Addr()+"/metrics", "")), &doc); err != nil {
		t.Fatal(err)
	}
	if r := doc.Dispatch[topic]; r.Deliveries["2xx"] != 1 || r.Breaker != "closed" {
		t.Errorf("JSON /metrics dispatch = %+v", doc.Dispatch)
	}
	prom := get(t, "http://"+a.Addr()+"/metrics", "text/plain")
	for _, want := range []string{
		`gateway_worker_dispatch_deliveries_total{outcome="2xx",topic="` + topic + `"} 1`,
		`gateway_worker_dispatch_breaker_state{topic="` + topic + `"} 0`,
		`gateway_worker_dispatch_request_duration_seconds_count{topic="` + topic + `"} 1`,
		`gateway_worker_dispatch_retries_total{topic="` + topic + `"} 0`,
	} {
		if !strings.Contains(prom, want) {
			t.Errorf("Prometheus /metrics lacks %s", want)
		}
	}
}

// TestRunCountsOnlyRetriesThatHappen: with one retry allowed, an endpoint
// that always fails gets two attempts; the dispatch metric counts one
// retry, as the stats do, not the failure that dead-lettered.
func TestRunCountsOnlyRetriesThatHappen(t *testing.T) {
	t.Parallel()
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	t.Cleanup(recv.Close)
	topic := redistest.Topic(t)
	a, ctx := runRouted(t, topic, recv.URL, map[string]any{"worker.max_retries": 1})
	if _, err := a.manager.GetQueue().Enqueue(ctx, topic, map[string]interface{}{"x": 1}); err != nil {
		t.Fatal(err)
	}
	var s *redis.TopicStats
	servicetest.Eventually(t, 20*time.Second, "dead-lettered", func() bool {
		var err error
		s, err = a.manager.Inspector().Stats(ctx, topic)
		return err == nil && s.DeadTotal == 1
	})
	if s.Retried != 1 || s.Failed != 2 {
		t.Errorf("stats = %+v, want 1 retried, 2 failed", s)
	}
	prom := get(t, "http://"+a.Addr()+"/metrics", "text/plain")
	if want := `gateway_worker_dispatch_retries_total{topic="` + topic + `"} 1` + "\n"; !strings.Contains(prom, want) {
		t.Errorf("Prometheus /metrics lacks %s", want)
	}
	if want := `gateway_worker_dispatch_deliveries_total{outcome="5xx",topic="` + topic + `"} 2`; !strings.Contains(prom, want) {
		t.Errorf("Prometheus /metrics lacks %s", want)
	}
}

// runRouted runs the service consuming topic, routed to url, with the
// settings extra; it stops at the test's end.
func runRouted(t *testing.T, topic, url string, extra map[string]any) (*App, context.Context) {
	t.Helper()
	host, port := splitHostPort(servicetest.Redis.Addr)
	_, appPort := splitHostPort(freeAddr(t))
	settings := map[string]any{
		"redis.host": host, "redis.port": port, "app.port": appPort, "shutdown.timeout": "5s",
		"worker.topics":   topic,
		"dispatch.routes": topic + "=" + url,
	}
	for k, v := range extra {
		settings[k] = v
	}
	a, stop := runApp(t, Options{Config: config.NewFromMap(settings), Log: logger.Nop()})
	t.Cleanup(stop)
	return a, context.Background()
}

func TestNewRefusesAHandlerWithARoute(t *testing.T) {
	t.Parallel()
	host, port := splitHostPort(servicetest.Redis.Addr)
	cfg := config.NewFromMap(map[string]any{"redis.host": host, "redis.port": port, "dispatch.routes": "mine=http://x/hook"})
	_, err := New(context.Background(), Options{Config: cfg, Log: logger.Nop(), Register: []RegisterFunc{
		func(r worker.Registrar, _ *redis.Manager, _ logger.Logger) {
			r.Register("mine", func(context.Context, *redis.Message) error { return nil })
		},
	}})
	if err == nil || !strings.Contains(err.Error(), `topic "mine" has both a Go handler and a route`) {
		t.Errorf("err = %v", err)
	}
}

func get(t *testing.T, url, accept string) string {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}
