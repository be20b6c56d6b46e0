package redis

import (
	"context"
	"maps"
)

// Publication is one publish call as PublishMiddleware sees it: a Publish,
// PublishWithDelay or Enqueue (one message), a PublishBatch or EnqueueBatch
// (Messages of them), or a tick of Periodic.
type Publication struct {
	// Topic published to.
	Topic string
	// Messages is 1, or the size of a batch.
	Messages int
	// Headers is what every message of the call will carry: a copy of the
	// WithHeaders map, never nil, which middleware may change before
	// calling the next PublishFunc (a tracer adds "traceparent" to it).
	Headers map[string]string
	// IDs of the published messages, in order: set once the publish
	// succeeded, or stored without enough replicas (*NotReplicatedError).
	IDs []string

	write func(context.Context, *publishOptions) ([]string, error)
	opts  *publishOptions
}

// PublishFunc publishes p.
type PublishFunc func(ctx context.Context, p *Publication) error

// PublishMiddleware wraps every publish call of a Manager's queue, e.g. to
// add headers from ctx or to time publishes. It runs after the topic and
// options were validated and before anything is written; the ctx it passes
// on is the one Redis is called with. A middleware that returns without
// calling next publishes nothing.
type PublishMiddleware func(next PublishFunc) PublishFunc

// WithPublishMiddleware wraps the queue's publishes, the first middleware
// outermost. Defaults to none, which costs nothing.
func WithPublishMiddleware(mw ...PublishMiddleware) ManagerOption {
	return func(m *Manager) { m.publishMW = append(m.publishMW, mw...) }
}

// publishChain builds the middleware chain around the write once; nil when
// there is no middleware.
func publishChain(mw []PublishMiddleware) PublishFunc {
	if len(mw) == 0 {
		return nil
	}
	next := PublishFunc(func(ctx context.Context, p *Publication) error {
		o := *p.opts
		o.headers = p.Headers
		ids, err := p.write(ctx, &o)
		p.IDs = ids // nil unless stored
		return err
	})
	for i := len(mw) - 1; i >= 0; i-- {
		next = mw[i](next)
	}
	return next
}

// publishThrough runs write, which publishes n messages to topic with o,
// through the middleware chain.
func (q *RedisQueue) publishThrough(ctx context.Context, topic string, n int, o *publishOptions,
	write func(context.Context, *publishOptions) ([]string, error)) ([]string, error) {
	h := make(map[string]string, len(o.headers)+2)
	maps.Copy(h, o.headers)
	p := &Publication{Topic: topic, Messages: n, Headers: h, write: write, opts: o}
	err := q.publishChain(ctx, p)
	return p.IDs, err
}
