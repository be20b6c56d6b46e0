package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"goweb/pkg/redis/redistest"
)

// /metrics names Redis' maxmemory-policy, in JSON and for Prometheus, and
// says whether it may delete queued messages (issue 15 part 3); with CONFIG
// renamed away it reads INFO memory, as GET /v1/redis does. It counts the
// master's connected replicas too.
func TestMetricsShowMaxMemoryPolicy(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		policy string
		evicts bool
		args   []string
	}{
		{"allkeys-lru", true, nil},
		{"noeviction", false, nil},
		{"volatile-lru", true, []string{"--rename-command", "CONFIG", ""}},
	} {
		b := setup(t, redistest.Start(t, append([]string{"--maxmemory-policy", tc.policy}, tc.args...)...).Addr)
		var doc struct {
			Redis struct {
				MaxMemoryPolicy   string `json:"maxmemory_policy"`
				MayEvict          bool   `json:"may_evict"`
				ConnectedReplicas *int   `json:"connected_replicas"`
			}
		}
		if code := b.getJSON(t, "/metrics", &doc); code != 200 || doc.Redis.MaxMemoryPolicy != tc.policy || doc.Redis.MayEvict != tc.evicts ||
			doc.Redis.ConnectedReplicas == nil || *doc.Redis.ConnectedReplicas != 0 {
			t.Errorf("%s %v: /metrics %d %+v", tc.policy, tc.args, code, doc)
		}
		_, _, text := b.get(t, "/metrics?format=prometheus", "")
		for _, want := range []string{`gateway_worker_redis_maxmemory_policy{policy="` + tc.policy + `"} 1`, "gateway_worker_redis_connected_replicas 0"} {
			if !strings.Contains(text, want) {
				t.Errorf("%s %v: Prometheus exposition lacks %s", tc.policy, tc.args, want)
			}
		}
	}
}

// A full Redis (maxmemory, noeviction) still answers PING and lets
// consumers work, so /ready stays ready: restarting pods would not help.
func TestReadyWhileRedisIsFull(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t, "--maxmemory-policy", "noeviction")
	b := setup(t, own.Addr)
	if err := own.Client(t).ConfigSet(context.Background(), "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.m.GetQueue().Publish(context.Background(), b.topics[0], nil); err == nil {
		t.Fatal("a publish on a full Redis succeeded; the test needs a full Redis")
	}
	var doc map[string]string
	if code := b.getJSON(t, "/ready", &doc); code != 200 || doc["status"] != "ready" {
		t.Errorf("/ready on a full Redis: %d %v, want 200 ready", code, doc)
	}
}
