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
	fetchCutLosesNothing(t, 1)
}

// The same on the shared path, with topics enough that the fetches of
// several consumers go out in one pipeline (scriptpipe.go): a pipeline
// whose reply is cut, or that go-redis sends again, loses nothing either.
func TestSharedFetchWhoseReplyIsCutLosesNothing(t *testing.T) {
	t.Parallel()
	fetchCutLosesNothing(t, 8, redis.WithSharedFetchAbove(0))
}

// fetchCutLosesNothing takes a backlog of 1 KiB messages spread over
// topics, each with a consumer of the Manager opts make, while replies are
// cut after 1 KiB, and checks that every message is delivered.
func fetchCutLosesNothing(t *testing.T, topics int, opts ...redis.ManagerOption) {
	const n = 300
	px := netfault.Start(t, srv.Addr)
	b := setupAddr(t, px.Addr).with(t, opts...) // the consumers, through the proxy
	direct := newManager(t, srv.Addr)
	names := make([]string, topics)
	var ids []string
	for i := range names {
		names[i] = b.topic + "-" + strconv.Itoa(i)
		batch := make([]map[string]interface{}, n/topics)
		for j := range batch {
			batch[j] = map[string]interface{}{"n": j, "pad": strings.Repeat("x", 1024)}
		}
		got, err := direct.GetQueue().EnqueueBatch(b.ctx, names[i], batch)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, got...)
	}
	pending := func() int64 {
		var sum int64
		for _, name := range names {
			left, err := direct.Client().LLen(b.ctx, keys.For(name).Pending()).Result()
			if err != nil {
				t.Fatal(err)
			}
			sum += left
		}
		return sum
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
	for _, name := range names {
		subscribeOn(t, b.ctx, b.q, name, func(_ context.Context, m *redis.Message) error {
			mu.Lock()
			seen[m.ID]++
			mu.Unlock()
			return nil
		}, redis.WithConcurrency(4))
	}
	// Each cut reply costs a connection; go-redis dials another to resend.
	// Three cuts are enough, each a second apart (the fetcher's pause after
	// a failed fetch).
	eventually(t, 20*time.Second, "fetches to run and be resent", func() bool {
		return pending() < int64(len(ids)) && conns() >= before+3
	})
	px.Clear(t)

	eventually(t, 30*time.Second, "the queues to drain", func() bool {
		for _, name := range names {
			s, err := b.m.Inspector().Stats(b.ctx, name)
			if err != nil || s.Pending != 0 || s.InFlight != 0 {
				return false
			}
		}
		return true
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
		t.Fatalf("%d of %d messages never delivered, e.g. %v", len(lost), len(ids), lost[:min(5, len(lost))])
	}
}
