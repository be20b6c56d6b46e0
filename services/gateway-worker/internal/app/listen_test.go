package app

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/handlers"
	"goweb/services/gateway-worker/internal/servicetest"
	"goweb/services/gateway-worker/internal/worker"
)

// newApp builds an app on the test Redis with values on top, logging to
// the returned buffer.
func newApp(t *testing.T, values map[string]any) (*App, *servicetest.Buffer) {
	t.Helper()
	host, port := splitHostPort(servicetest.Redis.Addr)
	cfg := config.NewFromMap(map[string]any{"redis.host": host, "redis.port": port, "shutdown.timeout": "2s",
		"worker.topics": handlers.TopicSystemCleanup, "cleanup.interval": 0})
	for k, v := range values {
		cfg.Set(k, v)
	}
	logs := &servicetest.Buffer{}
	a, stop := runApp(t, Options{Config: cfg, Log: logger.NewWithOptions(logger.Options{Output: logs})})
	t.Cleanup(stop)
	return a, logs
}

// runApp builds an App from opts and runs it until stop, which cancels
// it and waits for Run, failing the test if Run failed.
func runApp(t *testing.T, opts Options) (a *App, stop func()) {
	t.Helper()
	a, err := New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return a, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}
}

// handle registers h for topic, as a service's RegisterFunc does.
func handle(topic string, h redis.MessageHandler) []RegisterFunc {
	return []RegisterFunc{func(r worker.Registrar, _ *redis.Manager, _ logger.Logger) { r.Register(topic, h) }}
}

func status(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// With ADMIN_PORT the admin API and the dashboard are served there, and
// the public port answers them 404; with APP_HOST the public port binds
// only that address.
func TestAdminListener(t *testing.T) {
	t.Parallel()
	_, appPort := splitHostPort(freeAddr(t))
	_, adminPort := splitHostPort(freeAddr(t))
	a, _ := newApp(t, map[string]any{"app.host": "127.0.0.1", "app.port": appPort,
		"admin.host": "127.0.0.1", "admin.port": adminPort, "admin.token": "tok"})
	pub, adm := "http://"+a.Addr(), "http://"+a.AdminAddr()
	if !strings.HasPrefix(a.Addr(), "127.0.0.1:") || a.AdminAddr() == "" {
		t.Fatalf("addresses %s and %s", a.Addr(), a.AdminAddr())
	}
	for url, want := range map[string]int{
		pub + "/healthz":   200,
		pub + "/v1/topics": 404,
		pub + "/dashboard": 404,
		adm + "/v1/topics": 401, // served, and wants the token
		adm + "/dashboard": 200,
		adm + "/metrics":   200, // the dashboard reads breaker states from it
		adm + "/healthz":   404,
	} {
		if got := status(t, url); got != want {
			t.Errorf("GET %s = %d, want %d", url, got, want)
		}
	}
	// The public port's 404 under /v1 is JSON, as every API answer.
	resp, err := http.Post(pub+"/v1/topics/t/messages", "application/json", strings.NewReader(`{"data":{}}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct{ Error string }
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || resp.StatusCode != 404 ||
		resp.Header.Get("Content-Type") != "application/json" || !strings.Contains(body.Error, "ADMIN_PORT") {
		t.Errorf("POST on APP_PORT: %d %s %+v (%v), want a JSON 404 naming ADMIN_PORT", resp.StatusCode, resp.Header.Get("Content-Type"), body, err)
	}
}

// Without ADMIN_PORT everything is on the public port, as before.
func TestOneListener(t *testing.T) {
	t.Parallel()
	_, appPort := splitHostPort(freeAddr(t))
	a, _ := newApp(t, map[string]any{"app.port": appPort, "admin.token": "tok"})
	if a.AdminAddr() != "" {
		t.Errorf("admin address %s without ADMIN_PORT", a.AdminAddr())
	}
	pub := "http://127.0.0.1:" + strconv.Itoa(appPort)
	for path, want := range map[string]int{"/healthz": 200, "/v1/topics": 401, "/dashboard": 200} {
		if got := status(t, pub+path); got != want {
			t.Errorf("GET %s = %d, want %d", path, got, want)
		}
	}
}

// The start line shows each topic's effective options: system.cleanup is
// registered with a concurrency of 1 and runs so, whatever
// WORKER_CONCURRENCY says; the replica wait shows too.
func TestStartLineShowsEffectiveOptions(t *testing.T) {
	t.Parallel()
	_, appPort := splitHostPort(freeAddr(t))
	_, logs := newApp(t, map[string]any{"app.port": appPort, "worker.concurrency": 7, "redis.wait_timeout": "750ms"})
	var line struct {
		Msg    string                               `json:"msg"`
		Topics map[string]struct{ Concurrency int } `json:"topics"`
		Config struct {
			WaitReplicas *int   `json:"wait_replicas"`
			WaitTimeout  string `json:"wait_timeout"`
		} `json:"config"`
	}
	for _, l := range strings.Split(logs.String(), "\n") {
		if json.Unmarshal([]byte(l), &line) == nil && line.Msg == "starting gateway-worker" {
			break
		}
	}
	if got := line.Topics[handlers.TopicSystemCleanup].Concurrency; got != 1 {
		t.Errorf("start line: system.cleanup concurrency %d, want 1\n%s", got, logs.String())
	}
	if c := line.Config; c.WaitReplicas == nil || *c.WaitReplicas != 0 || c.WaitTimeout != "750ms" {
		t.Errorf("start line: config wait_replicas %v, wait_timeout %q; want 0 and 750ms\n%s", c.WaitReplicas, c.WaitTimeout, logs.String())
	}
}
