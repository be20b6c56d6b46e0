package redis

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// RateLimit is at most N messages started per Per across every consumer of
// a topic, in every process, allowing Burst at once after a quiet spell.
// The zero Burst means N. See WithRateLimit.
type RateLimit struct {
	N     int
	Per   time.Duration
	Burst int
}

// Bounds of a RateLimit.
const (
	MaxRateLimitN = 1_000_000_000
	MinRatePer    = time.Millisecond
	MaxRatePer    = 24 * time.Hour
)

// ErrInvalidRateLimit matches every error of ParseRateLimit and of a
// RateLimit out of bounds.
var ErrInvalidRateLimit = fmt.Errorf("%w: rate limit", ErrInvalidOption)

// ParseRateLimit reads "N/PER" or "N/PER:BURST", where PER is s, m, h or a
// Go duration such as 10s or 100ms: "50/s", "3000/m", "10/s:20". It is
// the inverse of RateLimit.String.
func ParseRateLimit(s string) (RateLimit, error) {
	bad := func(why string) (RateLimit, error) {
		return RateLimit{}, fmt.Errorf("%w %q: %s (want N/PER or N/PER:BURST, e.g. 50/s, 3000/m, 10/s:20)", ErrInvalidRateLimit, truncate(s, 64), why)
	}
	n, rest, ok := strings.Cut(s, "/")
	if !ok {
		return bad("no '/'")
	}
	per, burst, hasBurst := strings.Cut(rest, ":")
	var r RateLimit
	var err error
	if r.N, err = strconv.Atoi(n); err != nil {
		return bad("N is not a whole number")
	}
	switch per {
	case "s":
		r.Per = time.Second
	case "m":
		r.Per = time.Minute
	case "h":
		r.Per = time.Hour
	default:
		if r.Per, err = time.ParseDuration(per); err != nil {
			return bad("PER is not s, m, h or a duration")
		}
	}
	if hasBurst {
		if r.Burst, err = strconv.Atoi(burst); err != nil || r.Burst < 1 {
			return bad("BURST is not a whole number of at least 1")
		}
	}
	if err := r.validate(); err != nil {
		return RateLimit{}, err
	}
	return r, nil
}

func (r RateLimit) validate() error {
	switch {
	case r.N < 1 || r.N > MaxRateLimitN:
		return fmt.Errorf("%w %v: N must be 1 to %d", ErrInvalidRateLimit, r, MaxRateLimitN)
	case r.Per < MinRatePer || r.Per > MaxRatePer:
		return fmt.Errorf("%w %v: PER must be %v to %v", ErrInvalidRateLimit, r, MinRatePer, MaxRatePer)
	case r.Burst < 0 || r.Burst > MaxRateLimitN:
		return fmt.Errorf("%w %v: BURST must be 1 to %d", ErrInvalidRateLimit, r, MaxRateLimitN)
	}
	return nil
}

// String formats r the way ParseRateLimit reads it; the burst is left out
// when it is the default.
func (r RateLimit) String() string {
	var per string
	switch r.Per {
	case time.Second:
		per = "s"
	case time.Minute:
		per = "m"
	case time.Hour:
		per = "h"
	default:
		per = r.Per.String()
	}
	s := strconv.Itoa(r.N) + "/" + per
	if r.Burst != 0 && r.Burst != r.N {
		s += ":" + strconv.Itoa(r.Burst)
	}
	return s
}

// burst is the burst in force: Burst, or N when it is zero.
func (r RateLimit) burst() int {
	if r.Burst == 0 {
		return r.N
	}
	return r.Burst
}

// intervalMicros is the time between two messages at the steady rate.
func (r RateLimit) intervalMicros() float64 {
	return float64(r.Per.Microseconds()) / float64(r.N)
}
