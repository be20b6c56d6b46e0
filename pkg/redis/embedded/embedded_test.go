package embedded_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"go.uber.org/goleak"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/embedded"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func start(t *testing.T) *embedded.Server {
	t.Helper()
	srv, err := embedded.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// The queue's Lua scripts and blocking moves must work on the embedded
// server, or the service's default mode would be broken.
func TestQueueRoundTrip(t *testing.T) {
	t.Parallel()
	srv := start(t)
	m := redis.NewManager(&config.RedisConfig{Host: srv.Host(), Port: srv.Port()}, logger.Nop())
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	got := make(chan *redis.Message, 1)
	subCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() {
		done <- m.GetQueue().Subscribe(subCtx, "embedded.test", func(_ context.Context, msg *redis.Message) error {
			got <- msg
			return nil
		}, redis.WithConcurrency(1))
	}()
	id, err := m.GetQueue().Enqueue(ctx, "embedded.test", map[string]interface{}{"n": 1.0})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case msg := <-got:
		if msg.ID != id || msg.Data["n"] != json.Number("1") {
			t.Errorf("got %+v, want id %s and n=1", msg, id)
		}
	case <-ctx.Done():
		t.Fatal("message not delivered")
	}
	stop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestKeysExpireWithTheClock(t *testing.T) {
	t.Parallel()
	srv := start(t)
	c := goredis.NewClient(&goredis.Options{Addr: srv.Addr()})
	defer c.Close()
	ctx := context.Background()
	if err := c.Set(ctx, "k", "v", 20*time.Millisecond).Err(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for c.Exists(ctx, "k").Val() == 1 {
		if time.Now().After(deadline) {
			t.Fatal("key with a 20ms TTL still exists after 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestStartOnBusyAddrFails(t *testing.T) {
	t.Parallel()
	srv := start(t)
	if _, err := embedded.Start(srv.Addr()); err == nil {
		t.Fatalf("second server on %s started", srv.Addr())
	}
}

func TestCloseTwice(t *testing.T) {
	t.Parallel()
	srv := start(t)
	srv.Close()
	srv.Close()
}
