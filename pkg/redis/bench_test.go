package redis_test

import (
	"context"
	"sync/atomic"
	"testing"

	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
)

// orderBody is the seed's order reminder.
var orderBody = map[string]interface{}{
	"order_id": "12345", "user_id": "67890", "type": "payment_reminder", "message": "请及时完成支付", "amount": 299.99,
}

func benchBundle(b *testing.B) *bundle {
	m := newManager(b, srv.Addr)
	return &bundle{addr: srv.Addr, m: m, q: m.GetQueue(), topic: "bench." + b.Name(), ctx: context.Background()}
}

func publishBacklog(b *testing.B, bb *bundle, n int) {
	batch := make([]map[string]interface{}, 1000)
	for i := range batch {
		batch[i] = orderBody
	}
	for n > 0 {
		k := min(n, len(batch))
		if err := bb.q.PublishBatch(bb.ctx, bb.topic, batch[:k]); err != nil {
			b.Fatal(err)
		}
		n -= k
	}
}

// BenchmarkConsume measures fetch, dispatch and ack per message: a backlog
// of b.N messages consumed by a no-op handler at concurrency 50.
func BenchmarkConsume(b *testing.B) {
	bb := benchBundle(b)
	_ = bb.m.Client().Del(bb.ctx, keys.For(bb.topic).Pending()).Err()
	publishBacklog(b, bb, b.N)
	var n atomic.Int64
	done := make(chan struct{})
	ctx, cancel := context.WithCancel(bb.ctx)
	b.ResetTimer()
	go func() {
		_ = bb.q.Subscribe(ctx, bb.topic, func(context.Context, *redis.Message) error {
			if n.Add(1) == int64(b.N) {
				close(done)
			}
			return nil
		}, redis.WithConcurrency(50))
	}()
	<-done
	b.StopTimer()
	cancel()
}

// BenchmarkPublishBatch measures PublishBatch of 1000 seed orders per op.
func BenchmarkPublishBatch(b *testing.B) {
	bb := benchBundle(b)
	batch := make([]map[string]interface{}, 1000)
	for i := range batch {
		batch[i] = orderBody
	}
	for b.Loop() {
		if err := bb.q.PublishBatch(bb.ctx, bb.topic, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*1000)/b.Elapsed().Seconds(), "msgs/s")
	_ = bb.m.Client().Del(bb.ctx, keys.For(bb.topic).Pending()).Err()
}

// BenchmarkPublish measures single publishes from parallel goroutines.
func BenchmarkPublish(b *testing.B) {
	bb := benchBundle(b)
	b.SetParallelism(4) // 8 goroutines on 2 CPUs
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := bb.q.Publish(bb.ctx, bb.topic, orderBody); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
	_ = bb.m.Client().Del(bb.ctx, keys.For(bb.topic).Pending()).Err()
}
