package redis_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
)

// A live consumer whose handler runs far longer than the recovery window
// keeps its message: its lease is renewed by the process, not per message.
func TestLongHandlerKeepsItsMessage(t *testing.T) {
	t.Parallel()
	longHandlerKeepsItsMessage(t, setup(t))
}

// longHandlerKeepsItsMessage runs a handler of b for 2 recovery windows
// while a consumer of another process (on the per-topic path) watches: it
// must find nothing to take. A lease per message would have run out after
// one window.
func longHandlerKeepsItsMessage(t *testing.T, b *bundle) {
	const longWindow = 2 * time.Second
	publishN(t, b, 1)
	started := make(chan struct{})
	var runs atomic.Int32
	subscribe(t, b, func(ctx context.Context, m *redis.Message) error {
		if runs.Add(1) == 1 {
			close(started)
		}
		time.Sleep(2 * longWindow) // the handler's work
		return nil
	}, redis.WithRecoveryWindow(longWindow))
	<-started
	// A second consumer in another "process" reaps dead consumers several
	// times a window; it must find nothing to take. (The window is 2 s,
	// not the shortest allowed, so that a machine loaded enough to starve
	// the renewing goroutine for a second does not fail the test, as a
	// loaded run of the whole suite did with 1 s: that process would
	// rightly be taken for dead.)
	other := setup(t)
	other.topic = b.topic
	var stolen atomic.Int32
	subscribe(t, other, func(context.Context, *redis.Message) error {
		stolen.Add(1)
		return nil
	}, redis.WithRecoveryWindow(longWindow))
	eventually(t, 20*time.Second, "the long handler to finish", func() bool { return stats(t, b).Processed == 1 })
	if stolen.Load() != 0 || runs.Load() != 1 {
		t.Fatalf("message delivered %d more times to another consumer, %d times in all to the first", stolen.Load(), runs.Load())
	}
}

func TestUnreachableRedisGivesErrorsNotPanics(t *testing.T) {
	t.Parallel()
	port, err := redistest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	m := redis.NewManager(&config.RedisConfig{Host: "127.0.0.1", Port: port, DialTimeout: 200 * time.Millisecond}, logger.Nop())
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := m.Ping(ctx); err == nil {
		t.Fatal("Ping succeeded with nothing listening")
	}
	if err := m.GetQueue().Publish(ctx, "a", map[string]interface{}{}); err == nil {
		t.Fatal("Publish succeeded with nothing listening")
	}
	// Subscribe keeps trying until cancelled, and still returns cleanly.
	sctx, scancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer scancel()
	if err := m.GetQueue().Subscribe(sctx, "a", func(context.Context, *redis.Message) error { return nil }); err != nil {
		t.Fatalf("Subscribe = %v", err)
	}
}

func TestConsumerSurvivesRedisRestart(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t, "--appendonly", "yes", "--appendfsync", "always")
	b := setupAddr(t, own.Addr)
	var got atomic.Int32
	subscribe(t, b, func(context.Context, *redis.Message) error { got.Add(1); return nil })
	publishN(t, b, 3)
	eventually(t, 5*time.Second, "first messages", func() bool { return got.Load() == 3 })
	own.Kill()
	if err := b.q.Publish(b.ctx, b.topic, map[string]interface{}{}); err == nil {
		t.Fatal("publish succeeded while Redis was down")
	}
	if err := own.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "publishing again", func() bool {
		return b.q.Publish(b.ctx, b.topic, map[string]interface{}{}) == nil
	})
	eventually(t, 15*time.Second, "consumer to resume by itself", func() bool { return got.Load() == 4 })
}

func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	b := setup(t)
	h := func(context.Context, *redis.Message) error { return nil }
	for name, err := range map[string]error{
		"bad topic publish":   b.q.Publish(b.ctx, "a b", nil),
		"bad topic subscribe": b.q.Subscribe(b.ctx, "{x}", h),
		"nil handler":         b.q.Subscribe(b.ctx, b.topic, nil),
		"zero concurrency":    b.q.Subscribe(b.ctx, b.topic, h, redis.WithConcurrency(0)),
		"negative retries":    b.q.Subscribe(b.ctx, b.topic, h, redis.WithMaxRetries(-1)),
		"tiny window":         b.q.Subscribe(b.ctx, b.topic, h, redis.WithRecoveryWindow(time.Millisecond)),
		"negative prefetch":   b.q.Subscribe(b.ctx, b.topic, h, redis.WithPrefetch(-2)),
		"bad id":              b.q.Publish(b.ctx, b.topic, nil, redis.WithID("has space")),
		"dedup without ttl":   b.q.Publish(b.ctx, b.topic, nil, redis.WithDedupKey("k", 0)),
		"batch with id":       b.q.PublishBatch(b.ctx, b.topic, []map[string]interface{}{{}}, redis.WithID("x")),
		"negative delay":      b.q.PublishWithDelay(b.ctx, b.topic, nil, -time.Second),
		"unencodable data":    b.q.Publish(b.ctx, b.topic, map[string]interface{}{"f": func() {}}),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	small := b.with(t, redis.WithMaxPayload(100))
	if err := small.q.Publish(b.ctx, b.topic, map[string]interface{}{"x": string(make([]byte, 200))}); !errors.Is(err, redis.ErrPayloadTooLarge) {
		t.Errorf("oversized publish = %v", err)
	}
	if s := stats(t, b); s.Pending != 0 {
		t.Errorf("a refused publish left %d entries", s.Pending)
	}
}

// The options that size a consumer's memory up front are bounded, so a
// typo cannot spin a core and exhaust memory before the first message
// (issue 10 item 3: a concurrency of 1,000,000,000 allocated 40 GB). The
// context is done already: an option accepted only starts and stops.
func TestHugeOptionsRefused(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithCancel(b.ctx)
	cancel()
	h := func(context.Context, *redis.Message) error { return nil }
	bh := func(context.Context, []redis.Message) error { return nil }
	for name, tc := range map[string]struct {
		err  error
		want string
	}{
		"concurrency":       {b.q.Subscribe(ctx, b.topic, h, redis.WithConcurrency(redis.MaxConcurrency+1)), "WithConcurrency(10001): must be at most 10000"},
		"batch concurrency": {b.q.SubscribeBatch(ctx, b.topic, bh, redis.WithConcurrency(redis.MaxConcurrency+1)), "WithConcurrency(10001): must be at most 10000"},
		"prefetch":          {b.q.Subscribe(ctx, b.topic, h, redis.WithPrefetch(redis.MaxPrefetch+1)), "WithPrefetch(100001): must be at most 100000"},
	} {
		if !errors.Is(tc.err, redis.ErrInvalidOption) || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: %v, want ErrInvalidOption saying %q", name, tc.err, tc.want)
		}
	}
	for name, err := range map[string]error{
		"concurrency": b.q.Subscribe(ctx, b.topic, h, redis.WithConcurrency(redis.MaxConcurrency)),
		"prefetch":    b.q.Subscribe(ctx, b.topic, h, redis.WithPrefetch(redis.MaxPrefetch)),
	} {
		if err != nil {
			t.Errorf("%s at its bound: %v", name, err)
		}
	}
}

// The prefetch is capped by WithPrefetch: with 0 a consumer holds only the
// messages its handlers are running, so other consumers can take the rest.
func TestPrefetchCap(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ prefetch, want int64 }{{0, 2}, {1, 3}} {
		b := setup(t)
		publishN(t, b, 20)
		release := make(chan struct{})
		stop := subscribe(t, b, func(ctx context.Context, m *redis.Message) error {
			<-release
			return nil
		}, redis.WithConcurrency(2), redis.WithPrefetch(int(tc.prefetch)))
		eventually(t, 5*time.Second, "the consumer to take its share", func() bool { return stats(t, b).InFlight == tc.want })
		time.Sleep(100 * time.Millisecond) // give it the chance to take more, which it must not
		if s := stats(t, b); s.InFlight != tc.want || s.Pending != 20-tc.want {
			t.Errorf("WithPrefetch(%d): %+v, want %d in flight", tc.prefetch, s, tc.want)
		}
		close(release)
		_ = stop()
	}
}

// A delayed entry whose wake-up was lost (here: added with a bare ZADD, as a
// producer in another language may, while the pub/sub connection is cut)
// is promoted as soon as the connection is back, not at the next periodic
// check 5 s later.
func TestLostWakeUpsRecoveredOnResubscribe(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t)
	b := setupAddr(t, own.Addr)
	var c collector
	subscribe(t, b, c.handle)
	// The scheduler learns of a due time a minute away and sleeps.
	if err := b.q.PublishWithDelay(b.ctx, b.topic, map[string]interface{}{"late": true}, time.Minute); err != nil {
		t.Fatal(err)
	}
	admin := own.Client(t)
	redistest.Eventually(t, 5*time.Second, "the wake-up subscription", func() bool {
		n, err := admin.Do(b.ctx, "PUBSUB", "NUMSUB", keys.WakeChannel).Slice()
		return err == nil && len(n) == 2 && n[1] == int64(1)
	})
	time.Sleep(50 * time.Millisecond) // let it fall asleep; correctness does not depend on it
	due := time.Now().Add(100 * time.Millisecond)
	if err := admin.ZAdd(b.ctx, keys.For(b.topic).Delayed(), goredis.Z{
		Score: float64(due.UnixMilli()), Member: `{"id":"unannounced","data":{}}`,
	}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := admin.Do(b.ctx, "CLIENT", "KILL", "TYPE", "pubsub").Err(); err != nil {
		t.Fatal(err)
	}
	redistest.Eventually(t, 10*time.Second, "the unannounced message", func() bool { return c.len() == 1 })
	if late := time.Since(due); late > 2*time.Second {
		t.Errorf("delivered %v after its due time: the resubscription did not wake the scheduler", late)
	}
	if got := c.all()[0].ID; got != "unannounced" {
		t.Errorf("delivered %q, want the unannounced message", got)
	}
}
