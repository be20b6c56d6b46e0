package dispatch

import (
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"
)

// BreakerState is a route's circuit breaker state; its number is the
// breaker-state gauge's value.
type BreakerState int

const (
	BreakerClosed   BreakerState = 0 // sending
	BreakerHalfOpen BreakerState = 1 // one probe in flight
	BreakerOpen     BreakerState = 2 // holding messages back until the cool-down ends
)

func (s BreakerState) String() string {
	switch s {
	case BreakerHalfOpen:
		return "half_open"
	case BreakerOpen:
		return "open"
	}
	return "closed"
}

// Defaults of the breaker.
const (
	DefaultBreakerFailures = 5
	DefaultBreakerCooldown = 30 * time.Second
)

// BreakerConfig configures a route's circuit breaker.
type BreakerConfig struct {
	// Failures is how many failed attempts in a row open the breaker.
	// Defaults to DefaultBreakerFailures (5).
	Failures int
	// Cooldown is how long an open breaker holds messages back before it
	// lets one probe through. Defaults to DefaultBreakerCooldown (30s).
	Cooldown time.Duration
}

// breaker is one route's circuit breaker, local to this process: each
// replica learns an endpoint's health from its own requests.
type breaker struct {
	cfg      BreakerConfig
	now      func() time.Time
	onChange func(BreakerState)

	// healthy is state == BreakerClosed with no failure since the last
	// success, updated under mu: the common case, which allow and a
	// success then settle without taking the lock every delivery would.
	healthy atomic.Bool

	mu       sync.Mutex
	state    BreakerState
	failures int
	until    time.Time // when an open breaker lets a probe through
}

func newBreaker(cfg BreakerConfig, now func() time.Time, onChange func(BreakerState)) *breaker {
	b := &breaker{cfg: cfg, now: now, onChange: onChange}
	b.healthy.Store(true)
	return b
}

// allow reports whether a request may go out now; if not, hold is how long
// to hold the message back. The request allowed while open is the probe,
// and the breaker stays half-open until its result is reported.
func (b *breaker) allow() (ok bool, hold time.Duration) {
	if b.healthy.Load() {
		return true, 0
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	switch b.state {
	case BreakerClosed:
		return true, 0
	case BreakerOpen:
		now := b.now()
		if !now.Before(b.until) {
			b.set(BreakerHalfOpen)
			return true, 0
		}
		return false, spread(b.until.Sub(now))
	default: // a probe is out: hold back for a fraction of the cool-down
		return false, spread(b.cfg.Cooldown / 4)
	}
}

// report records the result of an allowed request: success, failure, or
// neither (cancelled by shutdown), which frees the probe slot.
func (b *breaker) report(success, failure bool) {
	if success && b.healthy.Load() {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	defer func() { b.healthy.Store(b.state == BreakerClosed && b.failures == 0) }()
	switch {
	case success:
		b.failures = 0
		if b.state != BreakerClosed {
			b.set(BreakerClosed)
		}
	case failure:
		b.failures++
		if b.state == BreakerHalfOpen || (b.state == BreakerClosed && b.failures >= b.cfg.Failures) {
			b.until = b.now().Add(b.cfg.Cooldown)
			b.set(BreakerOpen)
		}
	case b.state == BreakerHalfOpen:
		b.until = b.now()
		b.set(BreakerOpen)
	}
}

func (b *breaker) current() BreakerState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.state
}

func (b *breaker) set(s BreakerState) {
	b.state = s
	if b.onChange != nil {
		b.onChange(s)
	}
}

// spread adds up to 10% to d, so held messages do not all come back in the
// same millisecond.
func spread(d time.Duration) time.Duration {
	return d + rand.N(d/10+1)
}
