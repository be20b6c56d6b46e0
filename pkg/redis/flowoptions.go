package redis

import (
	"fmt"
	"time"
)

// MaxGlobalConcurrency bounds WithGlobalConcurrency.
const MaxGlobalConcurrency = 100_000

// flowOptions are the subscribe options of flow control.
type flowOptions struct {
	rateLimit         *RateLimit
	globalConcurrency int
	waitObserver      func(Wait)
}

func defaultFlowOptions() flowOptions { return flowOptions{} }

// limited reports whether the topic has a rate or concurrency limit, the
// only case in which the consumer pays for flow control.
func (f *flowOptions) limited() bool { return f.rateLimit != nil || f.globalConcurrency > 0 }

func (f *flowOptions) validate() error {
	if f.rateLimit != nil {
		if err := f.rateLimit.validate(); err != nil {
			return fmt.Errorf("WithRateLimit: %w", err)
		}
	}
	if f.globalConcurrency < 0 || f.globalConcurrency > MaxGlobalConcurrency {
		return fmt.Errorf("%w: WithGlobalConcurrency(%d): must be 1 to %d", ErrInvalidOption, f.globalConcurrency, MaxGlobalConcurrency)
	}
	return nil
}

// WithRateLimit lets at most r.N messages of the topic start per r.Per
// across all its consumers in all processes, r.Burst of them at once after
// a quiet spell (r.N when Burst is zero). Defaults to no limit.
//
// Tokens are taken in the fetch script, for a whole batch in one round
// trip, against Redis's own clock; waiting for one is not an attempt. A
// message starts after it is fetched: with prefetch (the default) it may
// wait locally for a free handler, about 20ms of work at most. The package
// documentation states the guarantees during failover, clock jumps and
// limit changes.
func WithRateLimit(r RateLimit) SubscribeOption {
	return func(o *subscribeOptions) { o.flow.rateLimit = &r }
}

// WithGlobalConcurrency lets at most n messages of the topic be handled at
// once across all its consumers in all processes. Defaults to no limit. A
// consumer with it does not prefetch: a message it holds takes a slot. The
// slots of a consumer that died come back with its messages, within the
// recovery window. Waiting for a slot is not an attempt.
func WithGlobalConcurrency(n int) SubscribeOption {
	return func(o *subscribeOptions) {
		o.flow.globalConcurrency = n
		if n == 0 {
			o.flow.globalConcurrency = -1 // explicitly 0: invalid, not "none"
		}
	}
}

// WithWaitObserver calls fn each time a consumer has waited for flow
// control: for a rate limit token, a global concurrency slot or the end of
// a pause. A wait for the end of a pause is reported every second while it
// lasts, each call with the time since the previous one, so the durations
// add up to the whole wait. fn runs on the consumer's fetch goroutine and
// must be fast.
func WithWaitObserver(fn func(Wait)) SubscribeOption {
	return func(o *subscribeOptions) { o.flow.waitObserver = fn }
}

// WaitReason is what a consumer waited for.
type WaitReason string

// The reasons a WaitObserver sees.
const (
	WaitRateLimit   WaitReason = "rate_limit"  // a rate limit token
	WaitConcurrency WaitReason = "concurrency" // a global concurrency slot
	WaitPaused      WaitReason = "paused"      // the topic to be resumed
)

// Wait describes one wait of a consumer.
type Wait struct {
	Topic    string
	Reason   WaitReason
	Duration time.Duration
}
