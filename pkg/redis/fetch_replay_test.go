package redis_test

import (
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
	"goweb/pkg/redis/redistest/netfault"
)

// Every connection to Redis is cut after 1 KiB of replies while a consumer
// takes a backlog of 1 KiB messages, so the replies of its fetches are cut
// after Redis ran them. go-redis used to send such a fetch again with the
// same tokens, and each run overwrote the entries the one before had put
// in flight: they were in no list and no hash any more (test/fault
// TestNetworkFaults/Resets and /Bandwidth lost messages that way). Now a
// fetch is sent once, and the next one hands back what a failed one took.
func TestFetchWhoseReplyIsCutLosesNothing(t *testing.T) {
	t.Parallel()
	const n = 300
	px := netfault.Start(t, srv.Addr)
	b := setupAddr(t, px.Addr) // the consumer, through the proxy
	direct := newManager(t, srv.Addr)
	batch := make([]map[string]interface{}, n)
	for i := range batch {
		batch[i] = map[string]interface{}{"n": i, "pad": strings.Repeat("x", 1024)}
	}
	ids, err := direct.GetQueue().EnqueueBatch(b.ctx, b.topic, batch)
	if err != nil {
		t.Fatal(err)
	}

	conns := func() int {
		v, err := redistest.Info(b.ctx, direct.Client(), "stats", "total_connections_received")
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(v)
		return n
	}
	before := conns()
	// After the handshake, no reply that holds an entry gets through.
	px.Add(t, netfault.Toxic{Name: "cut", Type: "limit_data", Stream: netfault.Downstream, Attributes: map[string]int{"bytes": 1024}})
	var mu sync.Mutex
	seen := map[string]int{}
	subscribe(t, b, func(_ context.Context, m *redis.Message) error {
		mu.Lock()
		seen[m.ID]++
		mu.Unlock()
		return nil
	}, redis.WithConcurrency(4))
	// Each cut reply costs a connection; go-redis dials another to resend.
	// Three cuts are enough, each a second apart (the fetcher's pause after
	// a failed fetch).
	eventually(t, 20*time.Second, "fetches to run and be resent", func() bool {
		left, err := direct.Client().LLen(b.ctx, keys.For(b.topic).Pending()).Result()
		return err == nil && left < n && conns() >= before+3
	})
	px.Clear(t)

	eventually(t, 30*time.Second, "the queue to drain", func() bool {
		s := stats(t, b)
		return s.Pending == 0 && s.InFlight == 0
	})
	mu.Lock()
	defer mu.Unlock()
	var lost []string
	for _, id := range ids {
		if seen[id] == 0 {
			lost = append(lost, id)
		}
	}
	if len(lost) > 0 {
		t.Fatalf("%d of %d messages never delivered, e.g. %v", len(lost), n, lost[:min(5, len(lost))])
	}
}
