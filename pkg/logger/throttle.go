package logger

import (
	"sync"
	"time"
)

// Throttle logs a recurring warning at most once per interval, adding to
// it the count of those it held back ("suppressed"), so that an outage or
// a client repeating a bad request cannot flood the log. It is safe for
// concurrent use.
//
//	refusals := logger.NewThrottle(log, 10*time.Second, nil)
//	refusals.Warn("refused a request", "path", r.URL.Path)
type Throttle struct {
	log      Logger
	interval time.Duration
	now      func() time.Time

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// NewThrottle returns a Throttle writing to log at most once per interval.
// now reads the time; nil means time.Now.
func NewThrottle(log Logger, interval time.Duration, now func() time.Time) *Throttle {
	if now == nil {
		now = time.Now
	}
	return &Throttle{log: log, interval: interval, now: now}
}

// Warn logs msg and args at warn level unless a warning went out less than
// an interval ago, in which case it only counts it.
func (t *Throttle) Warn(msg string, args ...interface{}) {
	t.mu.Lock()
	now := t.now()
	if !t.last.IsZero() && now.Sub(t.last) < t.interval {
		t.suppressed++
		t.mu.Unlock()
		return
	}
	n := t.suppressed
	t.last, t.suppressed = now, 0
	t.mu.Unlock()
	if n > 0 {
		args = append(args, "suppressed", n)
	}
	t.log.Warn(msg, args...)
}
