package hotpath_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

var srv *redistest.Server

func TestMain(m *testing.M) { os.Exit(redistest.RunTests(m, &srv, 0)) }

// orderBody is the seed's order reminder, 103 bytes of JSON.
func orderBody() map[string]interface{} {
	return map[string]interface{}{
		"order_id": "12345", "user_id": "67890", "type": "payment_reminder", "message": "请及时完成支付", "amount": 299.99,
	}
}

func newManager(tb testing.TB) *redis.Manager {
	tb.Helper()
	host, port, err := net.SplitHostPort(srv.Addr)
	if err != nil {
		tb.Fatal(err)
	}
	p, _ := strconv.Atoi(port)
	m := redis.NewManager(&config.RedisConfig{Host: host, Port: p}, logger.Nop())
	tb.Cleanup(func() { _ = m.Close() })
	return m
}

var topicSeq atomic.Int64

// topics returns k topic names no other benchmark run uses.
func topics(k int) []string {
	ts := make([]string, k)
	for i := range ts {
		ts[i] = fmt.Sprintf("hot.%d.%d", topicSeq.Add(1), i)
	}
	return ts
}

// backlog publishes n orders spread evenly over ts, 1000 per PublishBatch.
func backlog(tb testing.TB, q *redis.RedisQueue, n int, ts []string) {
	tb.Helper()
	batch := make([]map[string]interface{}, 1000)
	for i := range batch {
		batch[i] = orderBody()
	}
	for i, t := range ts {
		share := n / len(ts)
		if i < n%len(ts) {
			share++
		}
		for share > 0 {
			k := min(share, len(batch))
			if err := q.PublishBatch(context.Background(), t, batch[:k]); err != nil {
				tb.Fatal(err)
			}
			share -= k
		}
	}
}

// run subscribes handler to every topic with conc handlers each and
// returns a function that stops the subscriptions and waits for them.
func run(tb testing.TB, q *redis.RedisQueue, ts []string, conc int, handler redis.MessageHandler) func() {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, t := range ts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := q.Subscribe(ctx, t, handler, redis.WithConcurrency(conc)); err != nil {
				tb.Error(err)
			}
		}()
	}
	return func() { cancel(); wg.Wait() }
}

// consume measures the whole consuming path per message (fetch script,
// dispatch, no-op handler, ack script) on a backlog of b.N messages spread
// over the given topics.
func consume(b *testing.B, k, conc int) {
	m := newManager(b)
	q := m.GetQueue()
	ts := topics(k)
	backlog(b, q, b.N, ts)
	var left atomic.Int64
	left.Store(int64(b.N))
	done := make(chan struct{})
	b.ResetTimer()
	stop := run(b, q, ts, conc, func(context.Context, *redis.Message) error {
		if left.Add(-1) == 0 {
			close(done)
		}
		return nil
	})
	<-done
	b.StopTimer()
	stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkConsumeConcurrency shows what one fetch/ack round trip costs:
// at concurrency 1 a consumer has at most two messages outstanding, so
// every fetch and every ack carries one or two messages.
func BenchmarkConsumeConcurrency(b *testing.B) {
	for _, conc := range []int{1, 10, 50, 200} {
		b.Run(fmt.Sprintf("conc=%d", conc), func(b *testing.B) { consume(b, 1, conc) })
	}
}

// BenchmarkConsumeTopics spreads the backlog over k topics with a total
// concurrency of 50 (at least 1 per topic), as the scale workload of
// bench/cmd/gwbench does.
func BenchmarkConsumeTopics(b *testing.B) {
	for _, k := range []int{1, 10, 100} {
		b.Run(fmt.Sprintf("topics=%d", k), func(b *testing.B) { consume(b, k, max(1, 50/k)) })
	}
}

// BenchmarkPickup measures publish-to-handler latency on an idle consumer
// that waits in BLMOVE: each op publishes one message and waits for it.
func BenchmarkPickup(b *testing.B) {
	m := newManager(b)
	q := m.GetQueue()
	ts := topics(1)
	got := make(chan struct{}, 1)
	stop := run(b, q, ts, 50, func(context.Context, *redis.Message) error {
		got <- struct{}{}
		return nil
	})
	defer stop()
	// The first message proves the consumer is subscribed and idle.
	if err := q.Publish(context.Background(), ts[0], orderBody()); err != nil {
		b.Fatal(err)
	}
	<-got
	time.Sleep(50 * time.Millisecond) // let the fetch loop go back to BLMOVE
	body := orderBody()
	b.ResetTimer()
	for range b.N {
		if err := q.Publish(context.Background(), ts[0], body); err != nil {
			b.Fatal(err)
		}
		<-got
	}
}

// BenchmarkPublishWithDelay measures the schedule script (ZADD to the
// delayed set, plus a wake-up when the entry is the new earliest).
func BenchmarkPublishWithDelay(b *testing.B) {
	q := newManager(b).GetQueue()
	t := topics(1)[0]
	body := orderBody()
	for b.Loop() {
		if err := q.PublishWithDelay(context.Background(), t, body, time.Hour); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPublishDedup measures the de-duplicating publish script with a
// new key every time (the common case: nothing to drop).
func BenchmarkPublishDedup(b *testing.B) {
	q := newManager(b).GetQueue()
	t := topics(1)[0]
	body := orderBody()
	i := 0
	for b.Loop() {
		i++
		if err := q.Publish(context.Background(), t, body, redis.WithDedupKey(strconv.Itoa(i), time.Minute)); err != nil {
			b.Fatal(err)
		}
	}
}
