package redis

import (
	"context"
	"time"

	"github.com/jonboulle/clockwork"
)

// The queue reads time only through RedisQueue.clock, the local clock:
// timers and intervals (renewals, backoff waits, periodic sleeps, log
// throttling), and, through RedisQueue.rclock (redisclock.go), which counts
// on it from a sample of Redis's TIME, every time written to Redis: lease
// expiries, due times, periodic ticks, timestamps. Production uses the
// real clock; tests replace it with a clockwork.FakeClock (see
// export_test.go, which also makes rclock read the fake clock as is) and
// advance it, so they never sleep to wait for a deadline.
//
// Two waits stay on the real clock on purpose: the shutdown timeout and the
// timeouts of Redis calls are wall-clock promises to the process manager
// and to Redis, not queue logic.

// sleepCtx waits for d on clk; false if ctx ended first.
func sleepCtx(ctx context.Context, clk clockwork.Clock, d time.Duration) bool {
	t := clk.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.Chan():
		return true
	}
}
