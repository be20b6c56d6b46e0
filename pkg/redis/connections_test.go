package redis_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// A process's Redis connections do not grow with WithConcurrency: a shared
// pool, one blocking connection per Subscribe and one pub/sub connection
// (docs/scaling.md). Counted with INFO clients on a server of the test's
// own, after a backlog was consumed at concurrency 1 and at 200.
func TestConnectionsDoNotGrowWithConcurrency(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t)
	admin := own.Client(t)
	clients := func() int { return connectedClients(t, admin) }
	measure := func(topics, concurrency int) int {
		b := setupAddr(t, own.Addr)
		var c collector
		var stops []func() error
		for i := range topics {
			topic := b.topic + "." + strconv.Itoa(i)
			batch := make([]map[string]interface{}, 500)
			for j := range batch {
				batch[j] = map[string]interface{}{"n": j}
			}
			if err := b.q.PublishBatch(b.ctx, topic, batch); err != nil {
				t.Fatal(err)
			}
			tb := *b
			tb.topic = topic
			stops = append(stops, subscribe(t, &tb, c.handle, redis.WithConcurrency(concurrency)))
		}
		eventually(t, 20*time.Second, "the backlog consumed", func() bool { return c.len() == 500*topics })
		n := clients()
		for _, stop := range stops {
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		}
		if err := b.m.Close(); err != nil {
			t.Fatal(err)
		}
		eventually(t, 10*time.Second, "the connections closed", func() bool { return clients() == 0 })
		return n
	}
	one, many := measure(1, 1), measure(1, 200)
	// The pool holds at most what the consumer's loops (fetch, ack, lease
	// and reaping, the process lease, schedule, the pause watcher's
	// checks), the publisher, its push announcer (announcer.go) and the
	// Redis clock's sample used at once, however many handlers run: 200
	// of them within that bound is the proof. (How many of these overlap
	// is timing: a loaded full run saw 7 in the pool where 6 was assumed;
	// concurrency 1 may use fewer, so the two counts are not compared with
	// each other.)
	const poolUsers = 9
	if many > 2+poolUsers {
		t.Errorf("connections: %d at concurrency 1, %d at concurrency 200: want at most %d, one blocking, one pub/sub and the pool", one, many, 2+poolUsers)
	}
	five := measure(5, 10)
	t.Logf("connections: 1 topic at concurrency 1: %d, at 200: %d; 5 topics at 10: %d", one, many, five)
	if five > 5+1+5*poolUsers {
		t.Errorf("5 topics: %d connections, want at most one blocking per Subscribe, one pub/sub and the pool", five)
	}
}

// connectedClients counts the connections of a server, less admin's own.
func connectedClients(t *testing.T, admin *goredis.Client) int {
	t.Helper()
	v, err := redistest.Info(context.Background(), admin, "clients", "connected_clients")
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(v)
	return n - 1
}
