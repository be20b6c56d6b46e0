package handlers_test

import (
	"context"
	"testing"
	"time"

	"goweb/pkg/redis"
	"goweb/services/gateway-worker/internal/servicetest"
)

func TestMain(m *testing.M) { servicetest.Main(m) }

func newManager(t *testing.T) *redis.Manager { return servicetest.Manager(t, servicetest.Redis.Addr) }

// consume runs a consumer of topic until it has settled n messages.
func consume(t *testing.T, q *redis.RedisQueue, topic string, n int, h redis.MessageHandler, opts ...redis.SubscribeOption) {
	t.Helper()
	settled := make(chan redis.Event, n)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	opts = append(opts, redis.WithObserver(func(e redis.Event) { settled <- e }))
	go func() { done <- q.Subscribe(ctx, topic, h, opts...) }()
	timeout := time.After(20 * time.Second)
	for i := 0; i < n; i++ {
		select {
		case <-settled:
		case <-timeout:
			t.Fatalf("%s: %d of %d messages settled", topic, i, n)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	servicetest.Eventually(t, 10*time.Second, what, cond)
}
