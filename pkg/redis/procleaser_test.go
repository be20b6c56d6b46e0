package redis

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/config"
	"goweb/pkg/logger"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
)

// A shared-path process whose lease ran out is tombstoned, not forgotten,
// the first time a reaper finds it, even when it held nothing: it may only
// have been late to renew, then taken messages and died. It is forgotten
// when its tombstone runs out with nothing held.
func TestProcessReapedIsTombstonedFirst(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	host, port, _ := net.SplitHostPort(srv.Addr)
	p, _ := strconv.Atoi(port)
	m := NewManager(&config.RedisConfig{Host: host, Port: p}, logger.Nop())
	t.Cleanup(func() { _ = m.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	client, leaser := m.Client(), m.GetQueue().sharing.leaser
	const pid = "late-process"
	ms := func(d time.Duration) float64 { return float64(time.Now().Add(d).UnixMilli()) }
	if err := client.ZAdd(ctx, keys.Processes, goredis.Z{Score: ms(-time.Second), Member: pid}).Err(); err != nil {
		t.Fatal(err)
	}
	if err := client.HSet(ctx, keys.Process(pid), pid+"-c1", "late.topic").Err(); err != nil {
		t.Fatal(err)
	}

	leaser.reap(ctx)
	score, err := client.ZScore(ctx, keys.Processes, pid).Result()
	if err != nil || !isTombstone(score) || score < ms(0) {
		t.Fatalf("after the first reap: score %v, %v; want a tombstone in the future", score, err)
	}
	if n, _ := client.HLen(ctx, keys.Process(pid)).Result(); n != 1 {
		t.Errorf("after the first reap the process lists %d consumers, want 1", n)
	}

	// The tombstone runs out with nothing held: forgotten.
	if err := client.ZAdd(ctx, keys.Processes, goredis.Z{Score: tombstone(int64(ms(-time.Second))), Member: pid}).Err(); err != nil {
		t.Fatal(err)
	}
	leaser.reap(ctx)
	if err := client.ZScore(ctx, keys.Processes, pid).Err(); err == nil {
		t.Error("a run-out tombstone with nothing held is still listed")
	}
	if n, _ := client.Exists(ctx, keys.Process(pid)).Result(); n != 0 {
		t.Error("a forgotten process still has its consumers listed")
	}
}
