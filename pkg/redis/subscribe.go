package redis

import (
	"context"
	"fmt"
	"time"
)

// SubscribeOption configures Subscribe and SubscribeBatch.
type SubscribeOption func(*subscribeOptions)

type subscribeOptions struct {
	concurrency     int
	maxRetries      int
	backoff         Backoff
	handlerTimeout  time.Duration
	shutdownTimeout time.Duration
	batchSize       int
	batchWait       time.Duration
	recoveryWindow  time.Duration
	blockTimeout    time.Duration
	maxDead         int
	prefetch        int // autoPrefetch, or what WithPrefetch set
	middleware      []Middleware
	observer        func(Event)
	flow            flowOptions
}

// Defaults of the subscribe options.
const (
	DefaultConcurrency     = 10
	DefaultMaxRetries      = 3
	DefaultShutdownTimeout = 25 * time.Second
	DefaultBatchSize       = 100
	DefaultBatchWait       = 100 * time.Millisecond
	DefaultRecoveryWindow  = 10 * time.Second
	DefaultMaxDeadLetters  = 100_000
)

// Upper bounds of the options that size a consumer's memory up front: far
// above any sane use, far below what would exhaust it (a concurrency of
// 1,000,000,000 once spun a core for minutes filling its window, then
// died allocating 40 GB).
const (
	MaxConcurrency = 10_000
	MaxPrefetch    = 100_000
)

// WithConcurrency sets how many handlers run at once, 1 to MaxConcurrency.
// Defaults to DefaultConcurrency (10). For SubscribeBatch it is the number of batches
// handled at once and defaults to 1.
func WithConcurrency(n int) SubscribeOption { return func(o *subscribeOptions) { o.concurrency = n } }

// WithMaxRetries sets how many times a failed message is retried after its
// first attempt before it is dead-lettered. Defaults to 3; 0 dead-letters on
// the first failure.
func WithMaxRetries(n int) SubscribeOption { return func(o *subscribeOptions) { o.maxRetries = n } }

// WithBackoff sets the delay before each retry. Defaults to DefaultBackoff.
func WithBackoff(b Backoff) SubscribeOption { return func(o *subscribeOptions) { o.backoff = b } }

// WithHandlerTimeout cancels a handler's context after d. Defaults to no
// limit. A handler that returns after its timeout is retried.
func WithHandlerTimeout(d time.Duration) SubscribeOption {
	return func(o *subscribeOptions) { o.handlerTimeout = d }
}

// WithShutdownTimeout bounds how long Subscribe waits for running handlers
// after its context is cancelled. Then their contexts are cancelled and
// their messages handed back to the head of the queue. Defaults to 25s,
// inside Kubernetes' default 30s grace period.
func WithShutdownTimeout(d time.Duration) SubscribeOption {
	return func(o *subscribeOptions) { o.shutdownTimeout = d }
}

// WithBatchSize sets the largest batch SubscribeBatch hands to its handler.
// Defaults to 100.
func WithBatchSize(n int) SubscribeOption { return func(o *subscribeOptions) { o.batchSize = n } }

// WithBatchWait sets how long SubscribeBatch waits to fill a batch after its
// first message. Defaults to 100ms.
func WithBatchWait(d time.Duration) SubscribeOption {
	return func(o *subscribeOptions) { o.batchWait = d }
}

// WithRecoveryWindow bounds how long the messages of a consumer that died
// (SIGKILL, OOM, lost network) stay in flight before other consumers put them
// back in the queue. A live consumer renews its lease every fifth of the
// window, so it never loses a message to another consumer however long its
// handler runs. Defaults to 10s; shorter windows cost more Redis commands
// when idle.
func WithRecoveryWindow(d time.Duration) SubscribeOption {
	return func(o *subscribeOptions) { o.recoveryWindow = d }
}

// WithPrefetch caps how many messages a consumer takes ahead of its
// running handlers, to save round trips. Within the cap the prefetch adapts
// to handler speed: about 20ms of work, at least 1. Prefetched messages are
// leased like running ones: a crash redelivers them and a shutdown hands
// them back. Defaults to max(4×concurrency, 256); 0 takes a message only
// when a handler is free; at most MaxPrefetch. Subscribe only.
func WithPrefetch(n int) SubscribeOption { return func(o *subscribeOptions) { o.prefetch = n } }

// WithMaxDeadLetters caps the topic's dead letters; the oldest beyond the
// cap are dropped. Defaults to 100000.
func WithMaxDeadLetters(n int) SubscribeOption { return func(o *subscribeOptions) { o.maxDead = n } }

// WithMiddleware wraps the handler, the first middleware outermost.
func WithMiddleware(mw ...Middleware) SubscribeOption {
	return func(o *subscribeOptions) { o.middleware = append(o.middleware, mw...) }
}

// WithObserver calls fn after each message is settled, e.g. for metrics. fn
// runs on the consumer's goroutines and must be fast.
func WithObserver(fn func(Event)) SubscribeOption {
	return func(o *subscribeOptions) { o.observer = fn }
}

// Outcome is what happened to a message after a delivery.
type Outcome string

// The outcomes an Observer sees.
const (
	OutcomeProcessed Outcome = "processed" // handler succeeded
	OutcomeRetried   Outcome = "retried"   // handler failed, retry scheduled
	OutcomeDead      Outcome = "dead"      // dead-lettered
	OutcomeRequeued  Outcome = "requeued"  // handed back at shutdown
	OutcomeDeferred  Outcome = "deferred"  // postponed, not an attempt (RetryAfterError.NotAnAttempt)
)

// Event describes one settled delivery.
type Event struct {
	Topic    string
	ID       string // empty for an entry that could not be decoded
	Attempt  int
	Outcome  Outcome
	Duration time.Duration // handler run time
	Err      error         // handler or decode error
}

// autoPrefetch is the prefetch option's default: adaptive, up to
// max(4×concurrency, 256).
const autoPrefetch = -1

// prefetch sizes a consumer's window: either fixed entries, or the
// workers plus an adaptive prefetch of up to max entries.
type prefetch struct {
	fixed, max int
}

// fixedWindow holds at most n entries, running or waiting.
func fixedWindow(n int) prefetch { return prefetch{fixed: n} }

// adaptive holds the workers' entries plus an adaptive prefetch of up to max.
func adaptive(max int) prefetch { return prefetch{max: max} }

// singlePrefetch is the window of a Subscribe consumer.
func (o *subscribeOptions) singlePrefetch() prefetch {
	if o.flow.globalConcurrency > 0 {
		return fixedWindow(o.concurrency) // a held message takes a slot: hold only what runs
	}
	switch o.prefetch {
	case autoPrefetch:
		return adaptive(max(4*o.concurrency, 256))
	case 0: // a message only when a handler is free
		return fixedWindow(o.concurrency)
	default:
		return adaptive(o.prefetch)
	}
}

func (q *RedisQueue) subscribeOptions(topic string, batch bool, opts []SubscribeOption) (*subscribeOptions, error) {
	if err := ValidateTopic(topic); err != nil {
		return nil, err
	}
	if err := q.m.usable(); err != nil {
		return nil, err
	}
	o := &subscribeOptions{
		concurrency:     DefaultConcurrency,
		maxRetries:      DefaultMaxRetries,
		backoff:         DefaultBackoff,
		shutdownTimeout: DefaultShutdownTimeout,
		batchSize:       DefaultBatchSize,
		batchWait:       DefaultBatchWait,
		recoveryWindow:  DefaultRecoveryWindow,
		blockTimeout:    5 * time.Second,
		maxDead:         DefaultMaxDeadLetters,
		prefetch:        autoPrefetch,
		flow:            defaultFlowOptions(),
	}
	if batch {
		o.concurrency = 1
	}
	for _, opt := range opts {
		opt(o)
	}
	switch {
	case o.concurrency < 1:
		return nil, fmt.Errorf("%w: WithConcurrency(%d): must be at least 1", ErrInvalidOption, o.concurrency)
	case o.concurrency > MaxConcurrency:
		return nil, fmt.Errorf("%w: WithConcurrency(%d): must be at most %d", ErrInvalidOption, o.concurrency, MaxConcurrency)
	case o.prefetch > MaxPrefetch:
		return nil, fmt.Errorf("%w: WithPrefetch(%d): must be at most %d", ErrInvalidOption, o.prefetch, MaxPrefetch)
	case o.maxRetries < 0:
		return nil, fmt.Errorf("%w: WithMaxRetries(%d): must not be negative", ErrInvalidOption, o.maxRetries)
	case o.backoff == nil:
		return nil, fmt.Errorf("%w: WithBackoff(nil)", ErrInvalidOption)
	case o.handlerTimeout < 0, o.shutdownTimeout < 0, o.batchWait < 0:
		return nil, fmt.Errorf("%w: durations must not be negative", ErrInvalidOption)
	case o.batchSize < 1:
		return nil, fmt.Errorf("%w: WithBatchSize(%d): must be at least 1", ErrInvalidOption, o.batchSize)
	case o.recoveryWindow < 100*time.Millisecond:
		return nil, fmt.Errorf("%w: WithRecoveryWindow(%v): must be at least 100ms", ErrInvalidOption, o.recoveryWindow)
	case o.prefetch < 0 && o.prefetch != autoPrefetch:
		return nil, fmt.Errorf("%w: WithPrefetch(%d): must not be negative", ErrInvalidOption, o.prefetch)
	case o.maxDead < 0:
		return nil, fmt.Errorf("%w: WithMaxDeadLetters(%d): must not be negative", ErrInvalidOption, o.maxDead)
	}
	if err := o.flow.validate(); err != nil {
		return nil, err
	}
	if o.blockTimeout > o.recoveryWindow/2 {
		o.blockTimeout = o.recoveryWindow / 2
	}
	return o, nil
}

// Subscribe consumes topic with handler until ctx is cancelled, then stops
// taking messages, lets running handlers finish within the shutdown timeout,
// hands the rest back to the head of the queue and returns nil. It returns
// an error at once for an invalid topic or option.
//
// Delivery is at least once: a message is acknowledged only after handler
// returns nil, so after a crash it may be delivered again. Write handlers to
// be idempotent, for example with the Idempotent middleware.
func (q *RedisQueue) Subscribe(ctx context.Context, topic string, handler MessageHandler, opts ...SubscribeOption) error {
	if handler == nil {
		return fmt.Errorf("%w: nil handler", ErrInvalidOption)
	}
	o, err := q.subscribeOptions(topic, false, opts)
	if err != nil {
		return err
	}
	for i := len(o.middleware) - 1; i >= 0; i-- {
		handler = o.middleware[i](handler)
	}
	c := q.newConsumer(topic, o, o.singlePrefetch())
	return c.run(ctx, func(wctx context.Context) { c.runner.single(wctx, handler) })
}

// SubscribeBatch is Subscribe for a handler that takes up to WithBatchSize
// messages at once, waiting at most WithBatchWait to fill a batch.
func (q *RedisQueue) SubscribeBatch(ctx context.Context, topic string, handler BatchHandler, opts ...SubscribeOption) error {
	if handler == nil {
		return fmt.Errorf("%w: nil handler", ErrInvalidOption)
	}
	o, err := q.subscribeOptions(topic, true, opts)
	if err != nil {
		return err
	}
	c := q.newConsumer(topic, o, fixedWindow((o.concurrency+1)*o.batchSize))
	return c.run(ctx, func(wctx context.Context) { c.runner.batch(wctx, handler) })
}
