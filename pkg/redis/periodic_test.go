package redis_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

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

// testPeriodicOncePerTick runs one schedule in two "processes" (managers):
// every tick is delivered exactly once, on a whole second.
func testPeriodicOncePerTick(t *testing.T, b *bundle) {
	var c collector
	subscribe(t, b, c.handle)
	ctx, cancel := context.WithCancel(b.ctx)
	data := map[string]interface{}{"report": "hourly"}
	errs := make(chan error, 2)
	for _, m := range []*redis.Manager{b.m, b.another(t)} {
		go func() { errs <- m.GetQueue().Periodic(ctx, "@every 1s", b.topic, data) }()
	}
	started := time.Now()
	eventually(t, 10*time.Second, "three ticks", func() bool { return c.len() >= 3 })
	cancel()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("Periodic returned %v after cancel, want nil", err)
		}
	}
	elapsed := time.Since(started)
	time.Sleep(100 * time.Millisecond) // anything still on its way
	msgs := c.all()
	ticks := map[int64]bool{}
	for _, m := range msgs {
		i := strings.LastIndexByte(m.ID, '-')
		tick, err := strconv.ParseInt(m.ID[i+1:], 10, 64)
		if !strings.HasPrefix(m.ID, "periodic-") || err != nil || tick%1000 != 0 {
			t.Fatalf("message id %q: want periodic-<schedule>-<tick on a whole second>", m.ID)
		}
		if ticks[tick] {
			t.Fatalf("tick %d delivered twice: %d messages for two processes", tick, len(msgs))
		}
		ticks[tick] = true
		if m.Data["report"] != "hourly" {
			t.Fatalf("data %v", m.Data)
		}
	}
	if max := int(elapsed/time.Second) + 1; len(msgs) > max {
		t.Fatalf("%d ticks in %v", len(msgs), elapsed)
	}
}

// A tick that falls while Redis is down is published when Redis is back
// before the next tick.
func TestPeriodicRetriesTickThroughOutage(t *testing.T) {
	t.Parallel()
	own := redistest.Start(t)
	b := setupAddr(t, own.Addr)
	ctx, cancel := context.WithCancel(b.ctx)
	done := make(chan error, 1)
	// Retries go at 0.1, 0.3, 0.7, 1.5 and 3.1 s after the tick; with 4 s
	// between ticks Redis may take up to 3 s to come back.
	go func() { done <- b.q.Periodic(ctx, "@every 4s", b.topic, map[string]interface{}{"k": "v"}) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Periodic: %v", err)
		}
	}()
	// Stop Redis 0.4 s before a tick, start it again 0.4 s after.
	now := time.Now()
	tick := now.Truncate(4 * time.Second).Add(4 * time.Second)
	if tick.Sub(now) < 600*time.Millisecond {
		tick = tick.Add(4 * time.Second)
	}
	time.Sleep(time.Until(tick.Add(-400 * time.Millisecond)))
	own.Kill()
	time.Sleep(time.Until(tick.Add(400 * time.Millisecond)))
	if err := own.Restart(); err != nil {
		t.Fatal(err)
	}
	want := "-" + strconv.FormatInt(tick.UnixMilli(), 10)
	admin := own.Client(t)
	eventually(t, 4*time.Second, "the tick's message", func() bool {
		entries, _ := admin.LRange(b.ctx, keys.For(b.topic).Pending(), 0, -1).Result() // nil while Redis restarts
		for _, e := range entries {
			if strings.Contains(e, want+`"`) {
				return true
			}
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
