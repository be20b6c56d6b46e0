package redis

import (
	"sync"
	"time"

	"goweb/pkg/logger"
)

// throttle logs a recurring error at most once per interval, with the count
// of those it held back, so a Redis outage does not flood the logs.
type throttle struct {
	logger   logger.Logger
	interval time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func newThrottle(log logger.Logger, interval time.Duration) *throttle {
	return &throttle{logger: log, interval: interval}
}

func (t *throttle) log(msg string, err error, args ...interface{}) {
	t.mu.Lock()
	now := time.Now()
	if now.Sub(t.last) < t.interval {
		t.suppressed++
		t.mu.Unlock()
		return
	}
	n := t.suppressed
	t.last, t.suppressed = now, 0
	t.mu.Unlock()
	args = append(args, "error", err)
	if n > 0 {
		args = append(args, "suppressed", n)
	}
	t.logger.Warn(msg, args...)
}
