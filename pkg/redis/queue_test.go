package redis_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"goweb/pkg/redis"
)

func TestPublishSubscribeInOrder(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for i := 0; i < 5; i++ {
		if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{"n": i}); err != nil {
			t.Fatal(err)
		}
	}
	if n, _ := b.m.Client().LLen(b.ctx, "mq:"+b.topic).Result(); n != 5 {
		t.Fatalf("LLEN mq:%s = %d, want 5", b.topic, n)
	}
	var mu sync.Mutex
	var got []*redis.Message
	subscribe(t, b, func(ctx context.Context, m *redis.Message) error {
		mu.Lock()
		got = append(got, m)
		mu.Unlock()
		return nil
	}, redis.WithConcurrency(1))
	eventually(t, 5*time.Second, "5 messages", func() bool { mu.Lock(); defer mu.Unlock(); return len(got) == 5 })
	for i, m := range got {
		if m.Data["n"] != float64(i) {
			t.Errorf("message %d has n=%v", i, m.Data["n"])
		}
		if m.ID == "" || m.Topic != b.topic || m.Attempt != 1 || m.PublishedAt.IsZero() {
			t.Errorf("message %d: %+v", i, m)
		}
	}
}
