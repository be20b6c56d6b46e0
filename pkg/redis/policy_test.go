package redis_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis"
	"goweb/pkg/redis/redistest"
)

// logBuffer collects a logger's JSON lines.
type logBuffer struct{ redistest.Buffer }

func (b *logBuffer) logger() logger.Logger {
	return logger.NewWithOptions(logger.Options{Level: "debug", Format: "json", Output: &b.Buffer})
}

// A Redis that may evict keys gets a warning naming maxmemory-policy, once,
// when the Manager first reaches it (Ping, as the service does at start, or
// Subscribe); noeviction gets none (issue 15 part 3).
func TestMaxMemoryPolicyWarning(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		policy string
		warns  bool
	}{{"allkeys-lru", true}, {"volatile-ttl", true}, {"noeviction", false}} {
		t.Run(tc.policy, func(t *testing.T) {
			t.Parallel()
			own := redistest.Start(t, "--maxmemory-policy", tc.policy)
			host, port := splitAddr(t, own.Addr)
			var logs logBuffer
			m := managerFor(t, config.RedisConfig{Host: host, Port: port}, logs.logger())
			ctx := context.Background()
			got, err := m.MaxMemoryPolicy(ctx)
			if err != nil || got != tc.policy {
				t.Fatalf("MaxMemoryPolicy = %q, %v; want %q", got, err, tc.policy)
			}
			for range 2 {
				if err := m.Ping(ctx); err != nil {
					t.Fatal(err)
				}
			}
			warnings := strings.Count(logs.String(), `"maxmemory-policy":"`+tc.policy+`"`)
			switch {
			case tc.warns && warnings != 1:
				t.Fatalf("want one warning naming maxmemory-policy %s, got %d in:\n%s", tc.policy, warnings, logs.String())
			case !tc.warns && warnings != 0:
				t.Fatalf("noeviction is safe, yet:\n%s", logs.String())
			}
		})
	}
}

// A Subscribe alone (a library user who never pings) warns too.
func TestMaxMemoryPolicyWarningOnSubscribe(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t, "--maxmemory-policy", "allkeys-random")
	host, port := splitAddr(t, own.Addr)
	var logs logBuffer
	m := managerFor(t, config.RedisConfig{Host: host, Port: port}, logs.logger())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- m.GetQueue().Subscribe(ctx, redistest.Topic(t), func(context.Context, *redis.Message) error { return nil })
	}()
	eventually(t, 5*time.Second, "a warning naming maxmemory-policy", func() bool {
		return strings.Contains(logs.String(), `"maxmemory-policy":"allkeys-random"`)
	})
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// Where CONFIG and INFO are denied (an ACL user), the policy is unknown:
// "" and no error, counted as may evict, and one warning saying so.
func TestMaxMemoryPolicyUnknownWhereConfigIsDenied(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t, "--maxmemory-policy", "allkeys-lru")
	ctx := context.Background()
	if err := redistest.SetQueueUser(ctx, own.Client(t), "gw", queuePassword); err != nil {
		t.Fatal(err)
	}
	host, port := splitAddr(t, own.Addr)
	var logs logBuffer
	m := managerFor(t, config.RedisConfig{Host: host, Port: port, Username: "gw", Password: queuePassword}, logs.logger())
	if err := m.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	got, err := m.MaxMemoryPolicy(ctx)
	if err != nil || got != "" {
		t.Fatalf("MaxMemoryPolicy as a user without CONFIG = %q, %v; want \"\", nil", got, err)
	}
	if !redis.Evicts(got) {
		t.Error("an unknown policy counts as safe")
	}
	if n := strings.Count(logs.String(), `"maxmemory-policy":"unknown"`); n != 1 {
		t.Fatalf("want one warning that the policy is unknown, got %d in:\n%s", n, logs.String())
	}
}

// With CONFIG renamed away (as many hosted Redis do), the policy comes from
// INFO memory: read right, and warned about (issue 15 follow-up).
func TestMaxMemoryPolicyFromInfoWhereConfigIsRenamed(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t, "--maxmemory-policy", "allkeys-lru", "--rename-command", "CONFIG", "")
	host, port := splitAddr(t, own.Addr)
	var logs logBuffer
	m := managerFor(t, config.RedisConfig{Host: host, Port: port}, logs.logger())
	ctx := context.Background()
	if err := own.Client(t).ConfigGet(ctx, "maxmemory-policy").Err(); err == nil {
		t.Fatal("CONFIG GET works: the rename did not take")
	}
	if err := m.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if got, err := m.MaxMemoryPolicy(ctx); err != nil || got != "allkeys-lru" {
		t.Fatalf("MaxMemoryPolicy without CONFIG = %q, %v; want allkeys-lru from INFO memory", got, err)
	}
	if n := strings.Count(logs.String(), `"maxmemory-policy":"allkeys-lru"`); n != 1 {
		t.Fatalf("want one warning naming allkeys-lru, got %d in:\n%s", n, logs.String())
	}
}
