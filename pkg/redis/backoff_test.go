package redis_test

import (
	"testing"
	"time"

	"goweb/pkg/redis"
)

// The default backoff is what docs/reliability.md and docs/dispatch.md
// say: retry n waits between half of and all of min(2^(n-1) s, 5 min), so
// the first retry comes 0.5–1 s after the failure.
func TestDefaultBackoffBounds(t *testing.T) {
	t.Parallel()
	for retry, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 9: 256 * time.Second, 10: 5 * time.Minute, 50: 5 * time.Minute} {
		lo, hi := want, time.Duration(0)
		for i := 0; i < 2000; i++ {
			d := redis.DefaultBackoff(retry)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < want/2 || hi > want {
			t.Errorf("retry %d waited %v to %v, want within %v–%v", retry, lo, hi, want/2, want)
		}
		// 2000 uniform draws reach both ends of the range within 1%.
		if lo > want/2+want/100 || hi < want-want/100 {
			t.Errorf("retry %d waited %v to %v, want to spread over %v–%v", retry, lo, hi, want/2, want)
		}
	}
}
