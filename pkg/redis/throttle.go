package redis

import (
	"time"

	"github.com/jonboulle/clockwork"

	"goweb/pkg/logger"
)

// throttle logs a recurring error at most once per interval, with the count
// of those it held back, so a Redis outage does not flood the logs. It
// reads time from the queue's clock.
type throttle struct{ t *logger.Throttle }

func newThrottle(log logger.Logger, clk clockwork.Clock, interval time.Duration) *throttle {
	return &throttle{t: logger.NewThrottle(log, interval, clk.Now)}
}

func (t *throttle) log(msg string, err error, args ...interface{}) {
	t.t.Warn(msg, append(args, "error", err)...)
}
