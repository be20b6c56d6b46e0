package redis_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"goweb/pkg/config"
	"goweb/pkg/redis"
)

// An oversized entry is dead-lettered with a log line giving the reason,
// like every other invalid entry, and the line carries at most 1 KiB of it
// with its full size (issue 10 item 9: it was dead-lettered silently).
func TestOversizedEntryIsLogged(t *testing.T) {
	t.Parallel()
	host, port := splitAddr(t, srv.Addr)
	cfg := config.RedisConfig{Host: host, Port: port}
	var out logBuffer
	m := redis.NewManager(&cfg, out.logger(), redis.WithMaxPayload(1000))
	t.Cleanup(func() { _ = m.Close() })
	b := setupConfig(t, srv.Addr, cfg)
	b.m, b.q = m, m.GetQueue()

	entry := `{"data":{"x":"` + strings.Repeat("y", 5000) + `"}}`
	if err := m.Client().LPush(b.ctx, redis.PendingKey(b.topic), entry).Err(); err != nil {
		t.Fatal(err)
	}
	subscribe(t, b, func(ctx context.Context, msg *redis.Message) error { return nil })
	eventually(t, 5*time.Second, "the oversized entry dead-lettered", func() bool { return stats(t, b).Dead == 1 })
	eventually(t, 5*time.Second, "a log line for it", func() bool { return strings.Contains(out.String(), "payload too large") })
	for _, line := range strings.Split(out.String(), "\n") {
		if !strings.Contains(line, "payload too large") {
			continue
		}
		if !strings.Contains(line, b.topic) || !strings.Contains(line, `"entry_bytes":`) || len(line) > 2048 {
			t.Errorf("dead-letter line lacks the topic or size, or is %d bytes long: %.300s", len(line), line)
		}
	}
}
