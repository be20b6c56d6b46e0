package dispatch

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ParseRetryAfter reads a Retry-After header value: delay-seconds or an
// HTTP date (RFC 9110 section 10.2.3). A date in the past is a zero delay.
// ok is false for an empty or malformed value.
func ParseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if v[0] >= '0' && v[0] <= '9' {
		secs, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			if ne, isNum := err.(*strconv.NumError); isNum && ne.Err == strconv.ErrRange {
				return maxRetryAfterValue, true
			}
			return 0, false
		}
		if secs > uint64(maxRetryAfterValue/time.Second) {
			return maxRetryAfterValue, true
		}
		return time.Duration(secs) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}

// maxRetryAfterValue keeps huge values from overflowing; the configured
// MaxRetryAfter caps them far below anyway.
const maxRetryAfterValue = 100 * 365 * 24 * time.Hour
