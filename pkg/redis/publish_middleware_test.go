package redis_test

import (
	"context"
	"errors"
	"maps"
	"slices"
	"testing"
	"time"

	"goweb/pkg/redis"
)

type ctxKey struct{}

// tagging is publish middleware that records what it saw under name and
// copies the ctx value into the headers, as a tracer copies its span.
func tagging(name string, seen *[]string) redis.PublishMiddleware {
	return func(next redis.PublishFunc) redis.PublishFunc {
		return func(ctx context.Context, p *redis.Publication) error {
			*seen = append(*seen, name)
			if v, ok := ctx.Value(ctxKey{}).(string); ok {
				p.Headers[name] = v
			}
			return next(ctx, p)
		}
	}
}

func TestPublishMiddlewareSetsHeaders(t *testing.T) {
	t.Parallel()
	var seen []string
	var pubs []redis.Publication
	record := func(next redis.PublishFunc) redis.PublishFunc {
		return func(ctx context.Context, p *redis.Publication) error {
			err := next(ctx, p)
			pubs = append(pubs, *p)
			return err
		}
	}
	b := setup(t).with(t, redis.WithPublishMiddleware(record, tagging("outer", &seen)), redis.WithPublishMiddleware(tagging("inner", &seen)))
	ctx := context.WithValue(b.ctx, ctxKey{}, "from-ctx")
	mine := map[string]string{"k": "v"}

	id, err := b.q.Enqueue(ctx, b.topic, map[string]interface{}{"n": 1}, redis.WithHeaders(mine))
	if err != nil {
		t.Fatal(err)
	}
	ids, err := b.q.EnqueueBatch(ctx, b.topic, []map[string]interface{}{{"n": 2}, {"n": 3}}, redis.WithDelay(time.Hour))
	if err != nil {
		t.Fatal(err)
	}

	if want := []string{"outer", "inner", "outer", "inner"}; !slices.Equal(seen, want) {
		t.Errorf("middleware ran as %v, want %v (first outermost)", seen, want)
	}
	if want := map[string]string{"k": "v"}; !maps.Equal(mine, want) {
		t.Errorf("the caller's WithHeaders map became %v", mine)
	}
	if len(pubs) != 2 || pubs[0].Topic != b.topic || pubs[0].Messages != 1 || !slices.Equal(pubs[0].IDs, []string{id}) ||
		pubs[1].Messages != 2 || !slices.Equal(pubs[1].IDs, ids) {
		t.Fatalf("publications %+v, want one of id %s and a batch of %v", pubs, id, ids)
	}
	in := b.m.Inspector()
	pending, err := in.Pending(b.ctx, b.topic, 0, 10)
	if err != nil || len(pending) != 1 {
		t.Fatalf("pending %+v, %v", pending, err)
	}
	if want := map[string]string{"k": "v", "outer": "from-ctx", "inner": "from-ctx"}; !maps.Equal(pending[0].Headers, want) {
		t.Errorf("published headers %v, want %v", pending[0].Headers, want)
	}
	delayed, err := in.Delayed(b.ctx, b.topic, 0, 10)
	if err != nil || len(delayed) != 2 {
		t.Fatalf("delayed %+v, %v", delayed, err)
	}
	for _, m := range delayed {
		if want := map[string]string{"outer": "from-ctx", "inner": "from-ctx"}; !maps.Equal(m.Headers, want) {
			t.Errorf("batch message %s has headers %v, want %v", m.ID, m.Headers, want)
		}
	}
}

func TestPublishMiddlewareCanRefuse(t *testing.T) {
	t.Parallel()
	errRefused := errors.New("refused")
	refuse := func(redis.PublishFunc) redis.PublishFunc {
		return func(context.Context, *redis.Publication) error { return errRefused }
	}
	b := setup(t).with(t, redis.WithPublishMiddleware(refuse))
	id, err := b.q.Enqueue(b.ctx, b.topic, map[string]interface{}{"n": 1})
	if !errors.Is(err, errRefused) || id != "" {
		t.Errorf("Enqueue = %q, %v; want no id and the middleware's error", id, err)
	}
	ids, err := b.q.EnqueueBatch(b.ctx, b.topic, []map[string]interface{}{{"n": 1}})
	if !errors.Is(err, errRefused) || ids != nil {
		t.Errorf("EnqueueBatch = %v, %v; want no ids and the middleware's error", ids, err)
	}
	if s := stats(t, b); s.Pending != 0 {
		t.Errorf("%d messages published past a refusing middleware", s.Pending)
	}
}

func TestPublishMiddlewareSkipsInvalidCalls(t *testing.T) {
	t.Parallel()
	calls := 0
	count := func(next redis.PublishFunc) redis.PublishFunc {
		return func(ctx context.Context, p *redis.Publication) error { calls++; return next(ctx, p) }
	}
	b := setup(t).with(t, redis.WithPublishMiddleware(count))
	if err := b.q.Publish(b.ctx, "bad topic", nil); !errors.Is(err, redis.ErrInvalidTopic) {
		t.Fatalf("bad topic: %v", err)
	}
	if err := b.q.Publish(b.ctx, b.topic, nil, redis.WithDelay(-time.Second)); !errors.Is(err, redis.ErrInvalidOption) {
		t.Fatalf("negative delay: %v", err)
	}
	if ids, err := b.q.EnqueueBatch(b.ctx, b.topic, nil); err != nil || len(ids) != 0 {
		t.Fatalf("empty batch: %v, %v", ids, err)
	}
	if calls != 0 {
		t.Errorf("middleware ran %d times for calls that publish nothing", calls)
	}
}
