package redis_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// fillRedis publishes 1 KiB messages to b's topic until Redis refuses one,
// and returns the ids that were published. It publishes in batches of 50
// (each all or nothing) while they fit, then one at a time: a few dozen
// round trips rather than one per message, which a loaded machine makes
// slow.
func fillRedis(t *testing.T, b *bundle) map[string]bool {
	t.Helper()
	body := strings.Repeat("x", 1024)
	published := map[string]bool{}
	batch := 50
	for i := 0; ; {
		msgs := make([]map[string]interface{}, batch)
		for j := range msgs {
			msgs[j] = map[string]interface{}{"n": i + j, "body": body}
		}
		ids, err := b.q.EnqueueBatch(b.ctx, b.topic, msgs)
		if err != nil {
			if !errors.Is(err, redis.ErrRedisFull) {
				t.Fatalf("publish %d: %v, want an error matching ErrRedisFull", i, err)
			}
			if batch == 1 {
				break
			}
			batch = 1
			continue
		}
		for _, id := range ids {
			published[id] = true
		}
		i += batch
		if i > 100_000 {
			t.Fatal("Redis never filled up; is maxmemory set?")
		}
	}
	if len(published) < 100 {
		t.Fatalf("only %d messages fit before Redis was full; the test needs more", len(published))
	}
	return published
}

// stayFull lowers maxmemory just below what Redis uses now, so that Redis
// stays full whatever small allocations come and go, until consumers have
// freed at least 64 KiB.
func stayFull(t *testing.T, own *redistest.Server) {
	t.Helper()
	c := own.Client(t)
	ctx := context.Background()
	info, err := c.InfoMap(ctx, "memory").Result()
	if err != nil {
		t.Fatal(err)
	}
	used, err := strconv.ParseInt(info["Memory"]["used_memory"], 10, 64)
	if err != nil {
		t.Fatalf("INFO memory used_memory: %v", err)
	}
	if err := c.ConfigSet(ctx, "maxmemory", strconv.FormatInt(used-64<<10, 10)).Err(); err != nil {
		t.Fatal(err)
	}
}

// A Redis at maxmemory with noeviction refuses publishes with ErrRedisFull,
// whichever way they are made, while consumers keep taking and acking
// messages; every queued message is delivered, and publishes work again once
// the acks have freed memory (issue 15 part 3).
func TestFullRedisRefusesPublishesAndKeepsConsuming(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t, "--maxmemory", "3mb", "--maxmemory-policy", "noeviction")
	b := setupAddr(t, own.Addr)
	published := fillRedis(t, b)
	stayFull(t, own)

	refused := map[string]func() error{
		"Publish":      func() error { return b.q.Publish(b.ctx, b.topic, map[string]interface{}{"late": 1}) },
		"PublishBatch": func() error { return b.q.PublishBatch(b.ctx, b.topic, []map[string]interface{}{{"late": 1}}) },
		"PublishWithDelay": func() error {
			return b.q.PublishWithDelay(b.ctx, b.topic, map[string]interface{}{"late": 1}, time.Hour)
		},
		"WithDedupKey": func() error {
			return b.q.Publish(b.ctx, b.topic, map[string]interface{}{"late": 1}, redis.WithDedupKey("k", time.Hour))
		},
	}
	for name, publish := range refused {
		if err := publish(); !errors.Is(err, redis.ErrRedisFull) {
			t.Errorf("%s on a full Redis: %v, want ErrRedisFull", name, err)
		}
	}

	start := time.Now()
	var mu sync.Mutex
	delivered := map[string]int{}
	subscribe(t, b, func(_ context.Context, m *redis.Message) error {
		mu.Lock()
		defer mu.Unlock()
		delivered[m.ID]++
		return nil
	}, redis.WithConcurrency(4))
	eventually(t, 30*time.Second, "every queued message delivered", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(delivered) >= len(published)
	})
	t.Logf("%d messages of 1 KiB queued before Redis was full; all delivered %v after consumers started", len(published), time.Since(start).Round(time.Millisecond))
	mu.Lock()
	for id := range published {
		if delivered[id] == 0 {
			t.Errorf("message %s was queued before Redis was full and never delivered", id)
		}
	}
	for id := range delivered {
		if !published[id] {
			t.Errorf("message %s delivered but its publish had failed", id)
		}
	}
	mu.Unlock()
	eventually(t, 10*time.Second, "a publish accepted again", func() bool {
		return b.q.Publish(b.ctx, b.topic, map[string]interface{}{"after": 1}) == nil
	})
}

// On a full Redis, idle consumers' blocking waits (BLMOVE, a write command
// to Redis) are refused: that is logged once for the episode, not once per
// consumer every few seconds, and the end of the episode once.
func TestFullRedisRefusedWaitLoggedOnce(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t, "--maxmemory-policy", "noeviction")
	host, port := splitAddr(t, own.Addr)
	var logs logBuffer
	m := managerFor(t, config.RedisConfig{Host: host, Port: port}, logs.logger())
	admin := own.Client(t)
	ctx, cancel := context.WithCancel(context.Background())
	if err := admin.ConfigSet(ctx, "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 2 {
		topic := redistest.Topic(t) + "." + strconv.Itoa(i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			// The recovery window bounds the block timeout to half of it:
			// the first wait Redis accepts again, which ends the episode,
			// returns within a second rather than the default 5 s.
			_ = m.GetQueue().Subscribe(ctx, topic, func(context.Context, *redis.Message) error { return nil },
				redis.WithRecoveryWindow(childWindow))
		}()
	}
	defer func() { cancel(); wg.Wait() }()
	refused := func() int {
		v, _ := redistest.Info(ctx, admin, "commandstats", "cmdstat_blmove")
		_, after, _ := strings.Cut(v, "rejected_calls=")
		n, _ := strconv.Atoi(strings.Split(after, ",")[0])
		return n
	}
	eventually(t, 20*time.Second, "6 refused BLMOVEs (3 per consumer)", func() bool { return refused() >= 6 })
	if n := strings.Count(logs.String(), "refuses the blocking wait"); n != 1 {
		t.Errorf("%d warnings about refused waits, want 1:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "waiting for messages failed") {
		t.Errorf("a refused wait logged as a failure:\n%s", logs.String())
	}
	if err := admin.ConfigSet(ctx, "maxmemory", "0").Err(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 20*time.Second, "the end of the episode logged", func() bool {
		return strings.Count(logs.String(), "accepts blocking waits again") == 1
	})
}
