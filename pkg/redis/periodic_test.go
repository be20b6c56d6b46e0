package redis_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"

	"goweb/pkg/redis"
	"goweb/pkg/redis/internal/keys"
	"goweb/pkg/redis/redistest"
)

func TestParseSchedule(t *testing.T) {
	t.Parallel()
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	next := []struct {
		spec, from, want string
	}{
		{"@every 10s", "2026-11-26T10:00:12.3Z", "2026-11-26T10:00:20Z"},
		{"@every 10s", "2026-11-26T10:00:20Z", "2026-11-26T10:00:30Z"},
		{"@every 1h", "2026-11-26T10:59:59Z", "2026-11-26T11:00:00Z"},
		{"@every 90m", "2026-11-26T00:10:00Z", "2026-11-26T01:30:00Z"},
		{"0 9 * * *", "2026-11-26T10:00:00Z", "2026-11-27T09:00:00Z"},
		{"0 9 * * MON-FRI", "2026-11-27T10:00:00Z", "2026-11-30T09:00:00Z"}, // Friday to Monday
		{"*/15 * * * * *", "2026-11-26T10:00:01Z", "2026-11-26T10:00:15Z"},
		{"@hourly", "2026-11-26T10:20:00Z", "2026-11-26T11:00:00Z"},
		{"@daily", "2026-11-26T10:20:00Z", "2026-11-27T00:00:00Z"},
		{"CRON_TZ=Asia/Shanghai 0 9 * * *", "2026-11-26T02:00:00Z", "2026-11-27T01:00:00Z"},
	}
	for _, c := range next {
		s, err := redis.ParseSchedule(c.spec)
		if err != nil {
			t.Errorf("ParseSchedule(%q): %v", c.spec, err)
			continue
		}
		if got := s.Next(at(c.from)); !got.Equal(at(c.want)) {
			t.Errorf("%q after %s: %s, want %s", c.spec, c.from, got.UTC().Format(time.RFC3339Nano), c.want)
		}
	}
	for _, spec := range []string{
		"", "@every", "@every ", "@every 0s", "@every 500ms", "@every -1m", "@every soon",
		"* * *", "61 * * * *", "* * * * * * *", "@sometimes", "0 0 30 2 *", "CRON_TZ=Nowhere/Land 0 9 * * *",
	} {
		if _, err := redis.ParseSchedule(spec); !errors.Is(err, redis.ErrInvalidOption) {
			t.Errorf("ParseSchedule(%q) = %v, want ErrInvalidOption", spec, err)
		} else if !strings.Contains(err.Error(), strconv.Quote(spec)) {
			t.Errorf("ParseSchedule(%q): error %q does not name the spec", spec, err)
		}
	}
}

func TestPeriodicRejectsBadInput(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	data := map[string]interface{}{"report": "daily"}
	cases := []struct {
		name  string
		spec  string
		topic string
		data  map[string]interface{}
		opts  []redis.PublishOption
		is    error
	}{
		{"spec", "every day", b.topic, data, nil, redis.ErrInvalidOption},
		{"topic", "@every 1s", "bad topic", data, nil, redis.ErrInvalidTopic},
		{"WithID", "@every 1s", b.topic, data, []redis.PublishOption{redis.WithID("x")}, redis.ErrInvalidOption},
		{"WithDelay", "@every 1s", b.topic, data, []redis.PublishOption{redis.WithDelay(time.Second)}, redis.ErrInvalidOption},
		{"WithProcessAt", "@every 1s", b.topic, data, []redis.PublishOption{redis.WithProcessAt(time.Now().Add(time.Hour))}, redis.ErrInvalidOption},
		{"WithDedupKey", "@every 1s", b.topic, data, []redis.PublishOption{redis.WithDedupKey("k", time.Minute)}, redis.ErrInvalidOption},
		{"too large", "@every 1s", b.topic, map[string]interface{}{"x": strings.Repeat("a", 2<<20)}, nil, redis.ErrPayloadTooLarge},
		{"not JSON", "@every 1s", b.topic, map[string]interface{}{"f": func() {}}, nil, nil},
	}
	for _, c := range cases {
		err := b.q.Periodic(ctx, c.spec, c.topic, c.data, c.opts...)
		switch {
		case err == nil:
			t.Errorf("%s: Periodic returned nil", c.name)
		case c.is != nil && !errors.Is(err, c.is):
			t.Errorf("%s: %v, want %v", c.name, err, c.is)
		}
	}
	if ctx.Err() != nil {
		t.Fatal("a bad Periodic call blocked instead of failing at once")
	}
	if n, _ := b.m.Client().LLen(b.ctx, keys.For(b.topic).Pending()).Result(); n != 0 {
		t.Fatalf("%d messages published by rejected calls", n)
	}
}

// periodicClock is a fake clock half a second before a whole second, for
// Periodic calls on managers made with the bundle's config.
func periodicClock() *clockwork.FakeClock {
	return clockwork.NewFakeClockAt(time.Unix(1_800_000_000, 0).Add(-500 * time.Millisecond))
}

// periodicOn starts Periodic on a new manager reading time from clk; the
// returned function stops it and fails the test if it did not return nil.
func periodicOn(t *testing.T, b *bundle, clk clockwork.Clock, spec string, data map[string]interface{}) func() {
	t.Helper()
	m := b.another(t)
	redis.SetClock(m, clk)
	ctx, cancel := context.WithCancel(b.ctx)
	errc := make(chan error, 1)
	go func() { errc <- m.GetQueue().Periodic(ctx, spec, b.topic, data) }()
	return func() {
		cancel()
		if err := <-errc; err != nil {
			t.Errorf("Periodic returned %v after cancel, want nil", err)
		}
	}
}

// testPeriodicOncePerTick runs one schedule in two "processes" (managers)
// on one fake clock: every tick is delivered exactly once, on a whole
// second. The consumer runs on the real clock.
func testPeriodicOncePerTick(t *testing.T, b *bundle) {
	var c collector
	subscribe(t, b, c.handle)
	clk := periodicClock()
	data := map[string]interface{}{"report": "hourly"}
	for range 2 {
		defer periodicOn(t, b, clk, "@every 1s", data)()
	}
	for tick := 1; tick <= 3; tick++ {
		if err := clk.BlockUntilContext(b.ctx, 2); err != nil { // both wait for the tick
			t.Fatal(err)
		}
		clk.Advance(time.Second)
		eventually(t, 5*time.Second, fmt.Sprintf("tick %d", tick), func() bool { return c.len() >= tick })
	}
	// Both waiting for the fourth tick: whatever they published for the
	// first three is in the queue, and delivered once.
	if err := clk.BlockUntilContext(b.ctx, 2); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "the queue drained", func() bool { return stats(t, b).Pending == 0 })
	msgs := c.all()
	if len(msgs) != 3 {
		t.Fatalf("%d messages for 3 ticks in two processes", len(msgs))
	}
	ticks := map[int64]bool{}
	for _, m := range msgs {
		i := strings.LastIndexByte(m.ID, '-')
		tick, err := strconv.ParseInt(m.ID[i+1:], 10, 64)
		if !strings.HasPrefix(m.ID, "periodic-") || err != nil || tick%1000 != 0 {
			t.Fatalf("message id %q: want periodic-<schedule>-<tick on a whole second>", m.ID)
		}
		if ticks[tick] {
			t.Fatalf("tick %d delivered twice", tick)
		}
		ticks[tick] = true
		if m.Data["report"] != "hourly" {
			t.Fatalf("data %v", m.Data)
		}
	}
}

// A tick that falls while Redis is down is published when Redis is back
// before the next tick. The schedule runs on a fake clock, so the test
// waits for no tick.
func TestPeriodicRetriesTickThroughOutage(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t)
	b := setupAddr(t, own.Addr)
	clk := periodicClock()
	tick := clk.Now().Add(500 * time.Millisecond)
	own.Kill()
	defer periodicOn(t, b, clk, "@every 4s", map[string]interface{}{"k": "v"})()
	if err := clk.BlockUntilContext(b.ctx, 1); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Second)                                // the tick falls while Redis is down
	if err := clk.BlockUntilContext(b.ctx, 1); err != nil { // the publish failed: waiting to retry
		t.Fatal(err)
	}
	if err := own.Restart(); err != nil {
		t.Fatal(err)
	}
	want := "-" + strconv.FormatInt(tick.UnixMilli(), 10) + `"`
	admin := own.Client(t)
	eventually(t, 10*time.Second, "the tick's message", func() bool {
		entries, _ := admin.LRange(b.ctx, keys.For(b.topic).Pending(), 0, -1).Result()
		for _, e := range entries {
			if strings.Contains(e, want) {
				return true
			}
		}
		// Let the next retry go, still well before the next tick.
		if clk.Since(tick) < 3*time.Second && clk.BlockUntilContext(b.ctx, 1) == nil {
			clk.Advance(100 * time.Millisecond)
		}
		return false
	})
}

// FuzzParseSchedule: a spec (from code or configuration) either parses into
// a schedule whose ticks move forward, or gives ErrInvalidOption; it never
// panics.
func FuzzParseSchedule(f *testing.F) {
	for _, s := range []string{
		"@every 1s", "@every 90m", "@every 0s", "@every -1h", "@every", "0 9 * * MON-FRI", "*/10 * * * * *",
		"@hourly", "@daily", "CRON_TZ=Asia/Shanghai 0 9 * * *", "TZ=UTC 0 0 1 1 *", "0 0 30 2 *", "61 * * * *",
		"* * * * * * *", "1-60/0 * * * *", "CRON_TZ=", "TZ=", "@every 9999999h", "L * * * *", "?", "",
	} {
		f.Add(s)
	}
	from := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, spec string) {
		s, err := redis.ParseSchedule(spec)
		if err != nil {
			if !errors.Is(err, redis.ErrInvalidOption) {
				t.Fatalf("ParseSchedule(%q): %v, not ErrInvalidOption", spec, err)
			}
			return
		}
		next := s.Next(from)
		if !next.IsZero() && !next.After(from) {
			t.Fatalf("ParseSchedule(%q).Next(%v) = %v, not after it", spec, from, next)
		}
	})
}
