package gatewayworker_test

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

var predefined = []string{"order.reminder", "user.notification", "system.cleanup", "payment.retry", "inventory.alert"}

type metricsDoc struct {
	Service       string `json:"service"`
	Status        string `json:"status"`
	Uptime        string `json:"uptime"`
	UptimeSeconds *int64 `json:"uptime_seconds"`
	Consumers     struct {
		Active int      `json:"active"`
		Topics []string `json:"topics"`
	} `json:"consumers"`
	Queues []redis.TopicStats `json:"queues"`
}

func (d *metricsDoc) queue(topic string) redis.TopicStats {
	for _, q := range d.Queues {
		if q.Topic == topic {
			return q
		}
	}
	return redis.TopicStats{}
}

// The server against a private Redis: endpoints, a handled message,
// readiness across a Redis kill and restart, and a clean SIGTERM.
func TestServer(t *testing.T) {
	t.Parallel()
	bin := build(t, "./services/gateway-worker/cmd/server")
	rs := redistest.Start(t)
	p := startServer(t, bin, redisEnv(rs.Addr)...)

	var health map[string]string
	if code := p.getJSON(t, "/healthz", &health); code != 200 || health["status"] != "ok" || health["service"] != "gateway-worker" {
		t.Errorf("/healthz %d %v", code, health)
	}
	if _, err := time.Parse(time.RFC3339, health["timestamp"]); err != nil {
		t.Errorf("/healthz timestamp: %v", err)
	}
	readyIs := func(want int) map[string]string {
		t.Helper()
		var doc map[string]string
		servicetest.Eventually(t, 15*time.Second, fmt.Sprintf("/ready to answer %d", want), func() bool {
			return p.getJSON(t, "/ready", &doc) == want
		})
		return doc
	}
	if doc := readyIs(200); doc["status"] != "ready" || doc["consumers"] != "running" || doc["service"] != "gateway-worker" {
		t.Errorf("/ready %v", doc)
	}

	// A published message is handled: the log says so, and so do the metrics.
	m := servicetest.Manager(t, rs.Addr)
	id, err := m.GetQueue().Enqueue(context.Background(), "order.reminder", map[string]interface{}{"order_id": "12345"})
	if err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, 10*time.Second, "the message in the log", func() bool {
		return strings.Contains(p.out.String(), `"message_id":"`+id+`"`)
	})
	var doc metricsDoc
	servicetest.Eventually(t, 10*time.Second, "processed count in /metrics", func() bool {
		p.getJSON(t, "/metrics", &doc)
		return doc.queue("order.reminder").Processed == 1
	})
	if doc.Service != "gateway-worker" || doc.Status != "running" || doc.Uptime == "" || doc.UptimeSeconds == nil ||
		doc.Consumers.Active != 5 || strings.Join(doc.Consumers.Topics, ",") != strings.Join(predefined, ",") {
		t.Errorf("/metrics %+v", doc)
	}
	for _, accept := range []string{"", "text/plain", "application/openmetrics-text; version=1.0.0"} {
		path := "/metrics"
		if accept == "" {
			path += "?format=prometheus"
		}
		code, _, body := p.get(path, accept)
		for _, want := range []string{
			`gateway_worker_messages_processed_total{topic="order.reminder"} 1`,
			`gateway_worker_queue_messages{state="pending",topic="order.reminder"} 0`,
			"gateway_worker_handler_duration_seconds_bucket",
		} {
			if code != 200 || !strings.Contains(body, want) {
				t.Errorf("%s Accept %q: %d, no %q", path, accept, code, want)
			}
		}
	}

	rs.Kill()
	if doc := readyIs(503); doc["status"] != "not_ready" || !strings.Contains(doc["reason"], "did not answer") || strings.Contains(doc["reason"], rs.Addr) {
		// The reason says what is wrong but, unauthenticated, names no address.
		t.Errorf("/ready with Redis down: %v", doc)
	}
	if code, _, _ := p.get("/healthz", ""); code != 200 {
		t.Errorf("/healthz %d with Redis down", code)
	}
	if err := rs.Restart(); err != nil {
		t.Fatal(err)
	}
	readyIs(200)

	if code := p.stop(t); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
}

// SIGTERM in the middle of a backlog: every message is either processed
// or back in the queue, none in flight or lost.
func TestShutdownLosesNothing(t *testing.T) {
	t.Parallel()
	bin := build(t, "./services/gateway-worker/cmd/server")
	rs := redistest.Start(t)
	m := servicetest.Manager(t, rs.Addr)
	ctx := context.Background()
	const total, batch = 30000, 1000
	for i := 0; i < total/batch; i++ {
		msgs := make([]map[string]interface{}, batch)
		for j := range msgs {
			msgs[j] = map[string]interface{}{"n": i*batch + j}
		}
		if err := m.GetQueue().PublishBatch(ctx, "payment.retry", msgs); err != nil {
			t.Fatal(err)
		}
	}
	p := startServer(t, bin, append(redisEnv(rs.Addr), "WORKER_TOPICS=payment.retry", "WORKER_CONCURRENCY=4")...)
	stats := func() *redis.TopicStats {
		s, err := m.Inspector().Stats(ctx, "payment.retry")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	servicetest.Eventually(t, 20*time.Second, "processing to start", func() bool { return stats().Processed > 0 })
	if code := p.stop(t); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
	s := stats()
	t.Logf("at SIGTERM: processed %d, pending %d", s.Processed, s.Pending)
	if s.Processed+s.Pending != total || s.InFlight != 0 || s.Delayed != 0 || s.Dead != 0 {
		t.Errorf("after shutdown: %+v, want processed+pending = %d and nothing else", s, total)
	}
	if !strings.Contains(p.out.String(), "gateway-worker stopped") {
		t.Error("no shutdown log line")
	}
}

// With REDIS_MODE=embedded the worker brings its own Redis.
func TestEmbeddedRedis(t *testing.T) {
	t.Parallel()
	bin := build(t, "./services/gateway-worker/cmd/server")
	port, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + strconv.Itoa(port)
	p := startServer(t, bin, "REDIS_MODE=embedded", "REDIS_EMBEDDED_ADDR="+addr, "LOG_FORMAT=text")
	if !strings.Contains(p.out.String(), "EMBEDDED in-memory Redis") {
		t.Error("no warning about the embedded Redis")
	}
	m := servicetest.Manager(t, addr)
	ctx := context.Background()
	if err := m.GetQueue().Publish(ctx, "inventory.alert", map[string]interface{}{"sku": "A1"}); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, 10*time.Second, "the message handled", func() bool {
		s, err := m.Inspector().Stats(ctx, "inventory.alert")
		return err == nil && s.Processed == 1
	})
	if code := p.stop(t); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
}

// A bad setting stops the start with a message naming it.
func TestConfigError(t *testing.T) {
	t.Parallel()
	bin := build(t, "./services/gateway-worker/cmd/server")
	p := start(t, bin, "REDIS_HOST=127.0.0.1", "REDIS_PORT=1", "WORKER_CONCURRENCY=0")
	if code := p.wait(t); code == 0 {
		t.Error("exit code 0")
	}
	if !strings.Contains(p.out.String(), "WORKER_CONCURRENCY") {
		t.Errorf("output does not name WORKER_CONCURRENCY:\n%s", p.out)
	}
}

// An argument the binary does not know is refused before anything starts.
func TestUnknownArgument(t *testing.T) {
	t.Parallel()
	bin := build(t, "./services/gateway-worker/cmd/server")
	for _, args := range [][]string{{"--port=1"}, {"srve"}} {
		out, err := exec.Command(bin, args...).CombinedOutput()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 2 {
			t.Fatalf("%v: exit: %v, want status 2", args, err)
		}
		if !strings.Contains(string(out), "gateway-worker: unknown") || !strings.Contains(string(out), "Run 'gateway-worker --help' for usage.") {
			t.Errorf("%v: output %q does not explain", args, out)
		}
	}
}
