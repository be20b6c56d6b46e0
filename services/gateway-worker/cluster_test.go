package gatewayworker_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"goweb/pkg/redis/redistest"
	"goweb/services/gateway-worker/internal/servicetest"
)

// The whole service on a 3-master Redis Cluster, configured by
// REDIS_CLUSTER_ADDRS alone: consuming, the admin API, /metrics in both
// formats, the dashboard and the scheduled cleanup all work, and no node
// ever answers CROSSSLOT.
func TestServiceOnCluster(t *testing.T) {
	t.Parallel()
	c := redistest.StartCluster(t, 3, 0)
	t.Cleanup(func() { c.AssertNoCrossSlot(t) })
	bin := build(t, "./services/gateway-worker/cmd/server")
	const token = "cluster-test-token"
	p := startServer(t, bin, "REDIS_CLUSTER_ADDRS="+strings.Join(c.Addrs(), ","),
		"ADMIN_TOKEN="+token, "CLEANUP_INTERVAL=1s", "LOG_FORMAT=text", "WORKER_PERIODIC=report.tick=@every 1s")
	p.waitReady(t)
	call := func(method, path, body string) (int, string) {
		req, _ := http.NewRequest(method, fmt.Sprintf("http://127.0.0.1:%d%s", p.port, path), strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := p.client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = fmt.Fprint(&b, json.NewDecoder(resp.Body).Decode(new(any)))
		return resp.StatusCode, b.String()
	}

	// Publish over HTTP to every predefined topic: they spread over masters.
	for _, topic := range predefined {
		if code, _ := call("POST", "/v1/topics/"+topic+"/messages", `{"data":{"k":"v"}}`); code != http.StatusCreated {
			t.Fatalf("publish to %s: %d", topic, code)
		}
	}
	// A poison entry, pushed the way another language would.
	if err := c.Client(t).LPush(context.Background(), "mq:user.notification", "not json").Err(); err != nil {
		t.Fatal(err)
	}
	servicetest.Eventually(t, 15*time.Second, "messages handled and the poison entry dead", func() bool {
		var doc metricsDoc
		if p.getJSON(t, "/metrics", &doc) != http.StatusOK {
			return false
		}
		return doc.queue("order.reminder").Processed >= 1 && doc.queue("user.notification").Dead == 1
	})
	for _, req := range []struct{ method, path, body string }{
		{"GET", "/v1/topics", ""},
		{"GET", "/v1/topics/user.notification", ""},
		{"GET", "/v1/topics/user.notification/dead", ""},
		{"POST", "/v1/topics/user.notification/dead/requeue", `{"all":true}`},
		{"DELETE", "/v1/topics/user.notification/dead", ""},
	} {
		if code, _ := call(req.method, req.path, req.body); code != http.StatusOK {
			t.Errorf("%s %s: %d", req.method, req.path, code)
		}
	}
	for _, path := range []string{"/metrics?format=prometheus", "/dashboard"} {
		if code, _, body := p.get(path, ""); code != http.StatusOK || body == "" {
			t.Errorf("GET %s: %d", path, code)
		}
	}
	servicetest.Eventually(t, 15*time.Second, "a scheduled cleanup", func() bool {
		return strings.Contains(p.out.String(), "cleanup done")
	})
	// WORKER_PERIODIC publishes to a topic nobody consumes here.
	servicetest.Eventually(t, 10*time.Second, "a periodic message", func() bool {
		n, _ := c.Client(t).LLen(context.Background(), "mq:report.tick").Result()
		return n >= 1
	})
	// Publishes over HTTP and the scheduled ones are counted (a publish is
	// counted once Redis has it, so the count may come a moment after).
	for _, want := range []string{
		`gateway_worker_messages_published_total{result="ok",topic="order.reminder"} 1`,
		`gateway_worker_messages_published_total{result="ok",topic="system.cleanup"} `,
		`gateway_worker_messages_published_total{result="ok",topic="report.tick"} `,
	} {
		servicetest.Eventually(t, 20*time.Second, "/metrics with "+want, func() bool {
			_, _, prom := p.get("/metrics?format=prometheus", "")
			return strings.Contains(prom, want)
		})
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
}
