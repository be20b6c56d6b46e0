package redis

import (
	"context"
	"testing"
	"time"

	"github.com/jonboulle/clockwork"
	goredis "github.com/redis/go-redis/v9"

	"goweb/pkg/redis/redistest"
)

// A local clock an hour fast reads Redis's time once sampled, counts on
// from there, samples again after resampleEvery, and without Redis falls
// back to local time without waiting more than one failed sample.
func TestRedisClock(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	client := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
	t.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	local := clockwork.NewFakeClockAt(time.Now().Add(time.Hour))
	c := newRedisClock(local, client)

	near := func(what string, want time.Time) {
		t.Helper()
		if got := c.Now(); got.Sub(want).Abs() > 5*time.Second { // a loaded machine's round trips, generously
			t.Errorf("%s: Now() = %v, want about %v", what, got, want)
		}
	}
	if got := c.Now(); !got.Equal(local.Now()) {
		t.Errorf("before any sample: Now() = %v, want the local %v", got, local.Now())
	}
	c.sync(ctx)
	redisNow, err := client.Time(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	near("sampled", redisNow)
	local.Advance(20 * time.Second) // counts on, no sample
	near("20 s later by the local clock", redisNow.Add(20*time.Second))
	c.sync(ctx)
	near("20 s later, still the same sample", redisNow.Add(20*time.Second))
	local.Advance(resampleEvery)
	c.sync(ctx) // sampled afresh: Redis's clock did not move 50 s
	if redisNow, err = client.Time(ctx).Result(); err != nil {
		t.Fatal(err)
	}
	near("resampled", redisNow)

	down := newRedisClock(local, goredis.NewClient(&goredis.Options{Addr: "127.0.0.1:1", DialTimeout: time.Second, MaxRetries: -1}))
	t.Cleanup(func() { _ = down.client.Close() })
	start := time.Now()
	for range 5 {
		down.sync(ctx)
	}
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("5 syncs without Redis took %v: each waited for a sample", took)
	}
	if got := down.Now(); !got.Equal(local.Now()) {
		t.Errorf("without Redis: Now() = %v, want the local %v", got, local.Now())
	}
	if err := down.resample(ctx); err == nil {
		t.Error("resample without Redis: nil error")
	}

	// A caller with a deadline does not wait out another's sample (of a
	// frozen Redis, say): its own deadline ends the wait.
	busy := newRedisClock(local, client)
	busy.sampling <- struct{}{} // another goroutine samples, and never ends
	short, cancelShort := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancelShort()
	done := make(chan struct{})
	go func() { defer close(done); busy.sync(short) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("sync waited for another goroutine's sample beyond its context's deadline")
	}
}

// A sample whose round trip took sampleGoodRTT or more is taken again, up
// to sampleTries times, and the one with the shortest round trip is kept.
func TestRedisClockRetriesSlowSamples(t *testing.T) {
	t.Parallel()
	srv := redistest.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, tc := range []struct {
		name      string
		rtts      []time.Duration // of the TIME calls in turn, on the fake local clock
		wantCalls int
		wantAfter time.Duration // local time of the kept sample, after the start
	}{
		{"fast", []time.Duration{0}, 1, 0},
		{"slow then fast", []time.Duration{40 * time.Millisecond, 0}, 2, 40 * time.Millisecond},
		{"all slow", []time.Duration{40 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond}, 3, 40 * time.Millisecond},
	} {
		t.Run(tc.name, func(t *testing.T) {
			client := goredis.NewClient(&goredis.Options{Addr: srv.Addr})
			t.Cleanup(func() { _ = client.Close() })
			local := clockwork.NewFakeClock()
			start := local.Now()
			calls := 0
			client.AddHook(afterTime(func() {
				if calls < len(tc.rtts) {
					local.Advance(tc.rtts[calls])
				}
				calls++
			}))
			c := newRedisClock(local, client)
			if err := c.resample(ctx); err != nil {
				t.Fatal(err)
			}
			if calls != tc.wantCalls {
				t.Errorf("TIME called %d times, want %d", calls, tc.wantCalls)
			}
			if got := c.anchor.Load().local.Sub(start); got != tc.wantAfter {
				t.Errorf("kept the sample taken %v after the start, want %v", got, tc.wantAfter)
			}
		})
	}
}

// afterTime is a go-redis hook that calls fn after each TIME command.
type afterTime func()

func (afterTime) DialHook(next goredis.DialHook) goredis.DialHook { return next }

func (f afterTime) ProcessHook(next goredis.ProcessHook) goredis.ProcessHook {
	return func(ctx context.Context, cmd goredis.Cmder) error {
		err := next(ctx, cmd)
		if cmd.Name() == "time" {
			f()
		}
		return err
	}
}

func (afterTime) ProcessPipelineHook(next goredis.ProcessPipelineHook) goredis.ProcessPipelineHook {
	return next
}
