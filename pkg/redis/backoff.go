package redis

import (
	"math/rand/v2"
	"time"
)

// Backoff returns how long to wait before retry number retry (1 for the
// first retry).
type Backoff func(retry int) time.Duration

// ExponentialBackoff doubles the delay from base with each retry, caps it at
// max, and picks a uniformly random delay between half of that and all of it
// ("equal jitter"), so failing consumers do not retry in lockstep.
func ExponentialBackoff(base, max time.Duration) Backoff {
	return func(retry int) time.Duration {
		d := base
		for i := 1; i < retry && d < max; i++ {
			d *= 2
		}
		if d > max {
			d = max
		}
		if d <= 1 {
			return d
		}
		half := d / 2
		return half + rand.N(d-half+1)
	}
}

// ConstantBackoff waits d before every retry.
func ConstantBackoff(d time.Duration) Backoff {
	return func(int) time.Duration { return d }
}

// DefaultBackoff is ExponentialBackoff(time.Second, 5*time.Minute).
var DefaultBackoff = ExponentialBackoff(time.Second, 5*time.Minute)
