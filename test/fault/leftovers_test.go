package fault

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
)

// checkNoLeftovers scans every key and fails on any the wire format does
// not document as kept after a drained topic's consumers have stopped:
// only the registry and the counters remain.
func checkNoLeftovers(t *testing.T, c goredis.UniversalClient, topic string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	allowed := []string{"mq:topics", "{mq:" + topic + "}:stats"}
	var keys []string
	iter := c.Scan(ctx, 0, "*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.HasPrefix(k, "{mq:"+topic+"}:history:") { // per-minute counts: they expire
			if ttl, err := c.TTL(ctx, k).Result(); err != nil || ttl <= 0 || ttl > 25*time.Hour {
				t.Errorf("history key %s has TTL %v, %v; want at most 25 h", k, ttl, err)
			}
			continue
		}
		if !slices.Contains(allowed, k) {
			typ, _ := c.Type(ctx, k).Result()
			t.Errorf("leftover key %s (%s) after draining and stopping the workers", k, typ)
		}
	}
	t.Logf("keys after draining: %v", keys)
}
