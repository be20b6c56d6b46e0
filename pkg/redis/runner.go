package redis

import (
	"context"
	"fmt"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/jonboulle/clockwork"

	"goweb/pkg/logger"
	"goweb/pkg/redis/internal/envelope"
)

// runner is the worker side of a consumer: it takes deliveries from jobs,
// decodes them and runs the handler with its timeout and panic recovery.
// It never talks to Redis: every outcome goes to the settler.
type runner struct {
	topic          string
	log            logger.Logger
	clock          clockwork.Clock
	maxPayload     int
	handlerTimeout time.Duration
	batchSize      int
	batchWait      time.Duration
	jobs           *lazyChan[*delivery]
	settler        *settler
	gate           *gate
	crew           *crew[*delivery]

	stopping atomic.Bool // set at shutdown: hand deliveries back, start no handler
}

func newRunner(q *RedisQueue, topic string, o *subscribeOptions, jobs *lazyChan[*delivery], s *settler, g *gate) *runner {
	return &runner{
		topic: topic, log: q.log, clock: q.clock, maxPayload: q.maxPayload,
		handlerTimeout: o.handlerTimeout, batchSize: o.batchSize, batchWait: o.batchWait,
		jobs: jobs, settler: s, gate: g,
	}
}

// take returns the next delivery, or false when the jobs channel is closed
// or the worker may leave after idling (crew.next).
func (r *runner) take() (*delivery, bool) {
	d, ok, _ := r.crew.next(nil)
	return d, ok
}

// holding tells whether to hand deliveries back rather than start them: at
// shutdown, or while the topic is paused.
func (r *runner) holding() bool { return r.stopping.Load() || r.gate.paused.Load() }

// single runs handler for one delivery at a time.
func (r *runner) single(ctx context.Context, handler MessageHandler) {
	for {
		d, ok := r.take()
		if !ok {
			return
		}
		if r.holding() {
			r.settler.giveBack(d)
			continue
		}
		msg, ok := r.decode(d)
		if !ok {
			continue
		}
		start := r.clock.Now()
		err := r.call(ctx, func(hctx context.Context) error { return handler(hctx, msg) })
		r.settler.settle(d, msg, err, r.clock.Since(start))
	}
}

// batch collects up to batchSize deliveries, waiting at most batchWait
// after the first, and runs handler on them together.
func (r *runner) batch(ctx context.Context, handler BatchHandler) {
	for {
		first, ok := r.take()
		if !ok {
			return
		}
		batch := r.collect(first)
		if r.holding() {
			for _, d := range batch {
				r.settler.giveBack(d)
			}
			continue
		}
		var ds []*delivery
		var msgs []Message
		for _, d := range batch {
			if msg, ok := r.decode(d); ok {
				ds = append(ds, d)
				msgs = append(msgs, *msg)
			}
		}
		if len(msgs) == 0 {
			continue
		}
		start := r.clock.Now()
		err := r.call(ctx, func(hctx context.Context) error { return handler(hctx, msgs) })
		took := r.clock.Since(start) // the handler's time, not the settling before each message
		for i, d := range ds {
			r.settler.settle(d, &msgs[i], err, took)
		}
	}
}

func (r *runner) collect(first *delivery) []*delivery {
	batch := []*delivery{first}
	t := r.clock.NewTimer(r.batchWait)
	defer t.Stop()
	jobs := r.jobs.get()
	for len(batch) < r.batchSize {
		select {
		case d, ok := <-jobs:
			if !ok {
				return batch
			}
			batch = append(batch, d)
		case <-t.Chan():
			return batch
		}
	}
	return batch
}

// decode turns a delivery into a Message, dead-lettering entries that are
// not valid envelopes.
func (r *runner) decode(d *delivery) (*Message, bool) {
	if len(d.entry) > r.maxPayload {
		r.settler.buryUndecodable(d, fmt.Errorf("%w: entry of %d bytes exceeds the %d-byte limit", ErrPayloadTooLarge, len(d.entry), r.maxPayload))
		return nil, false
	}
	env, err := envelope.DecodeString(d.entry)
	if err != nil {
		r.settler.buryUndecodable(d, err)
		return nil, false
	}
	msg := &Message{
		ID:        env.ID,
		Topic:     r.topic,
		Data:      env.Data,
		Attempt:   env.Attempt + 1,
		Headers:   env.Headers,
		LastError: env.Error,
	}
	if env.TS > 0 {
		msg.PublishedAt = time.UnixMilli(env.TS)
	}
	return msg, true
}

// call runs fn with the handler timeout and turns a panic into an error.
func (r *runner) call(ctx context.Context, fn func(context.Context) error) (err error) {
	if r.handlerTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.handlerTimeout)
		defer cancel()
	}
	defer func() {
		if v := recover(); v != nil {
			stack := debug.Stack()
			r.log.Error("handler panicked", "topic", r.topic, "panic", fmt.Sprint(v), "stack", string(stack))
			err = &PanicError{Value: v, Stack: stack}
		}
	}()
	return fn(ctx)
}
