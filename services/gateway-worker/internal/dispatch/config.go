package dispatch

import (
	"errors"
	"fmt"
	"time"
)

// DefaultMaxRetryAfter caps the delay a Retry-After header may ask for.
const DefaultMaxRetryAfter = 10 * time.Minute

// Config configures a Dispatcher.
type Config struct {
	// Routes to serve; ParseRoutes validates them.
	Routes []Route
	// DefaultSecrets sign the requests of routes that list none
	// (DISPATCH_SIGNING_SECRET). Defaults to none: requests unsigned.
	DefaultSecrets []Secret
	// MaxRetryAfter caps a Retry-After delay. Defaults to
	// DefaultMaxRetryAfter (10m); bounds 1s to 24h.
	MaxRetryAfter time.Duration
	// Breaker configures every route's breaker. Failures bounds 1 to
	// 1000, Cooldown 100ms to 1h.
	Breaker BreakerConfig
	// AttemptsKept is how many failed attempts are kept per message.
	// Defaults to DefaultAttemptsKept (5); bounds 1 to 100.
	AttemptsKept int
	// AttemptsTTL is how long they are kept after the last failure.
	// Defaults to DefaultAttemptsTTL (14 days); bounds 1m to 365 days.
	AttemptsTTL time.Duration
	// Hooks observe deliveries. Defaults to none.
	Hooks Hooks
	// Now is the clock. Defaults to time.Now.
	Now func() time.Time
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.MaxRetryAfter == 0 {
		c.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if c.Breaker.Failures == 0 {
		c.Breaker.Failures = DefaultBreakerFailures
	}
	if c.Breaker.Cooldown == 0 {
		c.Breaker.Cooldown = DefaultBreakerCooldown
	}
	if c.AttemptsKept == 0 {
		c.AttemptsKept = DefaultAttemptsKept
	}
	if c.AttemptsTTL == 0 {
		c.AttemptsTTL = DefaultAttemptsTTL
	}
	if c.Hooks == nil {
		c.Hooks = noHooks{}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// ErrBadConfig wraps a dispatcher setting out of bounds.
var ErrBadConfig = errors.New("bad dispatch config")

func (c Config) validate() error {
	var errs []error
	check := func(ok bool, format string, args ...any) {
		if !ok {
			errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrBadConfig}, args...)...))
		}
	}
	check(c.MaxRetryAfter >= time.Second && c.MaxRetryAfter <= 24*time.Hour, "max_retry_after %v must be from 1s to 24h", c.MaxRetryAfter)
	check(c.Breaker.Failures >= 1 && c.Breaker.Failures <= 1000, "breaker failures %d must be from 1 to 1000", c.Breaker.Failures)
	check(c.Breaker.Cooldown >= 100*time.Millisecond && c.Breaker.Cooldown <= time.Hour, "breaker cooldown %v must be from 100ms to 1h", c.Breaker.Cooldown)
	check(c.AttemptsKept >= 1 && c.AttemptsKept <= 100, "attempts kept %d must be from 1 to 100", c.AttemptsKept)
	check(c.AttemptsTTL >= time.Minute && c.AttemptsTTL <= 365*24*time.Hour, "attempts TTL %v must be from 1m to 365 days", c.AttemptsTTL)
	return errors.Join(errs...)
}

type noHooks struct{}

func (noHooks) Delivered(string, Outcome, time.Duration) {}
func (noHooks) BreakerChanged(string, BreakerState)      {}
