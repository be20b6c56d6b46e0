package httpapi_test

import (
	"context"
	"strings"
	"testing"

	"goweb/pkg/redis/redistest"
)

// /metrics names Redis' maxmemory-policy, in JSON and for Prometheus, and
// says whether it may delete queued messages (issue 15 part 3).
func TestMetricsShowMaxMemoryPolicy(t *testing.T) {
	t.Parallel()
	for policy, evicts := range map[string]bool{"allkeys-lru": true, "noeviction": false} {
		b := setup(t, redistest.Start(t, "--maxmemory-policy", policy).Addr)
		var doc struct {
			Redis struct {
				MaxMemoryPolicy string `json:"maxmemory_policy"`
				MayEvict        bool   `json:"may_evict"`
			}
		}
		if code := b.getJSON(t, "/metrics", &doc); code != 200 || doc.Redis.MaxMemoryPolicy != policy || doc.Redis.MayEvict != evicts {
			t.Errorf("%s: /metrics %d %+v", policy, code, doc)
		}
		_, _, text := b.get(t, "/metrics?format=prometheus", "")
		want := `gateway_worker_redis_maxmemory_policy{policy="` + policy + `"} 1`
		if !strings.Contains(text, want) {
			t.Errorf("%s: Prometheus exposition lacks %s", policy, want)
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
