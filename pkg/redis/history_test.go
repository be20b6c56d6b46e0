package redis_test

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
)

func init() {
	behaviours["HistoryCountsSettledMessages"] = testHistoryCountsSettledMessages
}

// testHistoryCountsSettledMessages: the settling scripts count processed
// messages and failed attempts (retried or dead-lettered) in the minute
// they settle, in a hash that expires 25 hours later.
func testHistoryCountsSettledMessages(t *testing.T, b *bundle) {
	publishN(t, b, 4)
	subscribe(t, b, func(_ context.Context, m *redis.Message) error {
		switch m.Data["n"] {
		case num(0): // fails once, then succeeds
			if m.Attempt == 1 {
				return errors.New("once")
			}
		case num(1):
			return redis.ErrSkipRetry
		}
		return nil
	}, append(fastRetries(3), redis.WithConcurrency(1))...)
	// Two minutes, in case the test runs across a minute boundary.
	redistest.Eventually(t, 20*time.Second, "3 processed and 2 failed in the history", func() bool {
		hs, err := b.m.Inspector().History(b.ctx, []string{b.topic}, 2)
		if err != nil {
			t.Fatal(err)
		}
		h := hs[0]
		return sum(h.Processed) == 3 && sum(h.Failed) == 2
	})
	hour := time.Now().Unix() / 3600
	key := keys.For(b.topic).History(hour)
	if n, _ := b.m.Client().Exists(b.ctx, key).Result(); n == 0 { // settled in the hour before
		key = keys.For(b.topic).History(hour - 1)
	}
	if ttl, err := b.m.Client().TTL(b.ctx, key).Result(); err != nil || ttl < 24*time.Hour || ttl > 25*time.Hour {
		t.Fatalf("TTL %s = %v, %v; want 24 to 25 h", key, ttl, err)
	}
}

func sum(xs []int64) (n int64) {
	for _, x := range xs {
		n += x
	}
	return n
}

// History reads a window across an hour boundary minute by minute, the
// current minute last, and the sum of all topics.
func TestHistoryWindowAcrossHours(t *testing.T) {
	t.Parallel()
	b := setup(t)
	other := b.onTopic("-other")
	at := time.Date(2026, 3, 1, 10, 1, 30, 0, time.UTC) // 10:01:30
	redis.SetClock(b.m, clockwork.NewFakeClockAt(at))
	c := b.m.Client()
	hour := at.Unix() / 3600
	for _, tb := range []*bundle{b, other} {
		k := keys.For(tb.topic)
		c.HSet(b.ctx, k.History(hour-1), "p58", 7, "f59", 2, "p10", 99) // 09:58, 09:59; 09:10 is outside
		c.HSet(b.ctx, k.History(hour), "p0", 1, "p1", 3, "f1", 1)       // 10:00, 10:01
		if err := b.m.Client().SAdd(b.ctx, keys.Topics, tb.topic).Err(); err != nil {
			t.Fatal(err)
		}
	}
	hs, err := b.m.Inspector().History(b.ctx, []string{b.topic}, 4)
	if err != nil {
		t.Fatal(err)
	}
	h := hs[0]
	if !h.Start.Equal(time.Date(2026, 3, 1, 9, 58, 0, 0, time.UTC)) {
		t.Errorf("start %v, want 09:58", h.Start)
	}
	if got, want := h.Processed, []int64{7, 0, 1, 3}; !slices.Equal(got, want) {
		t.Errorf("processed %v, want %v", got, want)
	}
	if got, want := h.Failed, []int64{0, 2, 0, 1}; !slices.Equal(got, want) {
		t.Errorf("failed %v, want %v", got, want)
	}
	all, err := b.m.Inspector().HistoryOfAll(b.ctx, 4)
	if err != nil {
		t.Fatal(err)
	}
	// Other tests' topics share the server, and settle now, not at 10:01
	// in 2026: only this test's two topics count in that window.
	if got, want := all.Processed, []int64{14, 0, 2, 6}; !slices.Equal(got, want) {
		t.Errorf("all topics processed %v, want %v", got, want)
	}
	for _, bad := range []int{0, redis.MaxHistoryMinutes + 1} {
		if _, err := b.m.Inspector().History(b.ctx, []string{b.topic}, bad); !errors.Is(err, redis.ErrInvalidOption) {
			t.Errorf("History(%d minutes): %v, want ErrInvalidOption", bad, err)
		}
	}
}

// The memory bound docs/reliability.md states: a full hour of one topic
// (120 fields of 6-digit counts) takes under 2 KB, so a day of 25 hashes
// under 50 KB.
func TestHistoryMemoryBound(t *testing.T) {
	t.Parallel()
	b := setup(t)
	key := keys.For(b.topic).History(1)
	for m := range 60 {
		for _, kind := range []string{"p", "f"} {
			if err := b.m.Client().HIncrBy(b.ctx, key, kind+strconv.Itoa(m), 999999).Err(); err != nil {
				t.Fatal(err)
			}
		}
	}
	n, err := b.m.Client().MemoryUsage(b.ctx, key).Result()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("MEMORY USAGE of a full history hour: %d bytes", n)
	if n > 2048 {
		t.Fatalf("a full history hour takes %d bytes, the docs say under 2 KB", n)
	}
}
