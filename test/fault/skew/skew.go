// Package skew gives the fault tests a clock that is wrong by a fixed
// offset, as on a host whose NTP is broken, to pass to redis.WithClock in
// worker processes and publishers.
package skew

import (
	"time"

	"github.com/jonboulle/clockwork"
)

// Clock is the real clock read offset ahead (negative: behind). Timers and
// durations are the real ones: only the time of day is wrong.
func Clock(offset time.Duration) clockwork.Clock {
	return offsetClock{Clock: clockwork.NewRealClock(), offset: offset}
}

type offsetClock struct {
	clockwork.Clock
	offset time.Duration
}

// Now keeps the monotonic reading of time.Now (Add does), as a host's
// clock does: the wall time is wrong, elapsed time is not.
func (c offsetClock) Now() time.Time                  { return c.Clock.Now().Add(c.offset) }
func (c offsetClock) Since(t time.Time) time.Duration { return c.Now().Sub(t) }
func (c offsetClock) Until(t time.Time) time.Duration { return t.Sub(c.Now()) }
